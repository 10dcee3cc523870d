/**
 * Side-by-side benchmarks: the same workloads through this project and through
 * the reference Python (numpy) in one run, printed as a table with the ratio.
 *
 * ```sh
 * deno task bench            # every workload
 * deno task bench gaussian   # workloads whose name contains "gaussian" ("lm": the language model only)
 * BENCH_REPEATS=5 deno task bench kde   # best of 5 instead of 3
 * ```
 *
 * The kernels run natively where lib/native can compile them (see its module
 * doc); `COLLAPSE_NATIVE=0 deno task bench` times the TypeScript loops instead.
 *
 * The references are numpy (the original algorithms, in bench/*_reference.py)
 * and scikit-learn; the task installs Debian's python3-numpy or
 * python3-sklearn when no python3 has them (as root, with apt-get).
 *
 * @module
 */

import { makeMoons, makeSwissRoll } from "../lib/models/datasets.ts";
import gaussian from "../lib/experiments/gaussian.ts";
import { fitGmm, sampleMixture } from "../lib/models/gmm.ts";
import { fitKde, kdeLogDensity, sampleKde } from "../lib/models/kde.ts";
import { KNOWN_MIXTURE } from "../lib/models/mixture_datasets.ts";
import linearRegression from "../lib/experiments/linear_regression.ts";
import { type Matrix, matrix } from "../lib/numerics/matrix.ts";
import { nativeKernels } from "../lib/numerics/native/mod.ts";
import { Rng } from "../lib/numerics/rng.ts";
import { WORKFLOWS } from "../lib/workflows/mod.ts";
import { parseCommandLine, positiveNumber, runTool, UsageError } from "./cli.ts";
import { exists } from "../lib/util/files.ts";
import { measureLimits } from "./bench_limits.ts";

const root = new URL("../", import.meta.url).pathname;

/** The Python module a reference needs, and the Debian package that brings it. */
type ReferenceModule = "numpy" | "sklearn";
const DEBIAN_PACKAGE: Record<ReferenceModule, string> = {
  numpy: "python3-numpy",
  sklearn: "python3-sklearn",
};

/** One workload: this project's timing function, its floating-point work, and the reference's command. */
interface Workload {
  name: string;
  ours: () => void | Promise<void>;
  /** The floating-point operations of the algorithm as this project runs it (see {@linkcode flops}). */
  flops?: number;
  /** Kernel terms (exponentials) the workload evaluates, for the KDE: its rate against the exponential's alone. */
  exponentials?: number;
  /** Its kernels fuse their multiply-adds (the KDE's sums): its share is of the fused peak. */
  fused?: boolean;
  reference?: { module: ReferenceModule; args: () => string[] };
}

/**
 * Floating-point work of the workloads, counted from the algorithms as run (a multiply-add is 2 flops; draws of
 * random numbers and integer work are not counted):
 * - Gaussian, per iteration: drawing statistics costs the pivoted Cholesky (d^3 / 6 multiply-adds), the Wishart
 *   factor's products (d r^2 / 2 with r = q = d for n > d) and their Gram (d^2 q / 2); drawing points costs
 *   x = B z (n d r / 2: the factor is triangular), the scatter (n d^2 / 2) and the Cholesky.
 * - KDE: per test point and training point, the squared distance (3 d - 1) and, for a kept term, the exponential's
 *   polynomial and scaling (34) and the sum (3); counted as if every distance were computed and every term kept:
 *   an upper bound, exact only where every term is within e^-50 of the largest (h = 1 on the moons). The kernel
 *   skips the exponentials of the other terms and, on 2048 points or more, the distances of the runs of points
 *   past a test point's cutoff (kernel_sums.ts), so where it skips most the rate counted so passes the peak.
 * - Linear regression, per iteration: Replace and Accumulate relabel the design (n d) and solve with its factor
 *   (d^2); Accumulate-Subsample the Gram of the ~0.632 n distinct drawn rows (d^2 k / 2, symmetric), the pivoted
 *   Cholesky (d^3 / 6), and, rank deficient, L^T L; once per run the design's Gram (n d^2 / 2) and factor.
 */
export const flops = {
  gaussian(workflow: string, sampling: string | undefined, shape: { d: number; n: number; t: number }): number {
    const { d, n, t } = shape, r = Math.min(d, n);
    const points = sampling === "points" || workflow === "Accumulate-Subsample";
    const perIteration = points
      ? (n * d * r) / 2 + (n * d * d) / 2 + d ** 3 / 6
      : d ** 3 / 6 + (d * r * r) / 2 + (d * d * r) / 2;
    return 2 * t * perIteration;
  },
  kde(shape: { test: number; train: number; d: number }): number {
    return shape.test * shape.train * (3 * shape.d - 1 + 34 + 3);
  },
  linearRegression(workflow: string, shape: { d: number; n: number; t: number }): number {
    const { d, n, t } = shape, k = Math.min(0.632 * n, d);
    const perIteration = workflow === "Accumulate-Subsample"
      ? (d * d * 0.632 * n) / 2 + d ** 3 / 6 + (d * k * k) / 2 + n * d
      : 2 * n * d + d * d;
    return 2 * (t * perIteration + (n * d * d) / 2 + d ** 3 / 6);
  },
};

function hasModule(python: string, module: string): boolean {
  try {
    return new Deno.Command(python, {
      args: ["-c", `import ${module}`],
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

const pythons = new Map<ReferenceModule, string | undefined>();
function pythonWith(module: ReferenceModule): string | undefined {
  if (pythons.has(module)) return pythons.get(module);
  let found = ["python3", "/usr/bin/python3"].find((python) => hasModule(python, module));
  if (!found) {
    console.log(
      `no python3 with ${module}: installing Debian's ${DEBIAN_PACKAGE[module]}`,
    );
    new Deno.Command("sh", {
      args: [
        "-c",
        `apt-get update -qq && apt-get install -y -qq ${DEBIAN_PACKAGE[module]}`,
      ],
    }).outputSync();
    found = hasModule("/usr/bin/python3", module) ? "/usr/bin/python3" : undefined;
  }
  pythons.set(module, found);
  return found;
}

async function timeOurs(fn: () => void | Promise<void>, repeats: number): Promise<number> {
  await fn(); // warm-up: compile the hot loops
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn();
    times.push((performance.now() - start) / 1000);
  }
  return Math.min(...times);
}

function timeReference(
  python: string,
  args: string[],
  repeats: number,
): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set on these machines for old
    // OpenBLAS builds; they slow a current numpy, so the reference runs without.
    const out = new Deno.Command("env", {
      args: [
        "-u",
        "OPENBLAS_CORETYPE",
        "-u",
        "OPENBLAS_L2_SIZE",
        python,
        ...args,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).outputSync();
    if (!out.success) {
      throw new Error(`reference failed: ${python} ${args.join(" ")}`);
    }
    times.push(Number(new TextDecoder().decode(out.stdout).trim()));
  }
  return Math.min(...times);
}

function writeCsv(x: Matrix): string {
  const path = Deno.makeTempFileSync({
    prefix: "collapse-bench-",
    suffix: ".csv",
  });
  const lines: string[] = [];
  for (let r = 0; r < x.rows; r++) {
    lines.push([...x.data.subarray(r * x.cols, (r + 1) * x.cols)].join(","));
  }
  Deno.writeTextFileSync(path, lines.join("\n"));
  return path;
}

/** Every workload (cheap: nothing is computed until a workload runs). */
function allWorkloads(): Workload[] {
  const workloads: Workload[] = [];
  // The default draws Replace's and Accumulate's sufficient statistics; "points" draws every point, as the reference does.
  const gaussianCases = [
    ...WORKFLOWS.map((workflow) => ({ workflow, sampling: undefined, label: "" })),
    ...(["Replace", "Accumulate"] as const).map((workflow) => ({
      workflow,
      sampling: "points",
      label: ", sampling every point",
    })),
  ];
  for (const { workflow, sampling, label } of gaussianCases) {
    const config = { dim: 100, samplesPerIteration: 1000, workflow, seed: 0, iterations: 100, sigmaSquared: 1 };
    workloads.push({
      name: `gaussian d=100 n=1000 T=100 ${workflow}${label}`,
      flops: flops.gaussian(workflow, sampling, { d: 100, n: 1000, t: 100 }),
      ours: async () => {
        await gaussian.runConfig(sampling ? { ...config, sampling } : config);
      },
      reference: {
        module: "numpy",
        args: () => [`${root}bench/gaussian_reference.py`, workflow, "100", "1000", "100", "0"],
      },
    });
  }
  const kdeCases = [
    { name: "2-D moons", make: makeMoons },
    { name: "3-D swiss roll", make: makeSwissRoll },
  ];
  for (const { name, make } of kdeCases) {
    // Drawn on first use (the untimed warm-up), so that listing and filtering the workloads costs nothing.
    let drawn: { train: Matrix; test: Matrix } | undefined;
    const data = (): { train: Matrix; test: Matrix } =>
      drawn ??= { train: make(100_000, new Rng(1, "bench")), test: make(500, new Rng(2, "bench")) };
    for (const h of [0.1, 1]) {
      workloads.push({
        name: `kde test log-likelihood 500 x 100,000 ${name} h=${h}`,
        flops: flops.kde({ test: 500, train: 100_000, d: name.startsWith("2") ? 2 : 3 }),
        exponentials: 500 * 100_000,
        fused: true,
        ours: () => {
          kdeLogDensity(fitKde(data().train, { bandwidth: h }), data().test);
        },
        reference: {
          module: "sklearn",
          args: () => [
            `${root}bench/kde_reference.py`,
            writeCsv(data().train),
            writeCsv(data().test),
            String(h),
          ],
        },
      });
    }
  }
  // Samples of a KDE fitted to a pool as large as Accumulate's at iteration 1,000 of n = 1,000 (2-D): random rows of
  // 24 MB, beyond the caches.
  let pool: Matrix | undefined;
  workloads.push({
    name: "kde sample 100,000 points from 1,500,000 (2-D)",
    ours: () => {
      pool ??= matrix(1_500_000, 2, new Rng(4, "bench").fillNormal(new Float64Array(3_000_000)));
      sampleKde(fitKde(pool, { bandwidth: 0.5 }), 100_000, new Rng(5, "bench"));
    },
    reference: { module: "sklearn", args: () => [`${root}bench/kde_sample_reference.py`, "1500000", "100000"] },
  });
  // A mixture fit on a pool as large as Accumulate's at iteration 30 of n = 1000: the k-means start and EM.
  let mixturePoints: Matrix | undefined;
  const points = (): Matrix => mixturePoints ??= sampleMixture(KNOWN_MIXTURE, 30_000, new Rng(3, "bench"));
  workloads.push({
    name: "gmm fit k=3 30,000 points of the 2-D mixture",
    ours: () => {
      fitGmm(points(), { components: 3, seed: 0 });
    },
    reference: { module: "sklearn", args: () => [`${root}bench/gmm_reference.py`, writeCsv(points())] },
  });
  for (const workflow of WORKFLOWS) {
    workloads.push({
      name: `linear regression d=100 n=1000 T=100 ${workflow}`,
      flops: flops.linearRegression(workflow, { d: 100, n: 1000, t: 100 }),
      ours: async () => {
        await linearRegression.runConfig({
          dim: 100,
          samplesPerIteration: 1000,
          sigmaSquared: 1,
          workflow,
          seed: 0,
          iterations: 100,
        });
      },
      reference: {
        module: "numpy",
        args: () => [
          `${root}bench/linear_regression_reference.py`,
          workflow,
          "100",
          "1000",
          "100",
          "0",
        ],
      },
    });
  }
  return workloads;
}

const USAGE = "usage: deno task bench [FILTER]   (FILTER: a part of a workload's name; lm: the language model only)";

/** Parsed command line of the bench tool. */
export interface BenchArgs {
  /** Runs the workloads whose name contains it; "" runs every one. */
  filter: string;
  help: boolean;
}

/** Parses the command line; throws a {@linkcode UsageError} naming the flag and what it allows. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values, positionals } = parseCommandLine(argv, {
    usage: USAGE,
    flags: { help: { type: "boolean", short: "h" } },
  });
  if (positionals.length > 1) {
    throw new UsageError(`one filter at a time, got ${positionals.length}: ${positionals.join(" ")}`, USAGE);
  }
  return { filter: positionals[0] ?? "", help: values.help ?? false };
}

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const { filter, help } = parseBenchArgs(argv);
  if (help) {
    console.log(USAGE);
    return 0;
  }
  const workloads = allWorkloads();
  const selected = workloads.filter((w) => w.name.includes(filter));
  const lmSelected = "language model".includes(filter) || filter === "lm";
  if (selected.length === 0 && !lmSelected) {
    const names = [...workloads.map((w) => w.name), "language model (or: lm)"].map((name) => `  ${name}`);
    throw new UsageError(`no workload's name contains "${filter}"; the workloads:\n${names.join("\n")}`, USAGE);
  }
  const repeats = positiveNumber(Deno.env.get("BENCH_REPEATS") ?? "3", {
    flag: "BENCH_REPEATS",
    integer: true,
    usage: USAGE,
  });
  const native = nativeKernels();
  console.log(
    `best of ${repeats}; ${navigator.hardwareConcurrency} cores; ${Deno.build.target}; kernels: ` +
      `${native ? `native (${native.build})` : "TypeScript loops"} (COLLAPSE_NATIVE=0 for the TypeScript loops)\n`,
  );
  const limits = measureLimits();
  const gflops = (x?: number) => x === undefined ? "n/a" : x.toFixed(1);
  console.log(
    `this machine, one core: multiply-add peak ${gflops(limits.nativePeak)} GFLOP/s FMA-free and ` +
      `${gflops(limits.nativeFusedPeak)} fused, native (${limits.lanes ?? "?"} lanes), ${
        gflops(limits.typescriptPeak)
      } GFLOP/s TypeScript; memory ` +
      `${gflops(limits.readBandwidth)} GB/s read, ${gflops(limits.triadBandwidth)} GB/s triad (native), ` +
      `${gflops(limits.typescriptRead)} GB/s read (TypeScript); the kernel sums' exponential alone ` +
      `${limits.nativeExponentials?.toFixed(2) ?? "n/a"} G/s\n`,
  );
  console.log(
    "| workload | this project (s) | reference (s) | reference / this project | GFLOP | GFLOP/s | of native peak " +
      "| of the exponential's rate |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const workload of selected) {
    const ours = await timeOurs(workload.ours, repeats);
    const python = workload.reference ? pythonWith(workload.reference.module) : undefined;
    const reference = python && workload.reference ? timeReference(python, workload.reference.args(), repeats) : NaN;
    const shown = Number.isFinite(reference) ? reference.toFixed(3) : "n/a";
    const ratio = Number.isFinite(reference) ? `${(reference / ours).toFixed(2)}x` : "n/a";
    const label = workload.reference ? `${workload.name} (${workload.reference.module})` : workload.name;
    const work = workload.flops;
    const rate = work === undefined ? undefined : work / ours / 1e9;
    const peak = workload.fused ? limits.nativeFusedPeak : limits.nativePeak;
    const share = rate === undefined || peak === undefined ? "n/a" : `${((100 * rate) / peak).toFixed(1)}%`;
    // Kernel terms per second against the exponential alone: how close the KDE is to evaluating nothing else.
    const ofExp = workload.exponentials === undefined || limits.nativeExponentials === undefined
      ? "n/a"
      : `${((100 * workload.exponentials / ours / 1e9) / limits.nativeExponentials).toFixed(0)}%`;
    console.log(
      `| ${label} | ${ours.toFixed(3)} | ${shown} | ${ratio} | ${
        work === undefined ? "n/a" : (work / 1e9).toFixed(2)
      } ` +
        `| ${gflops(rate)} | ${share} | ${ofExp} |`,
    );
  }
  if (selected.length > 0) {
    console.log(
      "\nof native peak: of the fused multiply-add peak for the KDE (its kernel sums fuse their multiply-adds), " +
        "of the FMA-free one otherwise; the KDE's GFLOP count every pair of points, also those its kernel skips " +
        "(terms below e^-50 of the largest: most at h = 0.1), so its rates are upper bounds and can pass the peak",
    );
  }

  // The language model: both trainers' training steps (default and large shapes) and the three sampling
  // engines, against the same model in PyTorch with and without its key/value cache (bench/lm_bench.ts;
  // it needs Debian's python3-torch for the side-by-side column, and OpenBLAS under it: without
  // libopenblas0 the BLAS alternative is the reference one, ~40x slower, and the comparison meaningless).
  if (lmSelected) {
    const packages = [
      ...(hasModule("/usr/bin/python3", "torch") ? [] : ["python3-torch"]),
      ...(exists("/usr/lib/x86_64-linux-gnu/libopenblas.so.0") ? [] : ["libopenblas0-pthread"]),
    ];
    if (packages.length > 0 && Deno.build.os === "linux") {
      console.log(`installing Debian's ${packages.join(" ")} for the PyTorch reference`);
      new Deno.Command("sh", { args: ["-c", `apt-get update -qq && apt-get install -y -qq ${packages.join(" ")}`] })
        .outputSync();
    }
    console.log("\nlanguage model (bench/lm_bench.ts --torch):");
    const lm = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${root}bench/lm_bench.ts`, "--torch", "--repeats", String(repeats)],
      stdout: "inherit",
      stderr: "inherit",
    }).outputSync();
    if (!lm.success) throw new Error("bench/lm_bench.ts failed");
  }
  return 0;
}

if (import.meta.main) await runTool("bench", () => main(Deno.args));
