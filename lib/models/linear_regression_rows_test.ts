import assert from "node:assert/strict";
import { Rng } from "../numerics/rng.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
import { regressionRows, regressionRowsEstimator } from "./linear_regression_rows.ts";

Deno.test("regression rows: y = x^T w exactly without noise, and the noise has variance sigma^2", () => {
  const weights = Float64Array.of(0.5, -2, 1);
  const clean = regressionRows(50, { weights, sigmaSquared: 0, rng: new Rng(1) });
  for (let r = 0; r < 50; r++) {
    const row = clean.data.subarray(4 * r, 4 * r + 4);
    assert(Math.abs(row[3] - (0.5 * row[0] - 2 * row[1] + row[2])) < 1e-12);
  }
  const noisy = regressionRows(4000, { weights, sigmaSquared: 4, rng: new Rng(2) });
  const residuals = Array.from({ length: 4000 }, (_, r) => {
    const row = noisy.data.subarray(4 * r, 4 * r + 4);
    return (row[3] - (0.5 * row[0] - 2 * row[1] + row[2])) ** 2;
  });
  // The mean squared residual estimates sigma^2 = 4, within 4 standard errors.
  const { mean, se } = meanAndStandardError(residuals);
  assert(Math.abs(mean - 4) < 4 * se, `${mean} (se ${se})`);
});

Deno.test("the rows estimator recovers the weights from noiseless rows: test MSE 0", async () => {
  const trueWeights = Float64Array.of(1, 2);
  const rng = new Rng(3);
  const testDesign = regressionRows(100, { weights: trueWeights, sigmaSquared: 0, rng });
  const design = {
    rows: 100,
    cols: 2,
    data: Float64Array.from({ length: 200 }, (_, i) => testDesign.data[3 * (i >> 1) + (i & 1)]),
  };
  const estimator = regressionRowsEstimator({ trueWeights, sigmaSquared: 1, testDesign: design });
  const model = await estimator.fit(regressionRows(20, { weights: trueWeights, sigmaSquared: 0, rng }));
  const metrics = await estimator.evaluate(model);
  assert(metrics.testMse < 1e-20, String(metrics.testMse));
});
