import assert from "node:assert/strict";
import mixing, { MIXING_FAMILIES } from "./mixing.ts";

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

Deno.test("mixing experiment: every grid point of a seed shares real, synthetic and test data", async () => {
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
  // Shared data: a point's loss does not depend on the other points of the grid, and the full-real point at
  // numSynthetic = 0 equals the first-generation model's loss.
  const c = { family: "gaussian", numReal: 64, numSynthetic: 0, realPool: 64, syntheticPool: 100, seed: 3 };
  const [full] = await mixing.runConfig(c);
  const [again] = await mixing.runConfig({ ...c, syntheticPool: 200 });
  assert.equal(full.testLoss, again.testLoss);
});

Deno.test("mixing experiment: real-only losses match the known expectations", async () => {
  // Linear regression with Gaussian design: E[test MSE] = sigma^2 d / (n - d - 1).
  // Gaussian: test NLL of the fit -> d/2 (log 2 pi + 1) as n grows.
  const seeds = 40;
  let mse = 0, nll = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const point = { numReal: 64, numSynthetic: 0, realPool: 1000, syntheticPool: 0, seed };
    mse += (await mixing.runConfig({ family: "linear_regression", ...point }))[0].testMse as number;
    nll += (await mixing.runConfig({ family: "gaussian", ...point, numReal: 1000 }))[0].testNll as number;
  }
  const expectedMse = 10 / (64 - 10 - 1);
  assert(Math.abs(mse / seeds / expectedMse - 1) < 0.25, `MSE ${mse / seeds} vs ${expectedMse}`);
  assert(Math.abs(nll / seeds - 5 * (Math.log(2 * Math.PI) + 1)) < 0.1, `NLL ${nll / seeds}`);
});
