import assert from "node:assert/strict";
import { gaussianNllEstimator } from "../models/gaussian_likelihood.ts";
import { type Matrix, matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
import { runMixing } from "../workflows/mixing.ts";
import mixing, { MIXING_FAMILIES, MIXING_TEST_POINTS } from "./mixing.ts";

function throwsWith(fn: () => unknown, type: typeof RangeError, text: string): void {
  assert.throws(fn, (e: unknown) => e instanceof type && e.message.includes(text));
}

Deno.test("mixing experiment: validation names the field and the allowed values", () => {
  const base = { family: "gaussian", numReal: 4, numSynthetic: 4, realPool: 8, syntheticPool: 8, seed: 0 };
  assert.deepEqual(mixing.validate(base), { ...base, dim: 10 });
  throwsWith(() => mixing.validate({ ...base, family: "gmm" }), RangeError, 'family must be one of "gaussian"');
  throwsWith(() => mixing.validate({ ...base, numReal: 9 }), RangeError, "numReal must be an integer in [0, 8]");
  throwsWith(() => mixing.validate({ ...base, numReal: -1 }), RangeError, "numReal must be an integer >= 0");
  throwsWith(() => mixing.validate({ ...base, numReal: 0, numSynthetic: 0 }), RangeError, "nothing to fit");
  throwsWith(
    () => mixing.validate({ ...base, bandwidth: 0.1 }),
    RangeError,
    'field "bandwidth" does not apply here: only to family "kde"',
  );
  throwsWith(() => mixing.validate({ ...base, colour: 1 }), RangeError, 'unknown field "colour"');
  const kde = mixing.validate({ ...base, family: "kde" });
  assert.equal(kde.dataset, "moons");
  assert.equal(kde.bandwidth, 0.1);
});

Deno.test("mixing experiment: runs are deterministic with finite losses; the full-real point is the first generation", async () => {
  for (const family of MIXING_FAMILIES) {
    const configs = mixing.configs("smoke").filter((c) => c.family === family && c.seed === 0);
    // No (0, 0) point; synthetic-only points present.
    assert(configs.every((c) => c.numReal + c.numSynthetic > 0));
    assert(configs.some((c) => c.numReal === 0));
    const [a] = await mixing.runConfig(configs[0]);
    const [b] = await mixing.runConfig(configs[0]);
    assert.deepEqual(a, b, `${family}: deterministic`);
    assert(Number.isFinite(a.testLoss as number), `${family}: finite loss`);
    assert.equal(a.testLoss, a[family === "linear_regression" ? "testMse" : "testNll"]);
  }
  // The full-real point at numSynthetic = 0 is the first-generation model: its loss does not depend on the
  // synthetic set's size.
  const c = { family: "gaussian", numReal: 64, numSynthetic: 0, realPool: 64, syntheticPool: 100, seed: 3 };
  const [full] = await mixing.runConfig(c);
  const [again] = await mixing.runConfig({ ...c, syntheticPool: 200 });
  assert.equal(full.testLoss, again.testLoss);
});

Deno.test("mixing experiment: runs of one seed mix prefixes of ONE real pool and ONE synthetic set", async () => {
  // Each grid point is a run of its own. They share their data if every run equals one runMixing over the
  // whole grid, which draws the synthetic set once from the model of all realPool rows and fits each point
  // on prefixes (lib/workflows/mixing_test.ts checks that), on the streams the module documents: test and
  // real data from (seed, family, its parameters) and the pool sizes, never from numReal or numSynthetic.
  const d = 3, seed = 5, realPool = 40, syntheticPool = 60;
  const keys = ["gaussian", d, "", "", ""];
  const normals = (rng: Rng, rows: number): Matrix => matrix(rows, d, rng.fillNormal(new Float64Array(rows * d)));
  const test = normals(new Rng(seed, "mixing-test", ...keys), MIXING_TEST_POINTS.gaussian);
  const real = normals(new Rng(seed, "mixing-real", ...keys, realPool), realPool);
  const grid = [
    { numReal: 0, numSynthetic: 8 },
    { numReal: 0, numSynthetic: 60 },
    { numReal: 4, numSynthetic: 8 },
    { numReal: 40, numSynthetic: 30 },
    { numReal: 40, numSynthetic: 0 },
  ];
  const records = await runMixing(gaussianNllEstimator(test), real, {
    grid,
    rng: new Rng(seed, "mixing-synthetic", ...keys, realPool, syntheticPool),
    syntheticSize: syntheticPool,
  });
  for (const [k, point] of grid.entries()) {
    const [row] = await mixing.runConfig({ family: "gaussian", dim: d, ...point, realPool, syntheticPool, seed });
    assert.equal(row.testLoss, records[k].metrics.testNll, `point ${JSON.stringify(point)}`);
  }
  assert.notEqual(records[0].metrics.testNll, records[1].metrics.testNll, "the points differ");
});

/** The digamma function: recurrence up to x >= 10, then the asymptotic series (error below 1e-14 there). */
function digamma(x: number): number {
  let shift = 0;
  for (; x < 10; x++) shift -= 1 / x;
  const inv2 = 1 / (x * x);
  return shift + Math.log(x) - 0.5 / x -
    inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))));
}

Deno.test("mixing experiment: real-only losses match their exact expectations within 4 standard errors", async () => {
  // Linear regression, min-norm least squares on n = 64 rows x ~ N(0, I_d), d = 10, sigma^2 = 1: w_hat - w =
  // (X^T X)^-1 X^T eps, so E[test MSE | test design] = sigma^2 tr(Sigma_test E[(X^T X)^-1]) = sigma^2
  // tr(Sigma_test) / (n - d - 1) (an inverse Wishart's mean), and over test designs E tr(Sigma_test) = d.
  // The Gaussian, ML fit on n = 1000 rows of N(0, I_d): the covariance S = W / n with W ~ Wishart(I, n - 1)
  // independent of the mean. A test point y gives y - mean ~ N(0, (1 + 1/n) I), so E[test NLL] =
  // (1/2) (d log 2 pi + E log det S + (1 + 1/n) n E tr W^-1), with E log det W = sum_{i=1..d} psi((n - i)/2)
  // + d log 2 and E tr W^-1 = d / (n - d - 2).
  const d = 10, seeds = 400;
  const expectedMse = d / (64 - d - 1);
  const n = 1000;
  let logDet = d * Math.log(2 / n);
  for (let i = 1; i <= d; i++) logDet += digamma((n - i) / 2);
  const expectedNll = 0.5 * (d * Math.log(2 * Math.PI) + logDet + (n + 1) * d / (n - d - 2));
  const mse: number[] = [], nll: number[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const point = { numReal: 64, numSynthetic: 0, realPool: n, syntheticPool: 0, seed };
    mse.push((await mixing.runConfig({ family: "linear_regression", ...point }))[0].testMse as number);
    nll.push((await mixing.runConfig({ family: "gaussian", ...point, numReal: n }))[0].testNll as number);
  }
  // The seeds are independent runs: the standard errors are those of their means.
  const m = meanAndStandardError(mse), g = meanAndStandardError(nll);
  assert(Math.abs(m.mean - expectedMse) < 4 * m.se, `MSE ${m.mean} vs ${expectedMse} (se ${m.se})`);
  assert(Math.abs(g.mean - expectedNll) < 4 * g.se, `NLL ${g.mean} vs ${expectedNll} (se ${g.se})`);
  // The exact expectation is not the large-n limit d/2 (log 2 pi + 1): the finite-sample excess is resolved.
  assert(Math.abs(expectedNll - 5 * (Math.log(2 * Math.PI) + 1)) > 4 * g.se);
});
