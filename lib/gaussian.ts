/**
 * The multivariate Gaussian model family (paper section 1): fit by the sample
 * mean and the maximum-likelihood covariance (divide by N), sample exactly from
 * N(mean, covariance) even when the covariance is singular.
 *
 * @module
 */

import { columnMeans, type Matrix, matrix, matrixOps, pivotedCholesky, type PsdFactor, scatterMatrix } from "./matrix.ts";
import type { Rng } from "./rng.ts";
import type { Accumulator, Estimator } from "./workflows.ts";

/** A fitted Gaussian. */
export interface GaussianModel {
  readonly dim: number;
  readonly mean: Float64Array;
  /** Row-major dim x dim maximum-likelihood covariance. */
  readonly covariance: Float64Array;
}

/** Fits the sample mean and the maximum-likelihood (biased) covariance. */
export function fitGaussian(x: Matrix): GaussianModel {
  if (x.rows < 1) throw new RangeError("fitGaussian needs at least one data point");
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

/**
 * Draws `count` points from N(mean, covariance) as mean + B z with
 * covariance = B B^T from a pivoted Cholesky factor of the covariance's rank:
 * exact (up to rounding) for singular covariances, never NaN.
 */
export function sampleGaussian(model: GaussianModel, count: number, rng: Rng): Matrix {
  const { dim, mean } = model;
  const { rank, factor, nonZeros } = factorOf(model);
  const out = matrix(count, dim);
  const data = out.data;
  // Four samples at a time share each load of the factor.
  const z = new Float64Array(4 * rank);
  for (let r = 0; r < count; r += 4) {
    const block = Math.min(4, count - r);
    rng.fillNormal(block === 4 ? z : z.subarray(0, block * rank));
    const z1 = rank, z2 = 2 * rank, z3 = 3 * rank;
    for (let i = 0; i < dim; i++) {
      const row = i * rank;
      const end = nonZeros[i];
      let s0 = mean[i], s1 = s0, s2 = s0, s3 = s0;
      for (let m = 0; m < end; m++) {
        const b = factor[row + m];
        s0 += b * z[m];
        s1 += b * z[z1 + m];
        s2 += b * z[z2 + m];
        s3 += b * z[z3 + m];
      }
      data[r * dim + i] = s0;
      if (block > 1) data[(r + 1) * dim + i] = s1;
      if (block > 2) data[(r + 2) * dim + i] = s2;
      if (block > 3) data[(r + 3) * dim + i] = s3;
    }
  }
  return out;
}

/** log det of a fitted covariance: -Infinity when it is singular. */
export function logDeterminant(model: GaussianModel): number {
  return factorOf(model).logDeterminant;
}

/**
 * Running count, mean and scatter matrix, merged batch by batch with Chan et
 * al.'s pairwise update: Accumulate costs O(n d^2) per iteration however large
 * the pool has grown.
 */
export class GaussianAccumulator implements Accumulator<Matrix, GaussianModel> {
  #count = 0;
  #mean: Float64Array | undefined;
  #scatter: Float64Array | undefined;

  /** Points added so far. */
  get count(): number {
    return this.#count;
  }

  add(x: Matrix): void {
    if (x.rows === 0) return;
    const batchMean = columnMeans(x);
    const batchScatter = scatterMatrix(x, batchMean);
    if (!this.#mean || !this.#scatter) {
      this.#count = x.rows;
      this.#mean = batchMean;
      this.#scatter = batchScatter;
      return;
    }
    const d = x.cols;
    const na = this.#count, nb = x.rows, total = na + nb;
    const delta = new Float64Array(d);
    for (let j = 0; j < d; j++) delta[j] = batchMean[j] - this.#mean[j];
    const weight = (na * nb) / total;
    const s = this.#scatter;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) s[i * d + j] += batchScatter[i * d + j] + weight * delta[i] * delta[j];
    }
    for (let j = 0; j < d; j++) this.#mean[j] += (delta[j] * nb) / total;
    this.#count = total;
  }

  fit(): GaussianModel {
    if (!this.#mean || !this.#scatter) throw new RangeError("GaussianAccumulator has no data yet");
    const covariance = this.#scatter.map((v) => v / this.#count);
    return { dim: this.#mean.length, mean: this.#mean.slice(), covariance };
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
export function gaussianEstimator(truth: GaussianTruth): Estimator<Matrix, GaussianModel> {
  const { dim } = truth;
  const sigmaSquared = truth.sigmaSquared ?? 1;
  return {
    ops: matrixOps,
    fit: fitGaussian,
    sample: sampleGaussian,
    accumulator: () => new GaussianAccumulator(),
    evaluate(model: GaussianModel): Record<string, number> {
      let squaredError = 0;
      let trace = 0;
      for (let i = 0; i < dim; i++) {
        squaredError += model.mean[i] ** 2;
        trace += model.covariance[i * dim + i];
      }
      const logDeterminantRatio = logDeterminant(model) - dim * Math.log(sigmaSquared);
      return {
        squaredErrorOfMean: squaredError,
        determinantRatio: Math.exp(logDeterminantRatio),
        logDeterminantRatio,
        traceRatio: trace / (dim * sigmaSquared),
      };
    },
  };
}
