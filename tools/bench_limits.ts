/**
 * The machine's limits for the benchmark's roofline column (tools/bench.ts):
 * the peak of FMA-free multiply-adds, natively (kernels.c's widest vectors)
 * and in TypeScript, the peak of fused multiply-adds natively, and the memory bandwidth of one core. Tested in
 * bench_limits_test.ts.
 *
 * @module
 */

import { nativeKernels } from "../lib/numerics/native/mod.ts";

/** This machine's limits, measured: the native and TypeScript peaks of FMA-free multiply-adds, and bandwidth. */
export interface MachineLimits {
  /** GFLOP/s of one core running the native kernels' widest vectors (kernels.c's peak_multiply_add). */
  nativePeak?: number;
  /** The same with fused multiply-adds (the KDE's kernel sums fuse theirs). */
  nativeFusedPeak?: number;
  lanes?: number;
  /** Billions of the kernel sums' exponentials per second on one core (the floor of the KDE's cost per term). */
  nativeExponentials?: number;
  /** GFLOP/s of one core running the same loop in TypeScript (scalar doubles: V8 does not vectorize). */
  typescriptPeak: number;
  /** GB/s of one core reading a 256 MiB array (native), and of a triad a = b + s c over three such arrays. */
  readBandwidth?: number;
  triadBandwidth?: number;
  /** GB/s of a TypeScript loop summing the 256 MiB array. */
  typescriptRead: number;
}

/** Best of `repeats` timings of `run` (seconds). */
function best(run: () => void, repeats = 3): number {
  let fastest = Infinity;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    run();
    fastest = Math.min(fastest, (performance.now() - start) / 1000);
  }
  return fastest;
}

/** Measures the machine's limits (a second or two). */
export function measureLimits(): MachineLimits {
  const native = nativeKernels();
  // TypeScript: 8 independent x = x * a + b chains (2 flops each per round).
  const typescriptRounds = 20_000_000;
  let sink = 0;
  const typescriptSeconds = best(() => {
    let x0 = 1, x1 = 1.1, x2 = 1.2, x3 = 1.3, x4 = 1.4, x5 = 1.5, x6 = 1.6, x7 = 1.7;
    const a = 0.999999999, b = 1e-9;
    for (let i = 0; i < typescriptRounds; i++) {
      x0 = x0 * a + b, x1 = x1 * a + b, x2 = x2 * a + b, x3 = x3 * a + b;
      x4 = x4 * a + b, x5 = x5 * a + b, x6 = x6 * a + b, x7 = x7 * a + b;
    }
    sink += x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
  });
  const big = new Float64Array(32 * 1024 * 1024).fill(1); // 256 MiB
  const typescriptReadSeconds = best(() => {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = 0; i < big.length; i += 4) s0 += big[i], s1 += big[i + 1], s2 += big[i + 2], s3 += big[i + 3];
    sink += s0 + s1 + s2 + s3;
  });
  const limits: MachineLimits = {
    typescriptPeak: (typescriptRounds * 8 * 2) / typescriptSeconds / 1e9,
    typescriptRead: big.byteLength / typescriptReadSeconds / 1e9,
  };
  if (native) {
    const rounds = 50_000_000;
    const seconds = best(() => void (sink += native.limits.peakMultiplyAdd(rounds)));
    limits.lanes = native.limits.lanes;
    const passes = 200_000;
    limits.nativeExponentials = (passes * 1024) / best(() => void (sink += native.limits.exponentials(passes))) / 1e9;
    limits.nativePeak = (rounds * 12 * 2 * native.limits.lanes) / seconds / 1e9;
    const fusedSeconds = best(() => void (sink += native.limits.peakMultiplyAdd(rounds, { fused: true })));
    limits.nativeFusedPeak = (rounds * 12 * 2 * native.limits.lanes) / fusedSeconds / 1e9;
    limits.readBandwidth = big.byteLength / best(() =>
      void native.limits.stream(big, big, big, { reps: 1, triad: false })
    ) / 1e9;
    const [a, b, c] = [
      new Float64Array(big.length / 2),
      new Float64Array(big.length / 2).fill(1),
      new Float64Array(big.length / 2).fill(2),
    ];
    limits.triadBandwidth = (3 * a.byteLength) / best(() =>
      void native.limits.stream(a, b, c, { reps: 1, triad: true })
    ) / 1e9;
  }
  if (sink === 42) console.log(""); // keeps the loops' results alive
  return limits;
}
