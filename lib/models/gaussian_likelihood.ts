/**
 * The Gaussian scored by its likelihood on held-out points: the estimator of
 * the real-versus-synthetic study, where the truth is only known through test
 * data.
 *
 * @module
 */

import { cholesky } from "../numerics/linalg.ts";
import type { Matrix } from "../numerics/matrix.ts";
import { nativeKernels } from "../numerics/native/mod.ts";
import { type Estimator, matrixOps } from "./estimator.ts";
import { fitGaussian, type GaussianModel, sampleGaussian } from "./gaussian.ts";

/** Rows from which the log-densities are computed in C (the same bits): below, a call costs more than the loop. */
const NATIVE_ROWS = 64;

/**
 * The log-density of a fitted Gaussian at each row of `x`; every entry is
 * -Infinity when the covariance is singular (a pivot at or below 1e-12 of the
 * largest diagonal).
 */
export function gaussianLogDensity(
  model: GaussianModel,
  x: Matrix,
  options: { typescript?: boolean } = {},
): Float64Array {
  const d = model.dim;
  if (x.cols !== d) throw new RangeError(`points must have ${d} columns, got ${x.cols}`);
  const out = new Float64Array(x.rows);
  const l = cholesky(model.covariance, d, { relativeTolerance: 1e-12 });
  if (!l) return out.fill(-Infinity);
  let logDet = 0;
  for (let i = 0; i < d; i++) logDet += 2 * Math.log(l[i * d + i]);
  const base = d * Math.log(2 * Math.PI) + logDet;
  // The same operations in C, where the native kernels are available and the rows many enough to pay for a call.
  const native = !options.typescript && x.rows >= NATIVE_ROWS && d <= 64 ? nativeKernels() : undefined;
  if (native) {
    native.gaussianLogDensity(x.data, { dim: d, mean: model.mean, factor: l, base, out });
    return out;
  }
  const z = new Float64Array(d);
  for (let r = 0; r < x.rows; r++) {
    // Solve L z = x - mean.
    let quadratic = 0;
    for (let i = 0; i < d; i++) {
      let v = x.data[r * d + i] - model.mean[i];
      for (let k = 0; k < i; k++) v -= l[i * d + k] * z[k];
      z[i] = v / l[i * d + i];
      quadratic += z[i] * z[i];
    }
    out[r] = -0.5 * (base + quadratic);
  }
  return out;
}

/**
 * Mean negative log-likelihood (nats per point) of the rows of `test` under a
 * fitted Gaussian; +Infinity when the covariance is singular.
 */
export function gaussianMeanNll(model: GaussianModel, test: Matrix): number {
  if (test.cols !== model.dim) throw new RangeError(`test must have ${model.dim} columns, got ${test.cols}`);
  const logDensity = gaussianLogDensity(model, test);
  let sum = 0;
  for (const v of logDensity) sum += v;
  return -sum / test.rows;
}

/** The Gaussian estimator scored by the mean negative log-likelihood of `test` (`testNll`). */
export function gaussianNllEstimator(test: Matrix): Estimator<Matrix, GaussianModel> {
  return {
    ops: matrixOps,
    fit: fitGaussian,
    sample: sampleGaussian,
    evaluate: (model: GaussianModel): Record<string, number> => ({ testNll: gaussianMeanNll(model, test) }),
  };
}
