/**
 * Linear regression on fresh inputs: data are rows [x | y] with x ~ N(0, I_d)
 * drawn anew for every row and y = x^T w + sigma eps; the fit is minimum-norm
 * least squares and a sample draws fresh inputs and labels them with the fit
 * plus noise. The real-versus-synthetic study uses it, where the synthetic set
 * outnumbers the real rows (unlike the workflows' fixed design).
 *
 * @module
 */

import { leastSquares } from "../numerics/least_squares.ts";
import { type Matrix, matrix } from "../numerics/matrix.ts";
import type { Rng } from "../numerics/rng.ts";
import { type Estimator, matrixOps } from "./estimator.ts";
import { designGram, type LinearModel, quadraticForm } from "./linear_regression.ts";

/** Rows [x | x^T w + sigma eps] for `count` fresh inputs x ~ N(0, I_d). */
export function regressionRows(
  count: number,
  options: { weights: Float64Array; sigmaSquared: number; rng: Rng },
): Matrix {
  const { weights, sigmaSquared, rng } = options;
  const d = weights.length;
  const sigma = Math.sqrt(sigmaSquared);
  const out = matrix(count, d + 1);
  for (let r = 0; r < count; r++) {
    let y = 0;
    for (let j = 0; j < d; j++) {
      const v = rng.normal();
      out.data[r * (d + 1) + j] = v;
      y += v * weights[j];
    }
    out.data[r * (d + 1) + d] = y + sigma * rng.normal();
  }
  return out;
}

/** The estimator on rows, scored by the test MSE on noiseless labels of `testDesign` (`testMse`). */
export function regressionRowsEstimator(
  setting: { trueWeights: Float64Array; sigmaSquared: number; testDesign: Matrix },
): Estimator<Matrix, LinearModel> {
  const { trueWeights, sigmaSquared, testDesign } = setting;
  const d = trueWeights.length;
  const testGram = designGram(testDesign);
  for (let i = 0; i < testGram.length; i++) testGram[i] /= testDesign.rows;
  return {
    ops: matrixOps,
    fit: (data: Matrix): LinearModel => ({ weights: leastSquares(data) }),
    sample: (model: LinearModel, count: number, rng: Rng): Matrix =>
      regressionRows(count, { weights: model.weights, sigmaSquared, rng }),
    evaluate: (model: LinearModel): Record<string, number> => {
      const e = new Float64Array(d);
      for (let j = 0; j < d; j++) e[j] = model.weights[j] - trueWeights[j];
      return { testMse: quadraticForm(testGram, e) };
    },
  };
}
