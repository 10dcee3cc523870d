/**
 * Kernel density estimation (paper section 2), in scikit-learn's
 * `KernelDensity` shape: fitting stores the points and fixes the bandwidth h,
 * sampling picks a training point uniformly and adds kernel noise, and the
 * model is scored by the mean negative log-likelihood of real test points.
 *
 * - Gaussian kernel: p(x) = (1/N) sum_i N(x; x_i, h^2 I). The log-likelihood
 *   is computed as a log-sum-exp with a running maximum, so it is finite for
 *   any test point however far from the data (the exponentials never all
 *   underflow: the nearest training point contributes exp(0) = 1).
 * - Top-hat kernel: p(x) = #{i : |x - x_i| < h} / (N V_d h^d), V_d the volume
 *   of the unit d-ball. A test point farther than h from every training point
 *   has density 0, so the mean test NLL is +Infinity as soon as one such point
 *   exists: the reason the paper dropped this kernel.
 * - Bandwidth: a number, or scikit-learn's rules (which do NOT scale by the
 *   data's spread): "scott" h = N^(-1/(d+4)), "silverman"
 *   h = (N (d+2) / 4)^(-1/(d+4)), N the number of fitted points.
 *
 * The kernel sums are lib/numerics/kernel_sums.ts. The estimator of the
 * experiments and its accumulators for the Accumulate workflow, which carry
 * each test point's kernel sums so an iteration costs only the new points,
 * are kde_estimator.ts.
 *
 * @module
 */

import { type Matrix, matrix } from "../numerics/matrix.ts";
import { addKernelSums, emptyKernelSums, type Kernel, KERNELS, logDensityFromSums } from "../numerics/kernel_sums.ts";
import { nativeGenerator, type Rng } from "../numerics/rng.ts";
import { assertOneOf } from "../util/one_of.ts";

/** scikit-learn's bandwidth rules. */
export const BANDWIDTH_RULES = ["scott", "silverman"] as const;

/** One of {@linkcode BANDWIDTH_RULES}. */
export type BandwidthRule = typeof BANDWIDTH_RULES[number];

/** A fixed bandwidth (> 0) or a rule evaluated at each fit. */
export type Bandwidth = number | BandwidthRule;

/** Throws unless `value` names a kernel, listing the allowed ones. */
export function assertKernel(value: unknown, field = "kernel"): asserts value is Kernel {
  assertOneOf(value, KERNELS, field);
}

/** Throws unless `value` is a finite number > 0 or a rule name, listing the allowed values. */
export function assertBandwidth(value: unknown, field = "bandwidth"): asserts value is Bandwidth {
  if (typeof value === "number" && value > 0 && Number.isFinite(value)) return;
  if (BANDWIDTH_RULES.includes(value as BandwidthRule)) return;
  throw new RangeError(
    `${field} must be a finite number > 0 or one of ${BANDWIDTH_RULES.map((r) => `"${r}"`).join(", ")}, got ${
      JSON.stringify(value)
    }`,
  );
}

/**
 * The bandwidth used for `count` points of dimension `dim`: the number itself,
 * or scikit-learn's Scott / Silverman factor.
 */
export function resolveBandwidth(bandwidth: Bandwidth, shape: { count: number; dim: number }): number {
  assertBandwidth(bandwidth);
  if (typeof bandwidth === "number") return bandwidth;
  const { count, dim } = shape;
  if (!(count >= 1) || !(dim >= 1)) throw new RangeError(`a bandwidth rule needs count >= 1 and dim >= 1`);
  const exponent = -1 / (dim + 4);
  return bandwidth === "scott" ? count ** exponent : ((count * (dim + 2)) / 4) ** exponent;
}

/** A fitted kernel density estimate. */
export interface KdeModel {
  /** The training points (not copied). */
  readonly points: Matrix;
  /** The bandwidth h in use. */
  readonly bandwidth: number;
  readonly kernel: Kernel;
  /**
   * Log-densities of a test set from an accumulator's carried sums
   * (kde_estimator.ts: computed when first asked for, so a fit that is never
   * scored costs nothing); {@linkcode kdeMeanNll} uses them when `test` is that
   * test set.
   */
  readonly cached?: { readonly test: Matrix; logDensity(): Float64Array };
}

/** Options of {@linkcode fitKde}. */
export interface KdeOptions {
  /** A number > 0, "scott" or "silverman". */
  bandwidth: Bandwidth;
  /** Default "gaussian". */
  kernel?: Kernel;
}

/** Throws unless `points` holds at least one row, naming `field`. */
export function checkPoints(points: Matrix, field: string): void {
  if (points.rows < 1) throw new RangeError(`${field} must hold at least one point, got 0 rows`);
}

/** Fits a KDE: stores the points (no copy) and fixes the bandwidth. */
export function fitKde(points: Matrix, options: KdeOptions): KdeModel {
  checkPoints(points, "KDE training data");
  const kernel = options.kernel ?? "gaussian";
  assertKernel(kernel);
  const bandwidth = resolveBandwidth(options.bandwidth, { count: points.rows, dim: points.cols });
  return { points, bandwidth, kernel };
}

/** The log-density of the model at each row of `x` (scikit-learn's `score_samples`). */
export function kdeLogDensity(model: KdeModel, x: Matrix): Float64Array {
  if (x.cols !== model.points.cols) {
    throw new RangeError(`points have ${x.cols} columns, the model ${model.points.cols}`);
  }
  const state = emptyKernelSums(x.rows);
  addKernelSums(state, x, model);
  return logDensityFromSums(state, {
    count: model.points.rows,
    dim: x.cols,
    bandwidth: model.bandwidth,
    kernel: model.kernel,
  });
}

/** Mean of -log p over the rows of `test`; +Infinity if some test point has density 0 (top-hat). */
export function kdeMeanNll(model: KdeModel, test: Matrix): number {
  checkPoints(test, "test data");
  const logDensity = model.cached?.test === test ? model.cached.logDensity() : kdeLogDensity(model, test);
  let total = 0;
  for (let i = 0; i < logDensity.length; i++) total -= logDensity[i];
  return total / logDensity.length;
}

/**
 * Draws `count` points: a training point chosen uniformly, plus N(0, h^2 I)
 * noise (Gaussian) or a point uniform in the ball of radius h (top-hat), as
 * scikit-learn's `KernelDensity.sample`. Gaussian draws by the native generator
 * where it is available, the same bits (`typescript: true` forces the loop here).
 */
export function sampleKde(model: KdeModel, count: number, rng: Rng, options: { typescript?: boolean } = {}): Matrix {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be an integer >= 0, got ${count}`);
  const { points, bandwidth: h } = model;
  const d = points.cols;
  const out = matrix(count, d);
  const o = out.data;
  const y = points.data;
  const native = model.kernel === "gaussian" && points.rows > 0 && !options.typescript ? nativeGenerator() : undefined;
  // The native route draws the same rows; it hands back each row whose normals need the ziggurat's slow path.
  const at = (start: number) =>
    native
      ? native.rng.kdeSample(rng.stateWords(), native.tables, { points: y, dim: d, bandwidth: h, out: o, start })
      : start;
  for (let r = at(0); r < count; r = at(r + 1)) {
    const i = rng.int(points.rows);
    if (model.kernel === "gaussian") {
      for (let k = 0; k < d; k++) o[r * d + k] = y[i * d + k] + h * rng.normal();
    } else {
      // Uniform in the ball: a uniform direction, radius h U^(1/d).
      let norm = 0;
      for (let k = 0; k < d; k++) {
        const z = rng.normal();
        o[r * d + k] = z;
        norm += z * z;
      }
      const radius = (h * rng.random() ** (1 / d)) / Math.sqrt(norm);
      for (let k = 0; k < d; k++) o[r * d + k] = y[i * d + k] + radius * o[r * d + k];
    }
  }
  return out;
}

export { type Kernel, KERNELS } from "../numerics/kernel_sums.ts";
