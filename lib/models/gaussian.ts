/**
 * The multivariate Gaussian model family (paper section 1): fit by the sample
 * mean and the maximum-likelihood covariance (divide by N), sample exactly from
 * N(mean, covariance) even when the covariance is singular.
 *
 * @module
 */

import { pivotedCholesky, type PsdFactor } from "../numerics/linalg.ts";
import { nativeKernels } from "../numerics/native/mod.ts";
import { columnMeans, dotRows, type Matrix, matrix, scatterMatrix } from "../numerics/matrix.ts";
import type { Rng } from "../numerics/rng.ts";
import { Scratch } from "../numerics/scratch.ts";
import { type Accumulator, type DataOps, type DataPool, type Estimator, matrixOps } from "./estimator.ts";

/** A fitted Gaussian. */
export interface GaussianModel {
  readonly dim: number;
  readonly mean: Float64Array;
  /** Row-major dim x dim maximum-likelihood covariance. */
  readonly covariance: Float64Array;
}

/** Fits the sample mean and the maximum-likelihood (biased) covariance. */
export function fitGaussian(x: Matrix): GaussianModel {
  if (x.rows < 1) {
    throw new RangeError("fitGaussian needs at least one data point");
  }
  const mean = columnMeans(x);
  const covariance = scatterMatrix(x, mean);
  for (let i = 0; i < covariance.length; i++) covariance[i] /= x.rows;
  return { dim: x.cols, mean, covariance };
}

const factors = new WeakMap<GaussianModel, PsdFactor>();

function factorOf(model: GaussianModel): PsdFactor {
  let factor = factors.get(model);
  if (!factor) {
    factor = pivotedCholesky(model.covariance, model.dim);
    factors.set(model, factor);
  }
  return factor;
}

const normals = new Scratch();
const summaryScratch = { z: new Scratch(), a: new Scratch(), c: new Scratch() };

/**
 * Draws `count` points from N(mean, covariance) as mean + B z with
 * covariance = B B^T from a pivoted Cholesky factor of the covariance's rank:
 * exact (up to rounding) for singular covariances, never NaN.
 */
export function sampleGaussian(
  model: GaussianModel,
  count: number,
  rng: Rng,
): Matrix {
  const { dim, mean } = model;
  const psd = factorOf(model), { rank, pivotedFactor, permutation } = psd;
  // x_r = mean + B z_r for every row at once: the rows of Z dotted with the rows of B (d x rank).
  // z is a temporary of the product: a reused buffer (a fresh one of 1e5 values costs a calloc and page faults).
  const z = rng.fillNormal(normals.doubles(count * rank));
  const native = nativeKernels();
  let data: Float64Array;
  if (native) {
    // The factor's rows in pivot order are lower trapezoidal: half the products are zeros, skipped (the same bits);
    // the mean is added to each finished product there, as the loop below adds it.
    data = new Float64Array(count * dim);
    const options = { out: data, rows: count, columns: dim, depth: rank, permutation, offset: mean };
    native.dotRowsTrapezoid(z, pivotedFactor, options);
    return matrix(count, dim, data);
  }
  data = dotRows(z, psd.factor, { rows: count, columns: dim, depth: rank });
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < dim; i++) data[r * dim + i] += mean[i];
  }
  return matrix(count, dim, data);
}

/** log det of a fitted covariance: -Infinity when it is singular. */
export function logDeterminant(model: GaussianModel): number {
  return factorOf(model).logDeterminant;
}

/**
 * The sufficient statistics of a sample for a Gaussian fit: its size, mean and
 * scatter matrix sum (x - mean)(x - mean)^T.
 */
export interface GaussianSummary {
  readonly dim: number;
  readonly count: number;
  readonly mean: Float64Array;
  readonly scatter: Float64Array;
}

/** The sufficient statistics of the rows of `x`. */
export function summarize(x: Matrix): GaussianSummary {
  const mean = columnMeans(x);
  return { dim: x.cols, count: x.rows, mean, scatter: scatterMatrix(x, mean) };
}

/**
 * Merges two samples' statistics (Chan et al.'s pairwise update): the result
 * equals the statistics of the concatenated samples.
 */
export function mergeSummaries(
  a: GaussianSummary,
  b: GaussianSummary,
): GaussianSummary {
  if (a.count === 0) return b;
  if (b.count === 0) return a;
  const d = a.dim;
  const total = a.count + b.count;
  const weight = (a.count * b.count) / total;
  const delta = new Float64Array(d);
  for (let j = 0; j < d; j++) delta[j] = b.mean[j] - a.mean[j];
  const scatter = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      scatter[i * d + j] = a.scatter[i * d + j] + b.scatter[i * d + j] +
        weight * delta[i] * delta[j];
    }
  }
  const mean = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    mean[j] = a.mean[j] + (delta[j] * b.count) / total;
  }
  return { dim: d, count: total, mean, scatter };
}

/** The maximum-likelihood Gaussian of a sample's statistics. */
export function fitGaussianSummary(summary: GaussianSummary): GaussianModel {
  if (summary.count < 1) {
    throw new RangeError("fitGaussianSummary needs at least one data point");
  }
  return {
    dim: summary.dim,
    mean: summary.mean.slice(),
    covariance: divided(summary.scatter, summary.count),
  };
}

/** `values` divided by `count`, element by element (a typed array's map with a closure is several times slower). */
function divided(values: Float64Array, count: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = values[i] / count;
  return out;
}

/**
 * Draws the statistics of `count` points from N(mean, covariance) directly,
 * without the points: the sample mean is N(mean, covariance / count) and,
 * independently, the scatter is Wishart(covariance, count - 1). With
 * covariance = B B^T (B of the covariance's rank r) the scatter is B W B^T for
 * W ~ Wishart(I_r, k), drawn by Bartlett's decomposition W = A A^T when k >= r
 * (A lower triangular, A_ii^2 ~ chi^2(k - i), A_ij ~ N(0, 1) below the
 * diagonal) and as Z^T Z with Z (k x r) standard normal when k < r. This costs
 * O(d r^2) instead of the O(count d^2) of drawing and scanning the points, and
 * has exactly the same distribution.
 */
export function sampleGaussianSummary(
  model: GaussianModel,
  count: number,
  rng: Rng,
): GaussianSummary {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`count must be an integer >= 1, got ${count}`);
  }
  const { dim: d, mean } = model;
  const { rank: r, factor: b, nonZeros } = factorOf(model);
  // z, c, a, zt, columnsOfZ and cc are temporaries of the draw: reused buffers (zeroed where only some entries are
  // written). Two share a buffer only when the first is no longer read: zt and cc take a's (one route each, cc after
  // the product), columnsOfZ takes z's (z is read only for the sample mean, above).
  const z = rng.fillNormal(summaryScratch.z.doubles(r));
  const sampleMean = new Float64Array(d);
  const scale = 1 / Math.sqrt(count);
  for (let p = 0; p < d; p++) {
    let sum = 0;
    for (let m = 0; m < nonZeros[p]; m++) sum += b[p * r + m] * z[m];
    sampleMean[p] = mean[p] + scale * sum;
  }
  const k = count - 1;
  // C = B A (d x q) with scatter = C C^T.
  const q = Math.min(k, r);
  const c = summaryScratch.c.doubles(d * q).fill(0);
  // The same products in C where the native kernels are available (each entry summed in the same order).
  const native = d >= 8 ? nativeKernels() : undefined;
  if (q > 0 && k >= r) {
    const a = summaryScratch.a.doubles(r * r).fill(0);
    for (let i = 0; i < r; i++) {
      a[i * r + i] = Math.sqrt(rng.chiSquare(k - i));
      if (i > 0) rng.fillNormal(a.subarray(i * r, i * r + i)); // a[i][j] for j < i, drawn in order
    }
    if (native) native.gaussianProduct(b, { dim: d, rank: r, nonZeros, triangular: a, columns: q, out: c });
    else {
      for (let p = 0; p < d; p++) {
        const end = nonZeros[p];
        for (let j = 0; j < end; j++) {
          let sum = 0;
          for (let m = j; m < end; m++) sum += b[p * r + m] * a[m * r + j];
          c[p * q + j] = sum;
        }
      }
    }
  } else if (q > 0) {
    const zt = rng.fillNormal(summaryScratch.a.doubles(k * r));
    if (native) {
      const columnsOfZ = summaryScratch.z.doubles(r * k);
      for (let j = 0; j < k; j++) for (let m = 0; m < r; m++) columnsOfZ[m * k + j] = zt[j * r + m];
      native.gaussianProduct(b, { dim: d, rank: r, nonZeros, columnsOfZ, columns: k, out: c });
    } else {
      for (let p = 0; p < d; p++) {
        const end = nonZeros[p];
        for (let j = 0; j < k; j++) {
          let sum = 0;
          for (let m = 0; m < end; m++) sum += b[p * r + m] * zt[j * r + m];
          c[p * q + j] = sum;
        }
      }
    }
  }
  const scatter = new Float64Array(d * d);
  if (native && q > 0) {
    const cc = summaryScratch.a.doubles(q * d);
    for (let i = 0; i < d; i++) for (let m = 0; m < q; m++) cc[m * d + i] = c[i * q + m];
    native.gaussianGram(c, cc, { dim: d, depth: q, out: scatter });
    return { dim: d, count, mean: sampleMean, scatter };
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let sum = 0;
      for (let m = 0; m < q; m++) sum += c[i * q + m] * c[j * q + m];
      scatter[i * d + j] = sum;
      scatter[j * d + i] = sum;
    }
  }
  return { dim: d, count, mean: sampleMean, scatter };
}

/** A pool of statistics: appending merges, so the pool never stores points. */
class SummaryPool implements DataPool<GaussianSummary> {
  #merged: GaussianSummary | undefined;
  get size(): number {
    return this.#merged?.count ?? 0;
  }
  append(summary: GaussianSummary): void {
    this.#merged = this.#merged ? mergeSummaries(this.#merged, summary) : summary;
  }
  select(): GaussianSummary {
    throw new RangeError(
      'a pool of sufficient statistics cannot be subsampled: Accumulate-Subsample needs sampling "points"',
    );
  }
  all(): GaussianSummary {
    if (!this.#merged) throw new RangeError("the pool is empty");
    return this.#merged;
  }
}

/**
 * Running count, mean and scatter matrix, merged batch by batch with Chan et
 * al.'s pairwise update: Accumulate costs O(n d^2) per iteration however large
 * the pool has grown.
 */
export class GaussianAccumulator implements Accumulator<Matrix, GaussianModel> {
  #summary: GaussianSummary | undefined;

  /** Points added so far. */
  get count(): number {
    return this.#summary?.count ?? 0;
  }

  add(x: Matrix): void {
    if (x.rows === 0) return;
    const batch = summarize(x);
    this.#summary = this.#summary ? mergeSummaries(this.#summary, batch) : batch;
  }

  fit(): GaussianModel {
    if (!this.#summary) {
      throw new RangeError("GaussianAccumulator has no data yet");
    }
    return fitGaussianSummary(this.#summary);
  }
}

/** Options of {@linkcode gaussianEstimator}: the true distribution N(0, sigma^2 I). */
export interface GaussianTruth {
  dim: number;
  sigmaSquared?: number;
}

/**
 * The Gaussian estimator of the paper's experiment, scored against the truth
 * N(0, sigma^2 I): squared error of the mean, and the determinant and trace of
 * the fitted covariance relative to the true one's.
 */
export function gaussianEstimator(
  truth: GaussianTruth,
): Estimator<Matrix, GaussianModel> {
  return {
    ops: matrixOps,
    fit: fitGaussian,
    sample: sampleGaussian,
    accumulator: () => new GaussianAccumulator(),
    evaluate: gaussianMetrics(truth),
  };
}

/** Data operations for sufficient statistics: a statistic counts its points. */
export const summaryOps: DataOps<GaussianSummary> = {
  size: (summary: GaussianSummary): number => summary.count,
  pool: (): DataPool<GaussianSummary> => new SummaryPool(),
};

/**
 * The same estimator on sufficient statistics: it samples the statistics of n
 * points directly ({@linkcode sampleGaussianSummary}), which is exact in
 * distribution and much faster when n > d. It serves Replace and Accumulate;
 * Accumulate-Subsample needs the points themselves.
 */
export function gaussianSummaryEstimator(
  truth: GaussianTruth,
): Estimator<GaussianSummary, GaussianModel> {
  return {
    ops: summaryOps,
    fit: fitGaussianSummary,
    sample: sampleGaussianSummary,
    evaluate: gaussianMetrics(truth),
  };
}

function gaussianMetrics(
  truth: GaussianTruth,
): (model: GaussianModel) => Record<string, number> {
  const { dim } = truth;
  const sigmaSquared = truth.sigmaSquared ?? 1;
  return (model: GaussianModel): Record<string, number> => {
    let squaredError = 0;
    let trace = 0;
    for (let i = 0; i < dim; i++) {
      squaredError += model.mean[i] ** 2;
      trace += model.covariance[i * dim + i];
    }
    const logDeterminantRatio = logDeterminant(model) -
      dim * Math.log(sigmaSquared);
    return {
      squaredErrorOfMean: squaredError,
      determinantRatio: Math.exp(logDeterminantRatio),
      logDeterminantRatio,
      traceRatio: trace / (dim * sigmaSquared),
    };
  };
}
