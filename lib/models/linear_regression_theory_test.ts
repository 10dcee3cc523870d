import assert from "node:assert/strict";
import { MinimumNormSolver } from "../numerics/least_squares.ts";
import { matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
import { runWorkflow } from "../workflows/mod.ts";
import {
  designGram,
  labelDesign,
  linearRegressionEstimator,
  type LinearRegressionSetting,
} from "./linear_regression.ts";
import {
  expectedRefitMse,
  expectedTestMse,
  freshExpectations,
  inverseWishartTrace,
} from "./linear_regression_theory.ts";
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

/** A Fresh run's label source: real labels X_F w* + eps on the first m rows, from a stream of its own. */
function freshLabels(setting: LinearRegressionSetting, m: number, rng: Rng) {
  const rows = Int32Array.from({ length: m }, (_, i) => i);
  return {
    fraction: m / setting.design.rows,
    draw: () => labelDesign(setting, { weights: setting.trueWeights, rng, rows }),
  };
}

Deno.test("Fresh's exact recursion: m = 0 is Replace's t sigma^2 tr(S G^-1) with no limit; m = n stays at the first fit", () => {
  const setting = randomSetting(new Rng(3), 12, 3, 2);
  const d = 3, solver = new MinimumNormSolver(designGram(setting.design), d);
  const testGram = designGram(setting.testDesign);
  let trace = 0;
  for (let j = 0; j < d; j++) {
    const column = solver.solve(Float64Array.from({ length: d }, (_, i) => (i === j ? 1 : 0)));
    for (let i = 0; i < d; i++) trace += (testGram[j * d + i] / setting.testDesign.rows) * column[i];
  }
  const replace = freshExpectations(setting, { freshRows: 0, iterations: 5 });
  replace.testMse.forEach((v, t) => {
    const exact = expectedTestMse("Replace", t + 1, { sigmaSquared: 2, trace });
    assert(Math.abs(v - exact) < 1e-12 * exact, `t=${t + 1}: ${v} vs ${exact}`);
  });
  assert.equal(replace.limit.testMse, Infinity);
  const allFresh = freshExpectations(setting, { freshRows: 12, iterations: 4 });
  assert(allFresh.testMse.every((v) => Math.abs(v - replace.testMse[0]) < 1e-12 * v));
  assert(Math.abs(allFresh.limit.testMse - replace.testMse[0]) < 1e-12 * replace.testMse[0]);
  // Fewer fresh rows than dimensions leave directions unanchored: no limit; as many anchor them all.
  assert.equal(freshExpectations(setting, { freshRows: 2, iterations: 1 }).limit.testMse, Infinity);
  const anchored = freshExpectations(setting, { freshRows: 6, iterations: 400 });
  assert(
    Number.isFinite(anchored.limit.testMse) && Math.abs(anchored.testMse[399] / anchored.limit.testMse - 1) < 1e-3,
  );
  assert.throws(
    () => freshExpectations(setting, { freshRows: 13, iterations: 1 }),
    /freshRows must be an integer in \[0, 12\]/,
  );
});

Deno.test("Fresh on a fixed design: E[test MSE] and E||w - w*||^2 follow the exact recursion (|z| < 4)", async () => {
  // n > d (m below and above d), and n < d, where the bias b = -(I - G^+ G) w* enters.
  for (const [n, d, m] of [[12, 3, 2], [12, 3, 6], [4, 6, 2]]) {
    const setting = randomSetting(new Rng(17, n, d), n, d, 2);
    const estimator = linearRegressionEstimator(setting);
    const iterations = 6, seeds = 2000;
    const exact = freshExpectations(setting, { freshRows: m, iterations });
    const values = { testMse: [] as number[][], weightSquaredError: [] as number[][] };
    for (let seed = 0; seed < seeds; seed++) {
      const real = labelDesign(setting, { weights: setting.trueWeights, rng: new Rng(seed, "labels") });
      const records = await runWorkflow(estimator, real, {
        workflow: "Fresh",
        iterations,
        rng: new Rng(seed, "workflow"),
        fresh: freshLabels(setting, m, new Rng(seed, "fresh")),
      });
      records.forEach((r, t) => {
        (values.testMse[t] ??= []).push(r.metrics.testMse);
        (values.weightSquaredError[t] ??= []).push(r.metrics.weightSquaredError);
      });
    }
    for (const metric of ["testMse", "weightSquaredError"] as const) {
      for (let t = 0; t < iterations; t++) {
        const { mean, se } = meanAndStandardError(values[metric][t]);
        const expected = exact[metric][t];
        assert(Math.abs(mean - expected) < 4 * se, `n=${n} d=${d} m=${m} ${metric} t=${t + 1}: ${mean} vs ${expected}`);
      }
    }
  }
});
