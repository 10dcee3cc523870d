import assert from "node:assert/strict";
import { labelDesign, type LabelSet, linearRegressionEstimator } from "../models/linear_regression.ts";
import { freshExpectations } from "../models/linear_regression_theory.ts";
import { Rng } from "../numerics/rng.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
import { runWorkflow } from "../workflows/mod.ts";
import linearRegression, { linearRegressionSetting } from "./linear_regression.ts";
import { linearRegressionRun } from "./linear_regression_run.ts";

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

const strip = (rows: Record<string, unknown>[]) => rows.map(({ workflow: _w, freshFraction: _f, ...rest }) => rest);

Deno.test("Fresh at 0 is Replace bit for bit; after it, the first round(alpha n) labels are new real labels", async () => {
  const base = { dim: 3, samplesPerIteration: 10, sigmaSquared: 1, seed: 5, iterations: 6 };
  assert.deepEqual(
    strip(await linearRegression.runConfig({ ...base, workflow: "Fresh", freshFraction: 0 })),
    strip(await linearRegression.runConfig({ ...base, workflow: "Replace" })),
  );
  const c = linearRegression.validate({ ...base, workflow: "Fresh", freshFraction: 0.3 });
  const { setting, real, options } = linearRegressionRun(c);
  const sets: LabelSet[] = [];
  const samples: LabelSet[] = [];
  const records = await runWorkflow(linearRegressionEstimator(setting), real, {
    ...options,
    onIteration: (_, data) => {
      sets.push(data.training!);
      if (data.samples) samples.push(data.samples);
    },
  });
  assert.deepEqual(records.map((r) => r.realFraction), [1, 0.3, 0.3, 0.3, 0.3, 0.3]);
  // Rows 0-2: real labels X0 w* + eps from the run's fresh stream, new at every iteration; rows 3-9: the fit's.
  const fresh = new Rng(5, "linreg-fresh", 3, 10, 1);
  const rows = Int32Array.of(0, 1, 2);
  for (let t = 1; t < 6; t++) {
    assert.equal(sets[t].rows, undefined, "each design row labelled once, in order");
    const expected = labelDesign(setting, { weights: setting.trueWeights, rng: fresh, rows });
    assert.deepEqual(sets[t].labels.subarray(0, 3), expected.labels, `iteration ${t + 1}`);
    assert.deepEqual([...samples[t - 1].rows!], [3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(sets[t].labels.subarray(3), samples[t - 1].labels);
    assert.notDeepEqual(sets[t].labels.subarray(0, 3), real.labels.subarray(0, 3));
  }
});

Deno.test("Fresh over seeds: the test MSE minus each seed's exact expectation averages to 0 (|z| < 4)", async () => {
  // Each seed has its own design: the exact expectation given the design, per seed, and the mean difference.
  const iterations = 20, seeds = 300;
  for (const fraction of [0.2, 0.5]) {
    const differences: number[][] = Array.from({ length: iterations }, () => []);
    for (let seed = 0; seed < seeds; seed++) {
      const config = { dim: 3, samplesPerIteration: 10, sigmaSquared: 1, workflow: "Fresh", freshFraction: fraction };
      const rows = await linearRegression.runConfig({ ...config, seed, iterations });
      const exact = freshExpectations(linearRegressionSetting({ ...config, seed }), {
        freshRows: Math.round(fraction * 10),
        iterations,
      });
      rows.forEach((row, t) => differences[t].push((row.testMse as number) - exact.testMse[t]));
    }
    for (const t of [1, 5, 10, 20]) {
      const { mean, se } = meanAndStandardError(differences[t - 1]);
      assert(Math.abs(mean) < 4 * se, `fraction ${fraction} t=${t}: mean difference ${mean} (se ${se})`);
    }
  }
});

Deno.test("verified runs: the acceptance rate is recorded; the oracle's labels beat the first fit's judge", async () => {
  const base = { dim: 3, samplesPerIteration: 20, sigmaSquared: 1, workflow: "Replace", iterations: 8 };
  const rows = await linearRegression.runConfig({ ...base, seed: 0, verifier: "oracle", verifierFraction: 0.5 });
  assert.deepEqual(rows.map((r) => r.acceptRate), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, undefined]);
  const threshold = await linearRegression.runConfig({
    ...base,
    seed: 0,
    verifier: "first-fit",
    verifierThreshold: -2,
  });
  assert(threshold.slice(0, -1).every((r) => (r.acceptRate as number) > 0.2 && (r.acceptRate as number) < 1));
  // Over 30 seeds: the oracle keeps labels close to x^T w*, so its last fit is nearer w* than the first fit's judge.
  let oracle = 0, judge = 0;
  for (let seed = 0; seed < 30; seed++) {
    const last = async (verifier: string) =>
      (await linearRegression.runConfig({ ...base, seed, verifier, verifierFraction: 0.5 })).at(-1)!.testMse as number;
    oracle += await last("oracle");
    judge += await last("first-fit");
  }
  assert(oracle < judge, `oracle ${oracle / 30} vs first fit ${judge / 30}`);
});

Deno.test("bad Fresh and verifier fields fail before any work, naming the field", () => {
  const good = { dim: 3, samplesPerIteration: 10, sigmaSquared: 1, workflow: "Replace", seed: 0, iterations: 5 };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...good, workflow: "Fresh", freshFraction: 2 }, /freshFraction must be a finite number >= 0 and <= 1, got 2/],
    [{ ...good, workflow: "Fresh" }, /freshFraction is required/],
    [{ ...good, freshFraction: 0.1 }, /"freshFraction" does not apply here: only to workflow "Fresh"/],
    [{ ...good, verifier: "oracle", verifierFraction: 0 }, /verifierFraction must be a finite number > 0 and <= 1/],
    [{ ...good, verifier: "truth", verifierFraction: 0.5 }, /verifier must be one of "oracle", "first-fit"/],
    [{ ...good, verifier: "oracle", verifierFraction: 0.5, verifierThreshold: 0 }, /needs exactly one of/],
    [{ ...good, sigmaSquared: 0, verifier: "oracle", verifierFraction: 0.5 }, /needs sigmaSquared > 0/],
  ];
  for (const [config, message] of cases) assert.throws(() => linearRegression.validate(config), message);
});
