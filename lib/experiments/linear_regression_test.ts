import assert from "node:assert/strict";
import linearRegression from "./linear_regression.ts";

Deno.test("run: one row per iteration, finite also when n <= d, shared truth across workflows", async () => {
  for (const workflow of ["Replace", "Accumulate-Subsample", "Accumulate"]) {
    const rows = await linearRegression.runConfig({
      dim: 10,
      samplesPerIteration: 8,
      sigmaSquared: 1,
      workflow,
      seed: 1,
      iterations: 6,
    });
    assert.equal(rows.length, 6);
    assert(rows.every((r) => Number.isFinite(r.testMse as number) && (r.testMse as number) >= 0));
  }
  const first = await Promise.all(
    ["Replace", "Accumulate"].map(async (workflow) =>
      (await linearRegression.runConfig({
        dim: 3,
        samplesPerIteration: 32,
        sigmaSquared: 1,
        workflow,
        seed: 2,
        iterations: 1,
      }))[0].testMse
    ),
  );
  assert.equal(first[0], first[1]);
  const accumulate = await linearRegression.runConfig({
    dim: 3,
    samplesPerIteration: 32,
    sigmaSquared: 1,
    workflow: "Accumulate",
    seed: 2,
    iterations: 4,
  });
  assert.deepEqual(accumulate.map((r) => r.realFraction), [1, 1 / 2, 1 / 3, 1 / 4]);
  // sigma^2 = 0: every fit recovers w* exactly (n > d).
  const exact = await linearRegression.runConfig({
    dim: 3,
    samplesPerIteration: 10,
    sigmaSquared: 0,
    workflow: "Replace",
    seed: 0,
    iterations: 3,
  });
  assert(exact.every((r) => (r.testMse as number) < 1e-20));
});

Deno.test("bad configurations are rejected naming the field", () => {
  const good = { dim: 3, samplesPerIteration: 10, sigmaSquared: 1, workflow: "Replace", seed: 0, iterations: 5 };
  assert.deepEqual(linearRegression.validate(good), good);
  assert.throws(() => linearRegression.validate({ ...good, dim: 0 }), /dim must be an integer >= 1, got 0/);
  assert.throws(
    () => linearRegression.validate({ ...good, samplesPerIteration: 0 }),
    /samplesPerIteration must be an integer >= 1/,
  );
  assert.throws(() => linearRegression.validate({ ...good, sigmaSquared: -1 }), /sigmaSquared must be .* >= 0/);
  assert.throws(() => linearRegression.validate({ ...good, iterations: 1.5 }), /iterations/);
  assert.throws(() => linearRegression.validate({ ...good, workflow: "Mix" }), /workflow must be one of/);
  assert.throws(() => linearRegression.validate({ ...good, seed: -1 }), /seed/);
  assert.throws(() => linearRegression.validate({ ...good, noise: 1 }), /unknown field "noise"/);
});
