/**
 * The squared maximum mean discrepancy between Gaussian mixtures, in closed
 * form, for the Gaussian kernel k(x, y) = exp(-|x - y|^2 / (2 l^2)).
 *
 * W2 between mixtures has no closed form, but the kernel is l^d (2 pi)^(d/2)
 * times the N(0, l^2 I) density of x - y, and for X ~ N(a, A), Y ~ N(b, B)
 * independent, X - Y ~ N(a - b, A + B); so
 *
 *   E k(X, Y) = l^d det(S)^(-1/2) exp(-(a - b)^T S^(-1) (a - b) / 2),  S = A + B + l^2 I,
 *
 * and for mixtures P = sum_i p_i N(a_i, A_i), Q = sum_j q_j N(b_j, B_j),
 * MMD^2(P, Q) = E k(X, X') - 2 E k(X, Y) + E k(Y, Y') is a finite sum of such
 * terms, exact to rounding (A = 0 gives a point mass: the formula still holds).
 * Against a sample of Q instead of Q itself, the last term is the U-statistic
 * over distinct pairs of the sample, which makes the estimate unbiased for
 * MMD^2(P, Q) when the sample is i.i.d. from Q and P does not depend on it (a
 * stratified sample, as make_blobs draws, or evenly spaced points, as
 * make_moons and make_circles place, bias it by O(1 / sample size)).
 *
 * @module
 */

import { cholesky } from "../numerics/linalg.ts";
import type { Matrix } from "../numerics/matrix.ts";
import type { GaussianModel } from "./gaussian.ts";
import type { Mixture } from "./gmm.ts";

function checkBandwidth(bandwidth: number): void {
  if (typeof bandwidth !== "number" || !(bandwidth > 0) || !Number.isFinite(bandwidth)) {
    throw new RangeError(`mmdBandwidth must be a finite number > 0, got ${JSON.stringify(bandwidth)}`);
  }
}

/** The lower Cholesky factor of cov + l^2 I (positive definite for l > 0 and cov PSD). */
function shiftedFactor(covariance: Float64Array, options: { dim: number; shift: number }): Float64Array {
  const { dim: d, shift } = options;
  const s = Float64Array.from(covariance);
  for (let j = 0; j < d; j++) s[j * d + j] += shift;
  const l = cholesky(s, d);
  if (!l) throw new RangeError("a covariance plus l^2 I is not positive definite: a covariance is not PSD");
  return l;
}

/**
 * log E k(X, Y) given the factor L of S and delta = a - b: d log l - log det L
 * - |L^-1 delta|^2 / 2. `scratch` (length d) holds L^-1 delta: the sample
 * version calls this once per point, where allocating would dominate.
 */
function logKernelMean(
  l: Float64Array,
  options: { delta: Float64Array; logBandwidth: number; scratch: Float64Array },
): number {
  const { delta, logBandwidth, scratch: z } = options;
  const d = delta.length;
  let logDet = 0, quadratic = 0;
  for (let i = 0; i < d; i++) {
    let v = delta[i];
    for (let m = 0; m < i; m++) v -= l[i * d + m] * z[m];
    z[i] = v / l[i * d + i];
    quadratic += z[i] * z[i];
    logDet += Math.log(l[i * d + i]);
  }
  return d * logBandwidth - logDet - quadratic / 2;
}

/** E k(X, Y) for independent X ~ `a` and Y ~ `b` (Gaussians of one dimension). */
export function gaussianKernelMean(a: GaussianModel, b: GaussianModel, bandwidth: number): number {
  checkBandwidth(bandwidth);
  const d = a.dim;
  if (b.dim !== d) throw new RangeError(`the Gaussians have dimensions ${d} and ${b.dim}`);
  const sum = new Float64Array(d * d);
  for (let m = 0; m < d * d; m++) sum[m] = a.covariance[m] + b.covariance[m];
  const l = shiftedFactor(sum, { dim: d, shift: bandwidth * bandwidth });
  const delta = a.mean.map((v, j) => v - b.mean[j]);
  return Math.exp(logKernelMean(l, { delta, logBandwidth: Math.log(bandwidth), scratch: new Float64Array(d) }));
}

/** E k(X, Y) for independent X ~ P and Y ~ Q: sum_ij p_i q_j E k(X_i, Y_j). */
export function mixtureKernelMean(p: Mixture, q: Mixture, bandwidth: number): number {
  let total = 0;
  p.components.forEach((a, i) => {
    if (p.weights[i] === 0) return;
    q.components.forEach((b, j) => {
      if (q.weights[j] !== 0) total += p.weights[i] * q.weights[j] * gaussianKernelMean(a, b, bandwidth);
    });
  });
  return total;
}

/** MMD^2(P, Q) exactly, for the Gaussian kernel of bandwidth `options.bandwidth`. */
export function gmmMmd2(p: Mixture, q: Mixture, options: { bandwidth: number }): number {
  const { bandwidth } = options;
  checkBandwidth(bandwidth);
  return mixtureKernelMean(p, p, bandwidth) - 2 * mixtureKernelMean(p, q, bandwidth) +
    mixtureKernelMean(q, q, bandwidth);
}

/** A sample prepared as the reference of {@linkcode gmmMmd2ToSample}: its points and its U-statistic self term. */
export interface MmdSample {
  readonly points: Matrix;
  readonly bandwidth: number;
  /** The mean of k(y_j, y_j') over ordered pairs j != j'. */
  readonly selfTerm: number;
}

/** Prepares `points` (at least 2) for {@linkcode gmmMmd2ToSample}: the O(m^2) self term, once. */
export function mmdSample(points: Matrix, options: { bandwidth: number }): MmdSample {
  const { bandwidth } = options;
  checkBandwidth(bandwidth);
  const { rows: m, cols: d, data } = points;
  if (m < 2) throw new RangeError(`an MMD sample needs at least 2 points, got ${m}`);
  const scale = -1 / (2 * bandwidth * bandwidth);
  let sum = 0;
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      let squared = 0;
      for (let c = 0; c < d; c++) squared += (data[i * d + c] - data[j * d + c]) ** 2;
      sum += Math.exp(scale * squared);
    }
  }
  return { points, bandwidth, selfTerm: (2 * sum) / (m * (m - 1)) };
}

/**
 * MMD^2 between the mixture P and the distribution Q the sample's points were
 * drawn from (i.i.d.), estimated without bias: the P-P term exact, the cross
 * term averaged over the points exactly in P, the Q-Q term the U-statistic.
 */
export function gmmMmd2ToSample(p: Mixture, sample: MmdSample): number {
  const { points, bandwidth } = sample;
  const { rows: m, cols: d, data } = points;
  const logBandwidth = Math.log(bandwidth);
  let cross = 0;
  p.components.forEach((a, i) => {
    if (p.weights[i] === 0) return;
    if (a.dim !== d) throw new RangeError(`the mixture has dimension ${a.dim}, the sample ${d}`);
    const l = shiftedFactor(a.covariance, { dim: d, shift: bandwidth * bandwidth });
    const delta = new Float64Array(d);
    const kernelOptions = { delta, logBandwidth, scratch: new Float64Array(d) };
    let sum = 0;
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < d; c++) delta[c] = a.mean[c] - data[r * d + c];
      sum += Math.exp(logKernelMean(l, kernelOptions));
    }
    cross += p.weights[i] * sum / m;
  });
  return mixtureKernelMean(p, p, bandwidth) - 2 * cross + sample.selfTerm;
}
