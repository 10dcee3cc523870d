/**
 * The KDE estimator of the experiments (kde.ts's model behind the Estimator
 * interface), and its accumulators for the Accumulate workflow: the running
 * kernel sums of a fixed bandwidth ({@linkcode KdeAccumulator}) and the
 * histograms of a bandwidth rule ({@linkcode KdeBinnedAccumulator}), so that an
 * iteration costs the new points rather than the whole pool.
 *
 * @module
 */

import { type Matrix, matrix } from "../numerics/matrix.ts";
import {
  addKernelSums,
  emptyKernelSums,
  type Kernel,
  type KernelSums,
  logDensityFromSums,
  SPATIAL_MIN,
} from "../numerics/kernel_sums.ts";
import { BinnedSums } from "../numerics/binned_sums.ts";
import { type KernelMoments, kernelMoments } from "../numerics/kernel_moments.ts";
import { type Accumulator, type DataPool, type Estimator, matrixOps } from "./estimator.ts";
import {
  assertBandwidth,
  assertKernel,
  BANDWIDTH_RULES,
  type BandwidthRule,
  checkPoints,
  fitKde,
  kdeMeanNll,
  type KdeModel,
  type KdeOptions,
  resolveBandwidth,
  sampleKde,
} from "./kde.ts";

/**
 * The binned route of a bandwidth rule under Accumulate ({@linkcode KdeBinnedAccumulator}): the pool's sizes at
 * the first and the last fit, which bound the rule's bandwidths.
 */
export interface BinnedRoute {
  firstCount: number;
  lastCount: number;
}

/**
 * The Accumulate workflow's incremental KDE for a fixed bandwidth and a fixed
 * test set: each test point's running log-sum-exp takes in only the points
 * added since the last scored fit (O(new points x test)), so a fit costs O(test)
 * beyond them. Where the Gaussian kernel is wide against the test set, the
 * points near it go to carried Taylor moments instead (kernel_moments.ts:
 * O(new points x moments), each term within 2^-53 of its truncation bound),
 * the others to the running sums. The points are kept in a pool too, for
 * sampling.
 */
export class KdeAccumulator implements Accumulator<Matrix, KdeModel> {
  readonly #test: Matrix;
  readonly #bandwidth: number;
  readonly #kernel: Kernel;
  readonly #state: KernelSums;
  /** The Gaussian kernel's Taylor moments, where the bandwidth is wide enough against the test set. */
  readonly #moments: KernelMoments | undefined;
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
    this.#moments = kernel === "gaussian" ? kernelMoments(test, options.bandwidth) : undefined;
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
        // Where the moments' route exists, it takes the points within its radius and the others are summed.
        const exact = this.#moments ? this.#moments.add(set) : set;
        addKernelSums(this.#state, this.#test, { points: exact, bandwidth: this.#bandwidth, kernel: this.#kernel });
        this.#summed += rows;
      }
      this.#pending = [];
      let state = this.#state;
      if (this.#moments) {
        state = { max: this.#state.max.slice(), sum: this.#state.sum.slice() };
        this.#moments.addTo(state);
      }
      return logDensityFromSums(state, {
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
