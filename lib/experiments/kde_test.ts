import assert from "node:assert/strict";
import { datasetTruth } from "../models/dataset_densities.ts";
import { fitKde, kdeMeanNll } from "../models/kde.ts";
import { kdeEstimator } from "../models/kde_estimator.ts";
import { fromRows, type Matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { runWorkflow } from "../workflows/mod.ts";
import kde, { kdeRunData, kdeSamplesByIteration } from "./kde.ts";
import { kdeWorkflowOptions } from "./kde_run.ts";
import { runKey } from "../run/store.ts";

Deno.test("run: one row per iteration, finite NLL, real fraction as the workflow implies", async () => {
  const base = {
    dataset: "moons",
    bandwidth: 0.5,
    kernel: "gaussian",
    samplesPerIteration: 10,
    seed: 3,
    iterations: 5,
  };
  const replace = await kde.runConfig({ ...base, workflow: "Replace" });
  const accumulate = await kde.runConfig({ ...base, workflow: "Accumulate" });
  assert.equal(replace.length, 5);
  assert(replace.every((r) => Number.isFinite(r.testNll as number)));
  assert.deepEqual(replace.map((r) => r.realFraction), [1, 0, 0, 0, 0]);
  assert.deepEqual(accumulate.map((r) => r.trainingSize), [10, 20, 30, 40, 50]);
  // Same seed: same real data and test set, so iteration 1 agrees across workflows.
  assert.equal(replace[0].testNll, accumulate[0].testNll);
  // Deterministic.
  assert.deepEqual(
    await kde.runConfig({ ...base, workflow: "Accumulate-Subsample" }),
    await kde.runConfig({ ...base, workflow: "Accumulate-Subsample" }),
  );
  const rule = await kde.runConfig({ ...base, bandwidth: "silverman", workflow: "Accumulate" });
  assert.equal(rule[2].fittedBandwidth, (30 * 4 / 4) ** (-1 / 6));
});

Deno.test("replaying a run gives its real data at 0 and the fitted models' samples", async () => {
  const config = {
    dataset: "swiss_roll",
    bandwidth: 0.1,
    kernel: "gaussian",
    samplesPerIteration: 32,
    workflow: "Replace",
    seed: 1,
    iterations: 50,
  };
  const points = await kdeSamplesByIteration(config, [1, 10]);
  assert.deepEqual([...new Set(points.map((p) => p.iteration))], [0, 1, 10]);
  assert.equal(points.length, 3 * 32);
  assert(points.every((p) => p.z !== undefined));
});

Deno.test("replayed Replace samples are the next iteration's training data in the stored run", async () => {
  const config = {
    dataset: "moons",
    bandwidth: 0.2,
    kernel: "gaussian",
    samplesPerIteration: 20,
    workflow: "Replace",
    seed: 4,
    iterations: 8,
  };
  const rows = await kde.runConfig(config);
  const points = await kdeSamplesByIteration(config, [3, 7]);
  const { test } = kdeRunData(kde.validate(config));
  for (const t of [3, 7]) {
    const samples = points.filter((p) => p.iteration === t);
    const model = fitKde(fromRows(samples.map((p) => [p.x, p.y])), { bandwidth: 0.2 });
    assert(Math.abs(kdeMeanNll(model, test) - (rows[t].testNll as number)) < 1e-12, `iteration ${t + 1}`);
  }
  await assert.rejects(() => kdeSamplesByIteration(config, []), /at must be a non-empty list/);
});

Deno.test("preset grids: paper is the full grid, smoke is small", () => {
  assert.equal(kde.configs("paper", { grid: "main" }).length, 4 * 3 * 5 * 3 * 100);
  assert(kde.configs("smoke", { grid: "main" }).length <= 50);
  const bandwidths = new Set(kde.configs("paper", { grid: "bandwidth" }).map((c) => c.bandwidth));
  assert.equal(bandwidths.size, 11);
  assert(bandwidths.has("scott") && bandwidths.has("silverman") && bandwidths.has(0.0316));
});

Deno.test("a top-hat KDE with a small bandwidth gives real test points density 0: an infinite NLL", async () => {
  const tophat = await kde.runConfig({
    ...kde.configs("smoke")[0],
    kernel: "tophat",
    bandwidth: 0.1,
    samplesPerIteration: 10,
    iterations: 2,
  });
  assert(tophat.every((r) => r.testNll === Infinity));
});

Deno.test("bad configurations fail naming the field and the allowed values", () => {
  const good = kde.configs("smoke")[0];
  assert.throws(
    () => kde.validate({ ...good, bandwidth: "auto" }),
    /bandwidth must be a finite number > 0, or one of "scott", "silverman"/,
  );
  assert.throws(() => kde.validate({ ...good, dataset: "iris" }), /dataset must be one of/);
  assert.throws(() => kde.validate({ ...good, samplesPerIteration: 0 }), /samplesPerIteration/);
  assert.throws(() => kde.validate({ ...good, h: 1 }), /unknown field "h"/);
});

const strip = (rows: Record<string, unknown>[]) => rows.map(({ workflow: _w, freshFraction: _f, ...rest }) => rest);

Deno.test("Fresh at fraction 0 is Replace bit for bit; its fresh points are new independent draws from the truth", async () => {
  const base = { dataset: "moons", bandwidth: 0.5, samplesPerIteration: 20, seed: 2, iterations: 6 };
  assert.deepEqual(
    strip(await kde.runConfig({ ...base, workflow: "Fresh", freshFraction: 0 })),
    strip(await kde.runConfig({ ...base, workflow: "Replace" })),
  );
  const c = kde.validate({ ...base, workflow: "Fresh", freshFraction: 0.25 });
  const data = kdeRunData(c);
  const training: Matrix[] = [];
  const records = await runWorkflow(kdeEstimator(data.test, { bandwidth: 0.5 }), data.real, {
    ...kdeWorkflowOptions(c, data),
    onIteration: (_, { training: t }) => void training.push(t!),
  });
  assert.deepEqual(records.map((r) => r.realFraction), [1, 0.25, 0.25, 0.25, 0.25, 0.25]);
  // The 5 fresh points of each training set are the next 5 independent draws of the run's fresh stream.
  const stream = new Rng(2, "kde-fresh", "moons", 20);
  for (let t = 1; t < 6; t++) {
    const fresh = datasetTruth("moons", new Rng(0)).sampleIid(5, stream);
    assert.deepEqual(training[t].data.subarray(0, 10), fresh.data, `iteration ${t + 1}`);
  }
  // ... not the real data: none of the 25 fresh points is a real training point.
  const realRows = new Set(
    Array.from({ length: 20 }, (_, r) => `${data.real.data[2 * r]},${data.real.data[2 * r + 1]}`),
  );
  for (const set of training.slice(1)) {
    for (let r = 0; r < 5; r++) assert(!realRows.has(`${set.data[2 * r]},${set.data[2 * r + 1]}`));
  }
});

Deno.test("verified KDE runs record the acceptance rate; the oracle keeps samples the truth finds likelier", async () => {
  const base = {
    dataset: "blobs",
    bandwidth: 0.5,
    samplesPerIteration: 30,
    workflow: "Replace",
    seed: 1,
    iterations: 4,
  };
  for (const verifier of ["oracle", "first-fit"]) {
    const rows = await kde.runConfig({ ...base, verifier, verifierFraction: 0.4 });
    assert.deepEqual(rows.map((r) => r.acceptRate), [30 / 75, 30 / 75, 30 / 75, undefined], verifier);
    assert.deepEqual(rows.map((r) => r.accepted), [30, 30, 30, undefined]);
  }
  const threshold = await kde.runConfig({ ...base, verifier: "oracle", verifierThreshold: -6, verifierBudget: 20 });
  assert(threshold.slice(0, 3).every((r) => (r.acceptRate as number) > 0 && (r.acceptRate as number) <= 1));
  // The same run's iteration-2 samples, verified and not: the verified ones score higher under the truth.
  const truth = kdeRunData(kde.validate(base)).truth;
  const meanScore = async (extra: Record<string, unknown>) => {
    const points = (await kdeSamplesByIteration({ ...base, ...extra }, [2])).filter((p) => p.iteration === 2);
    const scores = truth.logDensity(fromRows(points.map((p) => [p.x, p.y])));
    return scores.reduce((a, b) => a + b, 0) / scores.length;
  };
  assert((await meanScore({ verifier: "oracle", verifierFraction: 0.4 })) > (await meanScore({})) + 0.5);
});

Deno.test("bad Fresh and verifier fields fail before any work, naming the field", () => {
  const good = {
    dataset: "moons",
    bandwidth: 0.5,
    samplesPerIteration: 10,
    workflow: "Replace",
    seed: 0,
    iterations: 3,
  };
  const fresh = { ...good, workflow: "Fresh" };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...fresh, freshFraction: 1.5 }, /freshFraction must be a finite number >= 0 and <= 1, got 1.5/],
    [{ ...fresh, freshFraction: -0.1 }, /freshFraction must be/],
    [fresh, /freshFraction is required/],
    [{ ...good, freshFraction: 0.5 }, /"freshFraction" does not apply here: only to workflow "Fresh"/],
    [{ ...good, verifier: "oracle", verifierFraction: 0 }, /verifierFraction must be a finite number > 0 and <= 1/],
    [{ ...good, verifier: "oracle", verifierFraction: 1.2 }, /verifierFraction must be/],
    [{ ...good, verifier: "judge", verifierFraction: 0.5 }, /verifier must be one of "oracle", "first-fit"/],
    [{ ...good, verifier: "oracle" }, /needs exactly one of verifierFraction/],
    [{ ...good, verifierFraction: 0.5 }, /"verifierFraction" does not apply here: only to runs with a verifier/],
  ];
  for (const [config, message] of cases) assert.throws(() => kde.validate(config), message);
});

Deno.test("kernelSums: only Accumulate under a rule with the gaussian kernel, binned by default, in the run's key", async () => {
  const base = { dataset: "moons", samplesPerIteration: 100, seed: 1, iterations: 12 };
  const rule = kde.validate({ ...base, bandwidth: "scott", workflow: "Accumulate" });
  assert.equal(rule.kernelSums, "binned");
  // Where it does not apply the field is absent: those configurations keep their keys.
  for (
    const other of [{ bandwidth: 0.5, workflow: "Accumulate" }, { bandwidth: "scott", workflow: "Replace" }, {
      bandwidth: "scott",
      workflow: "Accumulate",
      kernel: "tophat",
    }]
  ) {
    const c = kde.validate({ ...base, ...other });
    assert(!("kernelSums" in c), JSON.stringify(other));
    assert.throws(() => kde.validate({ ...base, ...other, kernelSums: "exact" }), /field "kernelSums" does not apply/);
  }
  // Both routes have keys of their own, neither the key of the configuration before the field (the exact rescans).
  const exactConfig = kde.validate({ ...base, bandwidth: "scott", workflow: "Accumulate", kernelSums: "exact" });
  const { kernelSums: _, ...before } = rule;
  const keys = new Set([rule, exactConfig, before].map((c) => runKey(c, kde.version)));
  assert.equal(keys.size, 3);
  // The same run but for the test NLL's last bits.
  const binned = await kde.runConfig(rule), exact = await kde.runConfig(exactConfig);
  assert.equal(binned.length, 12);
  binned.forEach((row, i) => {
    const { testNll: a, kernelSums: ka, ...rest } = row, { testNll: b, kernelSums: kb, ...restExact } = exact[i];
    assert.deepEqual([ka, kb], ["binned", "exact"]);
    assert.deepEqual(rest, restExact);
    assert(Math.abs((a as number) - (b as number)) <= 1e-12 * Math.abs(b as number), `${a} vs ${b}`);
  });
});

Deno.test("scoresPerDecade: a run scoring every iteration's rows at the log-spaced iterations, bit for bit", async () => {
  const base = { dataset: "moons", samplesPerIteration: 40, seed: 4, iterations: 30 };
  const scored = [1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30];
  for (
    const other of [
      { bandwidth: 0.3, workflow: "Replace" },
      { bandwidth: 0.3, workflow: "Accumulate-Subsample" },
      { bandwidth: 0.3, workflow: "Accumulate" },
      { bandwidth: "scott", workflow: "Replace" },
      // Under a rule with a schedule the sums are exact by default (a rescan at each scored fit).
      { bandwidth: "scott", workflow: "Accumulate", kernelSums: "exact" },
    ]
  ) {
    const every = await kde.runConfig({ ...base, ...other });
    const logSpaced = await kde.runConfig({ ...base, ...other, scoresPerDecade: 10 });
    assert.deepEqual(logSpaced.map((r) => r.iteration), scored, JSON.stringify(other));
    assert(logSpaced.every((r) => r.scoresPerDecade === 10));
    assert.deepEqual(
      logSpaced.map(({ scoresPerDecade: _, ...rest }) => rest),
      every.filter((r) => scored.includes(r.iteration as number)),
      JSON.stringify(other),
    );
  }
  // Absent, the configuration has no such field: every run stored before it keeps its key.
  assert(!("scoresPerDecade" in kde.validate({ ...base, bandwidth: 0.3, workflow: "Replace" })));
  const rule = { ...base, bandwidth: "scott", workflow: "Accumulate" };
  assert.equal(kde.validate(rule).kernelSums, "binned");
  assert.equal(kde.validate({ ...rule, scoresPerDecade: 10 }).kernelSums, "exact");
  assert.equal(kde.validate({ ...rule, scoresPerDecade: 10, kernelSums: "binned" }).kernelSums, "binned");
  assert.throws(
    () => kde.validate({ ...base, bandwidth: 0.3, workflow: "Replace", scoresPerDecade: 0 }),
    /scoresPerDecade must be an integer >= 1/,
  );
});
