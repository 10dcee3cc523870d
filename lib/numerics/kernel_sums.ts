/**
 * Kernel sums: per test point, the log of the sum of kernel values over a set
 * of training points, kept as a running maximum and a scaled sum so that it
 * can grow batch by batch (the KDE's Accumulate workflow) and never
 * underflows. The sums run over blocks of training points that stay in cache
 * while every test point passes over them, in C where the native kernels can
 * be built (lib/numerics/native), else in TypeScript.
 *
 * @module
 */

import { type Matrix } from "./matrix.ts";
import { nativeKernels } from "./native/mod.ts";
import { boundingBox, spatialOrder } from "./spatial_order.ts";

/** The kernels. */
export const KERNELS = ["gaussian", "tophat"] as const;

/** One of {@linkcode KERNELS}. */
export type Kernel = typeof KERNELS[number];

/** log of the volume of the unit ball in `dim` dimensions. */
export function logUnitBallVolume(dim: number): number {
  // V_0 = 1, V_1 = 2, V_d = V_{d-2} 2 pi / d.
  let log = dim % 2 === 0 ? 0 : Math.log(2);
  for (let d = dim % 2 === 0 ? 2 : 3; d <= dim; d += 2) log += Math.log((2 * Math.PI) / d);
  return log;
}

/** log of the kernel's normalizing constant for one point: log of 1 / (integral of the unnormalized kernel). */
function logKernelNorm(kernel: Kernel, dim: number, bandwidth: number): number {
  return kernel === "gaussian"
    ? 0.5 * dim * Math.log(2 * Math.PI * bandwidth * bandwidth)
    : logUnitBallVolume(dim) + dim * Math.log(bandwidth);
}

/**
 * Per test point, the running state of log sum_i k(x, x_i) for the unnormalized
 * kernel k: Gaussian exp(-|x - x_i|^2 / (2 h^2)), top-hat 1{|x - x_i| < h}.
 * The log-sum is `max + log(sum)`, with `sum` scaled by exp(-max).
 */
export interface KernelSums {
  readonly max: Float64Array;
  readonly sum: Float64Array;
}

/** An empty state for `count` test points (log-sum -Infinity). */
export function emptyKernelSums(count: number): KernelSums {
  return { max: new Float64Array(count).fill(-Infinity), sum: new Float64Array(count) };
}

/**
 * Training points from which a set is summed in spatial order (spatial_order.ts) where h is small against its
 * extent: the order of its additions, so the last bits of its sums, differ from the given order's; smaller sets,
 * and sets within a few h, keep their order.
 */
export const SPATIAL_MIN = 2048;

/** Training points per block: 1024 points of 3 doubles (24 KiB) stay in L1/L2 while all test points pass. */
const BLOCK = 1024;
/** Terms below exp(-50) of the running maximum are skipped: they change the sum by less than 2e-22 each. */
const SKIP = -50;

// exp(x) for x in (SKIP, 0]: x = -(n / 64) ln 2 + r with |r| <= ln 2 / 128, exp(x) = 2^(-n/64) e^r, e^r by a
// degree-5 Taylor polynomial (error < 4e-17) and 2^(-n/64) from a table: relative error < 1e-14 (measured),
// three times faster than Math.exp in V8.
const EXP_STEPS = 64;
const EXP_TABLE = new Float64Array(Math.ceil((-SKIP * EXP_STEPS) / Math.LN2) + 2).map((_, i) => 2 ** (-i / EXP_STEPS));
const EXP_SCALE = EXP_STEPS / Math.LN2;
const EXP_STEP = Math.LN2 / EXP_STEPS;

/** e^x for x in (-50, 0]; see the table above. */
function expNonPositive(x: number): number {
  const n = (0.5 - x * EXP_SCALE) | 0;
  const r = x + n * EXP_STEP;
  return (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))))) * EXP_TABLE[n];
}

/** Squared distances from test point `i` to training points [start, end) into `out`; returns their minimum. */
function squaredDistances(
  x: Float64Array,
  i: number,
  y: Float64Array,
  range: { start: number; end: number; dim: number },
  out: Float64Array,
): number {
  const { start, end, dim: d } = range;
  let best = Infinity;
  if (d === 2) {
    const x0 = x[2 * i], x1 = x[2 * i + 1];
    for (let j = start; j < end; j++) {
      const d0 = x0 - y[2 * j], d1 = x1 - y[2 * j + 1];
      const q = d0 * d0 + d1 * d1;
      out[j - start] = q;
      if (q < best) best = q;
    }
  } else if (d === 3) {
    const x0 = x[3 * i], x1 = x[3 * i + 1], x2 = x[3 * i + 2];
    for (let j = start; j < end; j++) {
      const d0 = x0 - y[3 * j], d1 = x1 - y[3 * j + 1], d2 = x2 - y[3 * j + 2];
      const q = d0 * d0 + d1 * d1 + d2 * d2;
      out[j - start] = q;
      if (q < best) best = q;
    }
  } else {
    for (let j = start; j < end; j++) {
      let q = 0;
      for (let k = 0; k < d; k++) q += (x[i * d + k] - y[j * d + k]) ** 2;
      out[j - start] = q;
      if (q < best) best = q;
    }
  }
  return best;
}

/** Options of {@linkcode addKernelSums}. */
export interface AddKernelSumsOptions {
  points: Matrix;
  bandwidth: number;
  kernel: Kernel;
}

/**
 * Adds every training point of `points` to the kernel sums of the rows of
 * `test` (in place), for a kernel of bandwidth h: the native kernel (lib/native)
 * where it can be built, else {@linkcode addKernelSumsTypeScript}. The two
 * differ only in the order of the additions, in the exponential's last bits
 * (each ~1e-15) and in the terms they leave out, each below e^-50 of the
 * largest: the TypeScript loop and the native kernel's two-pass route keep
 * the terms above e^-50 of the running maximum; the native kernel's one-pass
 * route, for a block every point of which may be kept, adds its terms relative
 * to the maximum before the block (to 1 for a new sum) and rescales, leaving
 * out only those below e^-58 of the largest. The native
 * kernel takes a set of {@linkcode SPATIAL_MIN} points or more, spread over
 * more than 40 h, in spatial order and skips, per test point, the runs of
 * points whose bounding box lies past the cutoff, and the terms below e^-50 of
 * the set's largest: most distances are then never computed.
 */
export function addKernelSums(state: KernelSums, test: Matrix, options: AddKernelSumsOptions): void {
  const { points, bandwidth, kernel } = options;
  const d = test.cols;
  if (points.cols !== d) throw new RangeError(`training points have ${points.cols} columns, test points ${d}`);
  if (state.max.length !== test.rows) throw new RangeError("kernel sums do not match the test set");
  const native = nativeKernels();
  if (!native) return addKernelSumsTypeScript(state, test, options);
  const n = points.rows;
  if (n === 0) return;
  // Coordinate-major: each coordinate of the training points is one contiguous run for the vector loads. A large
  // set is taken in spatial order, whose runs of points the C kernel skips where they lie past a test point's cutoff.
  const columns = new Float64Array(n * d);
  const y = points.data;
  const box = n >= SPATIAL_MIN ? boundingBox(points) : undefined;
  // In spatial order where the kept terms' reach, 10 h from a test point's nearest (e^-50), is less than a quarter
  // of the set's extent: else too few runs of points lie past a cutoff to repay the order and the boxes against the
  // one-pass sums of an unordered set (measured: notebook 02's Accumulate at h = 0.316 on the moons and circles
  // ~35% faster than with half the extent, the sets at h <= 0.1 within noise).
  const spatial = box !== undefined && 40 * bandwidth < Math.max(...box.hi.map((hi, j) => hi - box.lo[j]));
  if (spatial) {
    const order = spatialOrder(points, box);
    for (let k = 0; k < n; k++) for (let j = 0; j < d; j++) columns[j * n + k] = y[order[k] * d + j];
  } else for (let p = 0; p < n; p++) for (let j = 0; j < d; j++) columns[j * n + p] = y[p * d + j];
  native.kdeAddSums(test.data, {
    points: columns,
    count: n,
    dim: d,
    bandwidth,
    tophat: kernel === "tophat",
    max: state.max,
    sum: state.sum,
    bounds: spatial ? "boxes" : "off",
  });
}

/**
 * {@linkcode addKernelSums} in TypeScript. Blocked: each block of training
 * points is read by every test point before the next block. Per test point and
 * block, a first pass writes the squared distances and their minimum; the
 * running maximum of the log-kernel is updated once; a second pass adds
 * exp(v - max) for the terms above exp(-50) of the maximum, selected by
 * comparing squared distances (no exponential for the rest).
 *
 * Squared distances are taken as plain differences rather than
 * |x|^2 + |y|^2 - 2 x.y: in 2-D and 3-D it costs the same (measured) and it
 * does not lose digits to cancellation when the data sit far from the origin
 * (the swiss roll, spread ~10, with h = 0.01).
 */
export function addKernelSumsTypeScript(state: KernelSums, test: Matrix, options: AddKernelSumsOptions): void {
  const { points, bandwidth: h, kernel } = options;
  const d = test.cols;
  if (points.cols !== d) throw new RangeError(`training points have ${points.cols} columns, test points ${d}`);
  if (state.max.length !== test.rows) throw new RangeError("kernel sums do not match the test set");
  const n = points.rows;
  if (n === 0) return;
  const x = test.data;
  const y = points.data;
  const { max, sum } = state;
  const q = new Float64Array(Math.min(BLOCK, n));
  const h2 = h * h;
  const c = 1 / (2 * h2);
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    const range = { start, end, dim: d };
    const size = end - start;
    for (let i = 0; i < test.rows; i++) {
      const nearest = squaredDistances(x, i, y, range, q);
      if (kernel === "tophat") {
        let count = 0;
        for (let j = 0; j < size; j++) if (q[j] < h2) count++;
        max[i] = 0;
        sum[i] += count;
        continue;
      }
      // Log-kernel v = -c q; running maximum m, sum scaled by exp(-m).
      let m = max[i];
      let s = sum[i];
      const top = -c * nearest;
      if (top > m) {
        s *= Math.exp(m - top); // 0 when the state was empty (m = -Infinity, s = 0)
        m = top;
      }
      // v - m > SKIP  <=>  q < (-m - SKIP) / c
      const limit = (-m - SKIP) / c;
      for (let j = 0; j < size; j++) {
        const qj = q[j];
        if (qj < limit) s += expNonPositive(-c * qj - m);
      }
      max[i] = m;
      sum[i] = s;
    }
  }
}

/** Log-densities from kernel sums over `count` training points. */
export function logDensityFromSums(
  state: KernelSums,
  options: { count: number; dim: number; bandwidth: number; kernel: Kernel },
): Float64Array {
  const { count, dim, bandwidth, kernel } = options;
  const offset = Math.log(count) + logKernelNorm(kernel, dim, bandwidth);
  const out = new Float64Array(state.max.length);
  // log(0) = -Infinity: a top-hat test point with no training point within h.
  for (let i = 0; i < out.length; i++) out[i] = state.max[i] + Math.log(state.sum[i]) - offset;
  return out;
}
