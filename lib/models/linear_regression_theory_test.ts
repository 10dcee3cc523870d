import assert from "node:assert/strict";
import { MinimumNormSolver } from "../numerics/least_squares.ts";
import { matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
import { runWorkflow } from "../workflows/mod.ts";
import { designGram, labelDesign, linearRegressionEstimator } from "./linear_regression.ts";
import { expectedRefitMse, expectedTestMse, inverseWishartTrace } from "./linear_regression_theory.ts";
import { regressionRows, regressionRowsEstimator } from "./linear_regression_rows.ts";
import { randomSetting } from "./_test_utils.ts";

Deno.test("closed forms: Accumulate stays below pi^2/6 times its first iteration, Replace grows linearly", () => {
  const options = { sigmaSquared: 1, trace: inverseWishartTrace(10, 100) };
  assert.equal(options.trace, 10 / 89);
  assert.equal(expectedTestMse("Replace", 7, options), 7 * options.trace);
  const first = expectedTestMse("Accumulate", 1, options);
  // The gap to the limit is first * sum_{s > t} 1/s^2, between first / (t + 1) and first / t.
  const gap = (Math.PI ** 2 / 6) * first - expectedTestMse("Accumulate", 1000, options);
  assert(gap > first / 1001 && gap < first / 1000, `gap ${gap}`);
  assert.throws(() => inverseWishartTrace(10, 11), /n > d \+ 1/);
  assert.throws(() => expectedTestMse("Replace", 0, options), /iteration/);
});

Deno.test("expected test MSE under Replace and Accumulate, for a fixed design, within Monte Carlo error", async () => {
  // For a fixed design X0 and test second moments S = X_test^T X_test / m, the error
  // w_t - w* is A(eps_1 + .. + eps_t) (Replace) or sum_s A eps_s / s (Accumulate), with
  // A = (X0^T X0)^{-1} X0^T, so E[MSE_t] = sigma^2 tr(S (X0^T X0)^{-1}) * (t or sum 1/s^2).
  const n = 12, d = 3, sigmaSquared = 2, iterations = 6, seeds = 3000;
  const setting = randomSetting(new Rng(13), n, d, sigmaSquared);
  const solver = new MinimumNormSolver(designGram(setting.design), d);
  const testGram = designGram(setting.testDesign);
  let trace = 0;
  for (let j = 0; j < d; j++) {
    const unit = new Float64Array(d);
    unit[j] = 1;
    const column = solver.solve(unit); // column j of (X0^T X0)^{-1}
    for (let i = 0; i < d; i++) trace += (testGram[j * d + i] / setting.testDesign.rows) * column[i];
  }
  const estimator = linearRegressionEstimator(setting);
  for (const workflow of ["Replace", "Accumulate"] as const) {
    const sums = new Float64Array(iterations), squares = new Float64Array(iterations);
    for (let seed = 0; seed < seeds; seed++) {
      const real = labelDesign(setting, { weights: setting.trueWeights, rng: new Rng(seed, "labels") });
      const records = await runWorkflow(estimator, real, { workflow, iterations, rng: new Rng(seed, workflow) });
      records.forEach((r, t) => {
        sums[t] += r.metrics.testMse;
        squares[t] += r.metrics.testMse ** 2;
      });
    }
    for (let t = 0; t < iterations; t++) {
      const mean = sums[t] / seeds;
      const se = Math.sqrt((squares[t] / seeds - mean * mean) / (seeds - 1));
      const expected = expectedTestMse(workflow, t + 1, { sigmaSquared, trace });
      assert(
        Math.abs(mean - expected) < 4 * se,
        `${workflow} t=${t + 1}: mean ${mean} vs expected ${expected} (se ${se})`,
      );
    }
  }
});

Deno.test("expectedRefitMse: a fit on synthetic rows of a first fit adds both errors (simulation, |z| < 4)", async () => {
  const d = 3, pool = 12, m = 9, sigmaSquared = 2, reps = 3000;
  assert(Math.abs(expectedRefitMse(d, { pool, samples: m, sigmaSquared }) - 2 * (3 / 8 + 3 / 5)) < 1e-15);
  const rng = new Rng(11, "refit-mse");
  const values: number[] = [];
  for (let i = 0; i < reps; i++) {
    const trueWeights = rng.fillNormal(new Float64Array(d));
    const testDesign = matrix(200, d, rng.fillNormal(new Float64Array(200 * d)));
    const estimator = regressionRowsEstimator({ trueWeights, sigmaSquared, testDesign });
    const first = await estimator.fit(regressionRows(pool, { weights: trueWeights, sigmaSquared, rng }));
    const refit = await estimator.fit(await estimator.sample(first, m, rng));
    values.push((await estimator.evaluate(refit)).testMse);
  }
  const { mean, se } = meanAndStandardError(values);
  const exact = expectedRefitMse(d, { pool, samples: m, sigmaSquared });
  assert(Math.abs(mean - exact) < 4 * se, `${mean} vs ${exact} (se ${se})`);
});
