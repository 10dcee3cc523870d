import assert from "node:assert/strict";
import { fitKde, kdeMeanNll } from "../models/kde.ts";
import { fromRows } from "../numerics/matrix.ts";
import kde, { kdeRunData, kdeSamplesByIteration } from "./kde.ts";

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
