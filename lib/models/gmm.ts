/**
 * Gaussian mixture models (beyond the paper; the family of Shumailov et al.,
 * "The curse of recursion", section 4): k components with full covariances
 * in d dimensions, fitted by expectation-maximization from a k-means start
 * (kmeans.ts: the best of 5 greedy k-means++ seedings refined by Lloyd's
 * iterations, then one M-step on the hard assignment), sampled by picking a
 * component by weight and drawing from its Gaussian.
 *
 * - E-step in log space: log r_ik = log w_k + log N(x_i; mu_k, Sigma_k) -
 *   logsumexp_k(...), so points far from every component keep finite
 *   responsibilities and a finite log-likelihood (no underflow to 0/0).
 * - M-step: w_k = N_k / n, mu_k = sum_i r_ik x_i / N_k, Sigma_k = the
 *   responsibility-weighted scatter / N_k plus a variance floor on the
 *   diagonal (scikit-learn's `reg_covar`), so that a component on one point
 *   (or on points that Replace has shrunk together) stays positive definite.
 * - A component whose responsibility mass N_k is exactly 0 is dead: weight 0,
 *   its last mean and covariance kept, never sampled; EM cannot revive it
 *   (log 0 = -Infinity in every later E-step).
 * - Stopping: at most `maxIterations` EM steps, or when the mean
 *   log-likelihood per point changes by less than `tolerance` (its absolute
 *   value: the floor makes EM not exactly monotone).
 *
 * Randomness of the fit (the k-means++ start): the estimator takes a `seed`,
 * and each fit draws its start from the stream keyed by that seed and a hash
 * of the training points' bytes. A fit is then a pure function of (seed,
 * data): reproducible whatever the order or number of fits (replays,
 * workers), and workflows that fit the same real data (iteration 1) start EM
 * identically, while the workflow's own stream (its samples and subsamples)
 * is not touched by the fits.
 *
 * The Gaussian pieces are lib/models/gaussian.ts (sampling, through its
 * pivoted Cholesky) and gaussian_likelihood.ts (log-densities, through the
 * plain Cholesky of lib/numerics/linalg.ts).
 *
 * @module
 */

import { fnv1a32Words } from "../numerics/hash.ts";
import { type Matrix, matrix, scatterMatrix } from "../numerics/matrix.ts";
import { assertSeed, Rng } from "../numerics/rng.ts";
import { type Estimator, matrixOps } from "./estimator.ts";
import { kMeansStart } from "./kmeans.ts";
import { type GaussianModel, sampleGaussian } from "./gaussian.ts";
import { gaussianLogDensity } from "./gaussian_likelihood.ts";

/** A mixture of Gaussians: weights (summing to 1) and components. */
export interface Mixture {
  readonly weights: Float64Array;
  readonly components: readonly GaussianModel[];
}

/** A fitted Gaussian mixture and how its EM run ended. */
export interface GmmModel extends Mixture {
  readonly dim: number;
  /** Mean log-likelihood per training point at the returned parameters. */
  readonly logLikelihood: number;
  /** EM steps taken (M-steps after the k-means++ start). */
  readonly emIterations: number;
  /** Whether the tolerance was met before the iteration cap. */
  readonly converged: boolean;
}

/** Options of {@linkcode fitGmm} and {@linkcode gmmEstimator}. */
export interface GmmOptions {
  /** k, the number of components: an integer >= 1. */
  components: number;
  /** Seed of every fit's k-means++ start (see the module's documentation). */
  seed: number;
  /** Added to every fitted covariance's diagonal; > 0. Default 1e-6 (scikit-learn's `reg_covar`). */
  varianceFloor?: number;
  /** EM steps at most; an integer >= 1. Default 100 (scikit-learn's `max_iter`). */
  maxIterations?: number;
  /** Stop when the mean log-likelihood per point changes by less than this; >= 0. Default 1e-3 (scikit-learn's `tol`). */
  tolerance?: number;
}

/** The defaults of {@linkcode GmmOptions}. */
export const GMM_DEFAULTS = { varianceFloor: 1e-6, maxIterations: 100, tolerance: 1e-3 } as const;

/** Checks the options, naming the first bad field; returns them complete. */
export function gmmOptions(options: GmmOptions): Required<GmmOptions> {
  const { components } = options;
  if (!Number.isSafeInteger(components) || components < 1) {
    throw new RangeError(`components must be an integer >= 1, got ${JSON.stringify(components)}`);
  }
  assertSeed(options.seed);
  const varianceFloor = options.varianceFloor ?? GMM_DEFAULTS.varianceFloor;
  if (typeof varianceFloor !== "number" || !(varianceFloor > 0) || !Number.isFinite(varianceFloor)) {
    throw new RangeError(`varianceFloor must be a finite number > 0, got ${JSON.stringify(varianceFloor)}`);
  }
  const maxIterations = options.maxIterations ?? GMM_DEFAULTS.maxIterations;
  if (!Number.isSafeInteger(maxIterations) || maxIterations < 1) {
    throw new RangeError(`maxIterations must be an integer >= 1, got ${JSON.stringify(maxIterations)}`);
  }
  const tolerance = options.tolerance ?? GMM_DEFAULTS.tolerance;
  if (typeof tolerance !== "number" || !(tolerance >= 0) || !Number.isFinite(tolerance)) {
    throw new RangeError(`tolerance must be a finite number >= 0, got ${JSON.stringify(tolerance)}`);
  }
  return { components, seed: options.seed, varianceFloor, maxIterations, tolerance };
}

/** Per point and component, log w_k + log N(x_i; mu_k, Sigma_k) (row-major n x k). */
function jointLogDensities(mixture: Mixture, x: Matrix): Float64Array {
  const k = mixture.weights.length, n = x.rows;
  const out = new Float64Array(n * k);
  for (let c = 0; c < k; c++) {
    const logWeight = Math.log(mixture.weights[c]);
    const logDensity = logWeight === -Infinity ? undefined : gaussianLogDensity(mixture.components[c], x);
    for (let i = 0; i < n; i++) out[i * k + c] = logDensity ? logWeight + logDensity[i] : -Infinity;
  }
  return out;
}

/** log sum_c exp(values[offset + c]) over `k` entries, shifted by their maximum. */
function logSumExp(values: Float64Array, offset: number, k: number): number {
  let max = -Infinity;
  for (let c = 0; c < k; c++) max = Math.max(max, values[offset + c]);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let c = 0; c < k; c++) sum += Math.exp(values[offset + c] - max);
  return max + Math.log(sum);
}

/** The log-density of the mixture at each row of `x`. */
export function gmmLogDensity(mixture: Mixture, x: Matrix): Float64Array {
  const k = mixture.weights.length;
  const joint = jointLogDensities(mixture, x);
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) out[i] = logSumExp(joint, i * k, k);
  return out;
}

/** Mean of -log p over the rows of `test` (nats per point). */
export function gmmMeanNll(mixture: Mixture, test: Matrix): number {
  let total = 0;
  for (const v of gmmLogDensity(mixture, test)) total -= v;
  return total / test.rows;
}

/**
 * The E-step: responsibilities r_ik (row-major n x k, each row summing to 1)
 * and the total log-likelihood sum_i log p(x_i), both in log space.
 */
export function eStep(mixture: Mixture, x: Matrix): { responsibilities: Float64Array; logLikelihood: number } {
  const k = mixture.weights.length;
  const joint = jointLogDensities(mixture, x);
  let logLikelihood = 0;
  for (let i = 0; i < x.rows; i++) {
    const total = logSumExp(joint, i * k, k);
    logLikelihood += total;
    for (let c = 0; c < k; c++) joint[i * k + c] = Math.exp(joint[i * k + c] - total);
  }
  return { responsibilities: joint, logLikelihood };
}

/**
 * The M-step from responsibilities (n x k): weights, means and floored
 * covariances. A component with no responsibility mass keeps its parameters
 * from `previous` and gets weight 0.
 */
export function mStep(
  x: Matrix,
  options: { responsibilities: Float64Array; previous: readonly GaussianModel[]; varianceFloor: number },
): Mixture {
  const { rows: n, cols: d, data } = x;
  const { responsibilities: r, previous, varianceFloor } = options;
  const k = previous.length;
  const weights = new Float64Array(k);
  const components: GaussianModel[] = [];
  const column = new Float64Array(n);
  for (let c = 0; c < k; c++) {
    let mass = 0;
    for (let i = 0; i < n; i++) mass += column[i] = r[i * k + c];
    if (!(mass > 0)) {
      components.push(previous[c]);
      continue;
    }
    weights[c] = mass / n;
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += column[i] * data[i * d + j];
    for (let j = 0; j < d; j++) mean[j] /= mass;
    const covariance = scatterMatrix(x, mean, { weights: column });
    for (let m = 0; m < d * d; m++) covariance[m] /= mass;
    for (let j = 0; j < d; j++) covariance[j * d + j] += varianceFloor;
    components.push({ dim: d, mean, covariance });
  }
  // Rounding can leave the weights a few ulps off 1; sampling and densities want them exact.
  let total = 0;
  for (const w of weights) total += w;
  for (let c = 0; c < k; c++) weights[c] /= total;
  return { weights, components };
}

/** The start: the best of several greedy k-means++ seedings refined by Lloyd's k-means; hard assignment; one M-step. */
function initialMixture(x: Matrix, options: Required<GmmOptions>): Mixture {
  const { rows: n, cols: d, data } = x;
  const k = options.components;
  const rng = new Rng(
    options.seed,
    "gmm-init",
    fnv1a32Words(new Uint32Array(data.buffer, data.byteOffset, 2 * data.length)),
  );
  const { centres, labels } = kMeansStart(x, { components: k, rng });
  const responsibilities = new Float64Array(n * k);
  for (let i = 0; i < n; i++) responsibilities[i * k + labels[i]] = 1;
  // An empty cluster (duplicate centres) starts dead, at its centre with the data's covariance.
  const all = new Float64Array(n).fill(1 / n);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j] / n;
  const covariance = scatterMatrix(x, mean, { weights: all });
  for (let j = 0; j < d; j++) covariance[j * d + j] += options.varianceFloor;
  const previous = Array.from({ length: k }, (_, c) => ({
    dim: d,
    mean: centres.slice(c * d, (c + 1) * d),
    covariance,
  }));
  return mStep(x, { responsibilities, previous, varianceFloor: options.varianceFloor });
}

/** Fits a k-component mixture to the rows of `x` by EM from a seeded k-means++ start (at least k points). */
export function fitGmm(x: Matrix, options: GmmOptions): GmmModel {
  const o = gmmOptions(options);
  if (x.rows < o.components) {
    throw new RangeError(`a ${o.components}-component mixture needs at least ${o.components} points, got ${x.rows}`);
  }
  let mixture = initialMixture(x, o);
  let { responsibilities, logLikelihood } = eStep(mixture, x);
  let iterations = 0, converged = false;
  while (iterations < o.maxIterations) {
    const next = mStep(x, { responsibilities, previous: mixture.components, varianceFloor: o.varianceFloor });
    const e = eStep(next, x);
    iterations++;
    const change = (e.logLikelihood - logLikelihood) / x.rows;
    mixture = next;
    ({ responsibilities, logLikelihood } = e);
    if (Math.abs(change) < o.tolerance) {
      converged = true;
      break;
    }
  }
  return { ...mixture, dim: x.cols, logLikelihood: logLikelihood / x.rows, emIterations: iterations, converged };
}

/**
 * Draws `count` points: each row's component is drawn by weight (rows stay
 * exchangeable), then each component's rows are drawn from its Gaussian.
 */
export function sampleMixture(mixture: Mixture, count: number, rng: Rng): Matrix {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be an integer >= 0, got ${count}`);
  const { weights, components } = mixture;
  const k = weights.length, d = components[0].dim;
  const cumulative = new Float64Array(k);
  let last = 0;
  for (let c = 0, sum = 0; c < k; c++) {
    cumulative[c] = sum += weights[c];
    if (weights[c] > 0) last = c;
  }
  const labels = new Int32Array(count);
  const counts = new Int32Array(k);
  for (let r = 0; r < count; r++) {
    const u = rng.random() * cumulative[k - 1];
    let c = 0;
    while (c < last && !(u < cumulative[c])) c++;
    labels[r] = c;
    counts[c]++;
  }
  const blocks = components.map((component, c) =>
    counts[c] > 0 ? sampleGaussian(component, counts[c], rng) : undefined
  );
  const out = matrix(count, d);
  const next = new Int32Array(k);
  for (let r = 0; r < count; r++) {
    const c = labels[r], i = next[c]++;
    out.data.set(blocks[c]!.data.subarray(i * d, (i + 1) * d), r * d);
  }
  return out;
}

/** Components with weight above 1/(10k): the ones still alive in a meaningful sense. */
export function liveComponents(weights: Float64Array): number {
  const threshold = 1 / (10 * weights.length);
  let live = 0;
  for (const w of weights) if (w > threshold) live++;
  return live;
}

/**
 * The GMM estimator: fit = {@linkcode fitGmm}, sample = {@linkcode sampleMixture},
 * evaluate = `testNll` on the real held-out points `test`, the smallest
 * weight `minWeight`, `liveComponents` (weight > 1/(10k)) and the EM run's
 * `emIterations`, plus whatever `extraMetrics` computes (e.g. MMD² to the truth).
 */
export function gmmEstimator(
  test: Matrix,
  options: GmmOptions & { extraMetrics?: (model: GmmModel) => Record<string, number> },
): Estimator<Matrix, GmmModel> {
  const fitOptions = gmmOptions(options);
  if (test.rows < 1) throw new RangeError("test data must hold at least one point");
  return {
    ops: matrixOps,
    fit: (x: Matrix): GmmModel => fitGmm(x, fitOptions),
    sample: sampleMixture,
    evaluate: (model: GmmModel): Record<string, number> => ({
      testNll: gmmMeanNll(model, test),
      minWeight: Math.min(...model.weights),
      liveComponents: liveComponents(model.weights),
      emIterations: model.emIterations,
      ...options.extraMetrics?.(model),
    }),
  };
}
