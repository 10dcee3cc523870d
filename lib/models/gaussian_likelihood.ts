/**
 * The Gaussian scored by its likelihood on held-out points: the estimator of
 * the real-versus-synthetic study, where the truth is only known through test
 * data.
 *
 * @module
 */

import { cholesky } from "../numerics/linalg.ts";
import type { Matrix } from "../numerics/matrix.ts";
import { type Estimator, matrixOps } from "./estimator.ts";
import { fitGaussian, type GaussianModel, sampleGaussian } from "./gaussian.ts";

/**
 * Mean negative log-likelihood (nats per point) of the rows of `test` under a
 * fitted Gaussian; +Infinity when the covariance is singular (a pivot at or
 * below 1e-12 of the largest diagonal).
 */
export function gaussianMeanNll(model: GaussianModel, test: Matrix): number {
  const d = model.dim;
  if (test.cols !== d) throw new RangeError(`test must have ${d} columns, got ${test.cols}`);
  const l = cholesky(model.covariance, d, { relativeTolerance: 1e-12 });
  if (!l) return Infinity;
  let logDet = 0;
  for (let i = 0; i < d; i++) logDet += 2 * Math.log(l[i * d + i]);
  const z = new Float64Array(d);
  let quadratic = 0;
  for (let r = 0; r < test.rows; r++) {
    // Solve L z = x - mean.
    for (let i = 0; i < d; i++) {
      let v = test.data[r * d + i] - model.mean[i];
      for (let k = 0; k < i; k++) v -= l[i * d + k] * z[k];
      z[i] = v / l[i * d + i];
      quadratic += z[i] * z[i];
    }
  }
  return 0.5 * (d * Math.log(2 * Math.PI) + logDet + quadratic / test.rows);
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
