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
 * The kernel sums are lib/numerics/kernel_sums.ts. The
 * Accumulate workflow keeps, per test point, the running maximum and scaled sum
 * of its log-kernel values ({@linkcode KdeAccumulator}), so each iteration
 * costs only the new points, not the whole pool.
 *
 * @module
 */

import { type Matrix, matrix } from "../numerics/matrix.ts";
import {
  addKernelSums,
  emptyKernelSums,
  type Kernel,
  KERNELS,
  type KernelSums,
  logDensityFromSums,
  SPATIAL_MIN,
} from "../numerics/kernel_sums.ts";
import { nativeGenerator, type Rng } from "../numerics/rng.ts";
import { BinnedSums } from "../numerics/binned_sums.ts";
import { type Accumulator, type DataPool, type Estimator, matrixOps } from "./estimator.ts";
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
   * ({@linkcode KdeAccumulator}, {@linkcode KdeBinnedAccumulator}: computed
   * when first asked for, so a fit that is never scored costs nothing);
   * {@linkcode kdeEstimator}'s evaluate uses them when `test` is its test set.
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

/**
 * The binned route of a bandwidth rule under Accumulate ({@linkcode KdeBinnedAccumulator}): the pool's sizes at
 * the first and the last fit, which bound the rule's bandwidths.
 */
export interface BinnedRoute {
  firstCount: number;
  lastCount: number;
}

function checkPoints(points: Matrix, field: string): void {
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

/**
 * The Accumulate workflow's incremental KDE for a fixed bandwidth and a fixed
 * test set: each test point's running log-sum-exp takes in only the points
 * added since the last scored fit (O(new points x test)), so a fit costs O(test)
 * beyond them. The points are kept in a pool too, for sampling.
 */
export class KdeAccumulator implements Accumulator<Matrix, KdeModel> {
  readonly #test: Matrix;
  readonly #bandwidth: number;
  readonly #kernel: Kernel;
  readonly #state: KernelSums;
  readonly #pool: DataPool<Matrix> = matrixOps.pool();
  /** Pool points already in the kernel sums: the first ones, in append order. */
  #summed = 0;
  /** The sizes of the batches added since, in order. */
  #pending: number[] = [];

  /** An empty accumulator scoring `test`; only a numeric bandwidth can be accumulated. */
  constructor(test: Matrix, options: { bandwidth: number; kernel?: Kernel }) {
    checkPoints(test, "test data");
    if (typeof options.bandwidth !== "number") {
      throw new RangeError(
        `KdeAccumulator needs a numeric bandwidth (a rule changes h with the pool size), got ${
          JSON.stringify(options.bandwidth)
        }`,
      );
    }
    assertBandwidth(options.bandwidth);
    const kernel = options.kernel ?? "gaussian";
    assertKernel(kernel);
    this.#test = test;
    this.#bandwidth = options.bandwidth;
    this.#kernel = kernel;
    this.#state = emptyKernelSums(test.rows);
  }

  /** Points added so far. */
  get count(): number {
    return this.#pool.size;
  }

  /** Adds a batch of points to the pool; they join the kernel sums at the next fit that is scored. */
  add(points: Matrix): void {
    if (points.rows === 0) return;
    this.#pool.append(points);
    this.#pending.push(points.rows);
  }

  /**
   * The KDE of every point added so far, its test log-densities read from the carried sums when first asked for:
   * the points added since the last scored fit are then summed, in one set where they are SPATIAL_MIN or more
   * (kernel_sums.ts: in spatial order, skipping the runs of points past each test point's cutoff; the fewer fits
   * are scored, the larger the sets), else batch by batch.
   */
  fit(): KdeModel {
    if (this.#pool.size === 0) throw new RangeError("KdeAccumulator has no data yet");
    const points = this.#pool.all();
    const logDensity = untilNextAdd(this.#pool, () => {
      // A set of SPATIAL_MIN or more is summed at once, in spatial order; fewer, batch by batch as they were added
      // (the same sums as summing each batch when it comes).
      const d = points.cols, total = points.rows - this.#summed;
      const sets = total >= SPATIAL_MIN ? [total] : this.#pending;
      for (const rows of sets) {
        const set = matrix(rows, d, points.data.subarray(this.#summed * d, (this.#summed + rows) * d));
        addKernelSums(this.#state, this.#test, { points: set, bandwidth: this.#bandwidth, kernel: this.#kernel });
        this.#summed += rows;
      }
      this.#pending = [];
      return logDensityFromSums(this.#state, {
        count: points.rows,
        dim: points.cols,
        bandwidth: this.#bandwidth,
        kernel: this.#kernel,
      });
    });
    return { points, bandwidth: this.#bandwidth, kernel: this.#kernel, cached: { test: this.#test, logDensity } };
  }
}

/**
 * The Accumulate workflow's KDE under a bandwidth rule, whose h shrinks as
 * the pool grows, so that no running sum can be carried: each test point keeps
 * the histogram of its squared distances to the pool instead
 * (lib/numerics/binned_sums.ts: within 3.4e-13 of the exact sums, relative),
 * and a fit evaluates it at the rule's h for the pool's size; while the pool
 * is still smaller than a few times the histogram, a fit sums over the pool
 * exactly. O(test x (new points + bins)) per iteration instead of
 * O(test x pool).
 */
export class KdeBinnedAccumulator implements Accumulator<Matrix, KdeModel> {
  readonly #test: Matrix;
  readonly #rule: BandwidthRule;
  readonly #binned: BinnedSums;
  readonly #pool: DataPool<Matrix> = matrixOps.pool();
  readonly #firstCount: number;
  readonly #lastCount: number;

  /** An empty accumulator scoring `test` under `rule`, for pools of `firstCount` to `lastCount` points. */
  constructor(test: Matrix, options: { rule: BandwidthRule } & BinnedRoute) {
    checkPoints(test, "test data");
    const { rule, firstCount, lastCount } = options;
    if (!BANDWIDTH_RULES.includes(rule)) throw new RangeError(`KdeBinnedAccumulator takes a rule, got ${rule}`);
    if (!(Number.isInteger(firstCount) && Number.isInteger(lastCount) && firstCount >= 1 && lastCount >= firstCount)) {
      throw new RangeError(
        `pool sizes must be integers 1 <= firstCount <= lastCount, got ${firstCount} and ${lastCount}`,
      );
    }
    this.#test = test;
    this.#rule = rule;
    this.#firstCount = firstCount;
    this.#lastCount = lastCount;
    this.#binned = new BinnedSums(test, { cMin: this.#c(firstCount), cMax: this.#c(lastCount) });
  }

  #c(count: number): number {
    const h = resolveBandwidth(this.#rule, { count, dim: this.#test.cols });
    return 1 / (2 * h * h);
  }

  /** Points added so far. */
  get count(): number {
    return this.#pool.size;
  }

  add(points: Matrix): void {
    if (points.rows === 0) return;
    const size = this.#pool.size + points.rows;
    if (size > this.#lastCount) {
      throw new RangeError(
        `KdeBinnedAccumulator: a pool of ${size} points is larger than the route was set up for ` +
          `(lastCount ${this.#lastCount}: beyond it the bins are too wide for the error bound)`,
      );
    }
    this.#pool.append(points);
    // The cutoff of the next fit, whose pool is this one.
    this.#binned.add(points, this.#c(this.#pool.size));
  }

  fit(): KdeModel {
    if (this.#pool.size === 0) throw new RangeError("KdeBinnedAccumulator has no data yet");
    const points = this.#pool.all(), count = points.rows, dim = points.cols;
    if (count < this.#firstCount) {
      // The rings cover the cutoff of firstCount's bandwidth only: a wider one would miss terms.
      throw new RangeError(
        `KdeBinnedAccumulator: a pool of ${count} points is smaller than the route was set up for ` +
          `(firstCount ${this.#firstCount})`,
      );
    }
    const bandwidth = resolveBandwidth(this.#rule, { count, dim });
    const c = 1 / (2 * bandwidth * bandwidth);
    const logDensity = untilNextAdd(this.#pool, () => {
      // Live bins per test point ~ 50 / (c w): a pool smaller than three times that is summed exactly.
      let state: KernelSums;
      if (count < 3 * (50 / (c * this.#binned.width))) {
        state = emptyKernelSums(this.#test.rows);
        addKernelSums(state, this.#test, { points, bandwidth, kernel: "gaussian" });
      } else state = this.#binned.evaluate(c);
      return logDensityFromSums(state, { count, dim, bandwidth, kernel: "gaussian" });
    });
    return { points, bandwidth, kernel: "gaussian", cached: { test: this.#test, logDensity } };
  }
}

/**
 * A fit's test log-densities, computed from an accumulator's carried state
 * when first asked for (a fit that is never scored costs nothing), and only
 * while that state is the fit's: before the accumulator's pool grows again.
 */
function untilNextAdd(pool: DataPool<Matrix>, compute: () => Float64Array): () => Float64Array {
  const size = pool.size;
  let logDensity: Float64Array | undefined;
  return (): Float64Array => {
    if (pool.size !== size) {
      throw new Error("a KDE accumulator's fit is scored before the next batch is added, not after");
    }
    return logDensity ??= compute();
  };
}

/**
 * The KDE estimator of the paper's experiment, scored on the fixed real test
 * set `test`: metrics `testNll` (mean negative log-likelihood, nats per point)
 * and `fittedBandwidth` (the h in use, which a rule recomputes at each fit).
 * With a numeric bandwidth it offers an accumulator, so Accumulate costs only
 * the new points per iteration.
 */
export function kdeEstimator(
  test: Matrix,
  options: KdeOptions & { binned?: BinnedRoute },
): Estimator<Matrix, KdeModel> {
  checkPoints(test, "test data");
  const kernel = options.kernel ?? "gaussian";
  assertKernel(kernel);
  assertBandwidth(options.bandwidth);
  const bandwidth = options.bandwidth;
  const estimator: Estimator<Matrix, KdeModel> = {
    ops: matrixOps,
    fit: (points: Matrix): KdeModel => fitKde(points, { bandwidth, kernel }),
    sample: sampleKde,
    evaluate: (model: KdeModel): Record<string, number> => ({
      testNll: kdeMeanNll(model, test),
      fittedBandwidth: model.bandwidth,
    }),
  };
  if (typeof bandwidth === "number") {
    estimator.accumulator = (): Accumulator<Matrix, KdeModel> => new KdeAccumulator(test, { bandwidth, kernel });
  } else if (options.binned) {
    if (kernel !== "gaussian") throw new RangeError("the binned route serves the gaussian kernel only");
    const { firstCount, lastCount } = options.binned;
    estimator.accumulator = (): Accumulator<Matrix, KdeModel> =>
      new KdeBinnedAccumulator(test, { rule: bandwidth, firstCount, lastCount });
  }
  return estimator;
}

export { type Kernel, KERNELS } from "../numerics/kernel_sums.ts";
