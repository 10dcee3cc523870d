import assert from "node:assert/strict";
import { datasetSampler } from "../models/datasets.ts";
import { Rng } from "../numerics/rng.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
import { mixtureDataset } from "../models/mixture_datasets.ts";
import gmm from "./gmm.ts";
import { PRESET_NAMES } from "./presets.ts";
import { FRESH_FRACTIONS } from "./workflow_fields.ts";

const base = { dataset: "mixture", components: 3, samplesPerIteration: 20, seed: 0, iterations: 5 };
const strip = (rows: Record<string, unknown>[]) => rows.map(({ workflow: _w, freshFraction: _f, ...rest }) => rest);

Deno.test("bad configurations fail before any work, naming the field", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ components: 0 }, /components must be an integer >= 1, got 0/],
    [{ samplesPerIteration: 2 }, /samplesPerIteration must be >= components \(3\)/],
    [{ verifier: "judge", verifierFraction: 0.5 }, /verifier must be one of "oracle", "first-fit"/],
    [{ dataset: "moons", verifier: "oracle", verifierFraction: 0.5 }, /verifier "oracle" needs a known density/],
    [{ verifier: "oracle" }, /needs exactly one of verifierFraction/],
    [{ workflow: "Fresh", freshFraction: 1.5 }, /freshFraction must be a finite number >= 0 and <= 1, got 1.5/],
    [{ workflow: "Fresh", freshFraction: -0.1 }, /freshFraction must be/],
    [{ freshFraction: 0.5 }, /only to workflow "Fresh"/],
    [{ varianceFloor: 0 }, /varianceFloor must be a finite number > 0/],
    [{ mmdBandwidth: -1 }, /mmdBandwidth must be a finite number > 0/],
    [{ dataset: "spirals" }, /dataset must be one of "mixture", "blobs"/],
  ];
  for (const [change, message] of cases) {
    const config = { workflow: "Replace", ...base, ...change };
    assert.throws(() => gmm.validate(config), message);
    await assert.rejects(() => gmm.runConfig(config), message);
  }
});

Deno.test("workflows: training sizes and real fractions; iteration 1 is one fit for every workflow; bit-identical reruns", async () => {
  const run = (workflow: string, extra = {}) => gmm.runConfig({ ...base, workflow, ...extra });
  const [replace, subsample, accumulate] = await Promise.all(
    ["Replace", "Accumulate-Subsample", "Accumulate"].map((w) => run(w)),
  );
  assert.deepEqual(replace.map((r) => r.realFraction), [1, 0, 0, 0, 0]);
  assert.deepEqual(accumulate.map((r) => r.trainingSize), [20, 40, 60, 80, 100]);
  assert.deepEqual(accumulate.map((r) => r.realFraction), [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5]);
  assert(subsample.every((r) => r.trainingSize === 20 && (r.realFraction as number) <= 1));
  for (const rows of [subsample, accumulate]) assert.deepEqual(strip(rows.slice(0, 1)), strip(replace.slice(0, 1)));
  const fresh = await run("Fresh", { freshFraction: 0.25 });
  assert.deepEqual(fresh.map((r) => r.realFraction), [1, 0.25, 0.25, 0.25, 0.25]);
  assert.deepEqual(await run("Accumulate-Subsample"), subsample);
  for (const row of replace) {
    assert(Number.isFinite(row.testNll) && Number.isFinite(row.mmd2) && Number.isFinite(row.mmd2Test));
    assert((row.liveComponents as number) <= 3 && (row.minWeight as number) <= 1 / 3);
  }
});

Deno.test("Fresh with freshFraction 0 is Replace bit for bit, on the known mixture and on a finite pool", async () => {
  for (const dataset of ["mixture", "moons"]) {
    const config = { ...base, dataset, iterations: 6 };
    assert.deepEqual(
      strip(await gmm.runConfig({ ...config, workflow: "Fresh", freshFraction: 0 })),
      strip(await gmm.runConfig({ ...config, workflow: "Replace" })),
    );
  }
  // Fraction 1 on the toy data: every batch from the run's pool, which holds exactly what the run asks for.
  const rows = await gmm.runConfig({ ...base, dataset: "circles", workflow: "Fresh", freshFraction: 1, iterations: 6 });
  assert.deepEqual(rows.map((r) => r.realFraction), [1, 1, 1, 1, 1, 1]);
});

Deno.test("Fresh with fraction 1 on the known mixture: every fit is a first fit in distribution (|z| < 4)", async () => {
  const first: number[] = [], last: number[] = [];
  for (let seed = 0; seed < 60; seed++) {
    const rows = await gmm.runConfig({ ...base, seed, workflow: "Fresh", freshFraction: 1, iterations: 4 });
    first.push(rows[0].mmd2 as number);
    last.push(rows[3].mmd2 as number);
  }
  const a = meanAndStandardError(first), b = meanAndStandardError(last);
  assert(Math.abs(a.mean - b.mean) < 4 * Math.hypot(a.se, b.se), `${a.mean} vs ${b.mean}`);
});

Deno.test("the test-set MMD² is unbiased for the exact one; the blobs' truth is their sampler's mixture", async () => {
  const gaps: number[] = [];
  for (let seed = 0; seed < 30; seed++) {
    const [row] = await gmm.runConfig({ ...base, seed, workflow: "Replace", iterations: 1 });
    gaps.push((row.mmd2Test as number) - (row.mmd2 as number));
  }
  const gap = meanAndStandardError(gaps);
  assert(Math.abs(gap.mean) < 4 * gap.se, `mean gap ${gap.mean} ± ${gap.se}`);
  // The blobs: the sampler is the KDE data set's, bit for bit; its clusters are the truth's components. (make_blobs
  // draws count/k points per centre, not a multinomial count: a sample is stratified, not i.i.d. from the mixture.)
  // The first stream whose centres are 8 apart (8 standard deviations): clusters can then be told apart by point.
  let key = 0;
  const apart = (k: number) => {
    const [a, b, c] = mixtureDataset("blobs", new Rng(k, "blobs")).truth!.components.map((x) => x.mean);
    return Math.min(
      Math.hypot(a[0] - b[0], a[1] - b[1]),
      Math.hypot(a[0] - c[0], a[1] - c[1]),
      Math.hypot(b[0] - c[0], b[1] - c[1]),
    ) > 8;
  };
  while (!apart(key)) key++;
  const { sample, truth } = mixtureDataset("blobs", new Rng(key, "blobs"));
  const points = sample(3000, new Rng(2));
  assert.deepEqual(points, datasetSampler("blobs", new Rng(key, "blobs"))(3000, new Rng(2)));
  truth!.components.forEach((component) => {
    const mine = Array.from({ length: 3000 }, (_, r) => r).filter((r) =>
      truth!.components.every((other) =>
        Math.hypot(points.data[2 * r] - component.mean[0], points.data[2 * r + 1] - component.mean[1]) <=
          Math.hypot(points.data[2 * r] - other.mean[0], points.data[2 * r + 1] - other.mean[1])
      )
    );
    assert.equal(mine.length, 1000, "well-separated centres: each cluster is its third of the points");
    for (let j = 0; j < 2; j++) {
      const { mean, se } = meanAndStandardError(mine.map((r) => points.data[2 * r + j]));
      assert(Math.abs(mean - component.mean[j]) < 4 * se && Math.abs(se * Math.sqrt(1000) - 1) < 0.1);
    }
  });
  // The moons have no mixture truth: no exact MMD², the test-set one only.
  const [moons] = await gmm.runConfig({ ...base, dataset: "moons", workflow: "Replace", iterations: 1 });
  assert.equal(moons.mmd2, undefined);
  assert(Number.isFinite(moons.mmd2Test));
});

Deno.test("verified runs record the acceptance rate, judged by the true density or by the first fit", async () => {
  const config = { ...base, workflow: "Replace", iterations: 6, samplesPerIteration: 50 };
  const oracle = await gmm.runConfig({ ...config, verifier: "oracle", verifierFraction: 0.5 });
  assert.deepEqual(oracle.map((r) => r.acceptRate), [0.5, 0.5, 0.5, 0.5, 0.5, undefined]);
  const judged = await gmm.runConfig({ ...config, dataset: "moons", verifier: "first-fit", verifierThreshold: -1e9 });
  assert.deepEqual(judged.slice(0, 5).map((r) => r.acceptRate), [1, 1, 1, 1, 1], "a threshold nothing fails");
});

Deno.test("the fresh and verified grids: every alpha under Fresh; the oracle only on the truths that are mixtures", () => {
  const key = (c: Record<string, unknown>) => JSON.stringify(Object.entries(c).sort(([a], [b]) => (a < b ? -1 : 1)));
  for (const preset of PRESET_NAMES) {
    const fresh = gmm.configs(preset, { grid: "fresh" });
    assert(fresh.every((c) => c.workflow === "Fresh"));
    assert.deepEqual([...new Set(fresh.map((c) => c.freshFraction))], FRESH_FRACTIONS);
    const verified = gmm.configs(preset, { grid: "verified" });
    assert.deepEqual([...new Set(verified.map((c) => c.dataset))], ["mixture", "blobs"]);
    assert.deepEqual(
      [...new Set(verified.map((c) => `${c.verifier} ${c.verifierFraction}`))],
      ["oracle 0.25", "oracle 0.75", "first-fit 0.25", "first-fit 0.75"],
    );
  }
  // Notebook 09's baseline, the verified runs without a verifier, is part of notebook 10's main grid.
  const main = new Set(gmm.configs("default", { grid: "main" }).map(key));
  const unverified = gmm.configs("default", { grid: "verified" }).map(
    ({ verifier: _v, verifierFraction: _q, verifierBudget: _b, ...rest }) => gmm.validate(rest),
  );
  assert(unverified.every((c) => main.has(key(c))));
});
