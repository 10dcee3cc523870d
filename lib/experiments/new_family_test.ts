// A model family added in this file alone, as the README's "Adding a model family" shows: a Poisson rate,
// fitted by the mean count, run through a sweep file, the store and a figure.
import assert from "node:assert/strict";
import { arrayOps, type Estimator } from "../models/estimator.ts";
import type { Rng } from "../numerics/rng.ts";
import { Rng as Generator } from "../numerics/rng.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
import { facetedLineChart, meanWithBand, specToSvg } from "../plot/mod.ts";
import { runGrid } from "../run/runner.ts";
import { formatSweep, parseSweep } from "../run/sweep.ts";
import { runWorkflow, WORKFLOWS } from "../workflows/mod.ts";
import { defineExperiment, workflowRows } from "./define.ts";
import { choice, integer, real, seed } from "./fields.ts";

/** A Poisson(rate) draw by Knuth's product of uniforms (fine for small rates). */
function poisson(rate: number, rng: Rng): number {
  const limit = Math.exp(-rate);
  let k = 0;
  for (let p = rng.random(); p > limit; p *= rng.random()) k++;
  return k;
}

/** The estimator: data are counts, the model is their mean rate, scored against the true rate. */
function poissonEstimator(trueRate: number): Estimator<number[], number> {
  return {
    ops: arrayOps<number>(),
    fit: (counts) => counts.reduce((a, b) => a + b, 0) / counts.length,
    sample: (rate, count, rng) => Array.from({ length: count }, () => poisson(rate, rng)),
    evaluate: (rate) => ({ rate, squaredError: (rate - trueRate) ** 2 }),
  };
}

const grid = (seeds: number) => ({
  rate: { value: 3 },
  samplesPerIteration: { value: 10 },
  workflow: { values: [...WORKFLOWS] },
  seed: { min: 0, max: seeds - 1 },
  iterations: { value: 6 },
});

const poissonRate = defineExperiment({
  name: "poisson_rate",
  version: 1,
  module: import.meta.url,
  description: "a Poisson rate refitted to its own samples",
  fields: {
    rate: real({ greaterThan: 0, doc: "the true rate" }),
    samplesPerIteration: integer({ doc: "counts drawn per iteration" }),
    workflow: choice(WORKFLOWS),
    seed: seed(),
    iterations: integer(),
  },
  grids: { main: { smoke: grid(3), default: grid(20), paper: grid(100) } },
  example: { rate: 3, samplesPerIteration: 10, workflow: "Replace", seed: 0, iterations: 6 },
  run: async (c) => {
    const real = new Generator(c.seed, "poisson-real", c.samplesPerIteration);
    const counts = Array.from({ length: c.samplesPerIteration }, () => poisson(c.rate, real));
    const records = await runWorkflow(poissonEstimator(c.rate), counts, {
      workflow: c.workflow,
      iterations: c.iterations,
      rng: new Generator(c.seed, "poisson-workflow", c.workflow),
    });
    return workflowRows(c, records);
  },
});

export default poissonRate;

Deno.test("a family defined in one file runs through a sweep file, the store's workers and a figure", async () => {
  const store = await Deno.makeTempDir({ prefix: "collapse-poisson-" });
  try {
    const text = formatSweep(poissonRate, { grid: "main", preset: "smoke" });
    assert.match(text, /rate: \{ value: 3 \} +# the true rate: a finite number > 0/);
    const sweep = parseSweep(text, { experiments: { poisson_rate: poissonRate } });
    assert.equal(sweep.configs.length, 3 * 3);
    const computed: unknown[] = [];
    const rows = await runGrid(poissonRate, sweep.configs, {
      storeDir: store,
      workers: 2,
      onComputed: (c) => computed.push(c),
    });
    assert.equal(computed.length, 9, "every run computed in a worker");
    assert.equal(rows.length, 9 * 6);
    assert(rows.every((r) => r.experimentVersion === 1 && typeof r.rate === "number"));
    computed.length = 0;
    assert.deepEqual(await runGrid(poissonRate, sweep.configs, { storeDir: store }), rows, "read back from the store");
    assert.equal(computed.length, 0);
    const band = meanWithBand(rows, { x: "iteration", y: "squaredError", groupBy: ["workflow"] }).map((r) => ({
      ...r,
      n: 10,
    }));
    const svg = await specToSvg(facetedLineChart(band, { title: "Poisson rate: squared error", yTitle: "error" }));
    assert.match(svg, /Poisson rate: squared error/);
    assert.match(svg, /Accumulate-Subsample/);
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});

Deno.test("the toy family's Replace is a martingale: E[rate_t] = rate, E[(rate_t - rate)^2] = t rate / n", async () => {
  // Each refit draws n counts of the current rate r: E = r, Var = r / n, so the fitted rate is a martingale whose
  // variance grows by rate / n per iteration.
  const rate = 3, n = 10, iterations = 6, seeds = 400;
  const last: number[] = [], squared: number[] = [];
  for (let s = 0; s < seeds; s++) {
    const rows = await poissonRate.runConfig({
      rate,
      samplesPerIteration: n,
      workflow: "Replace",
      seed: s,
      iterations,
    });
    last.push(rows.at(-1)!.rate as number);
    squared.push(rows.at(-1)!.squaredError as number);
  }
  const mean = meanAndStandardError(last);
  assert(Math.abs(mean.mean - rate) < 4 * mean.se, `${mean.mean} vs ${rate} (se ${mean.se})`);
  const error = meanAndStandardError(squared);
  const expected = iterations * rate / n;
  assert(Math.abs(error.mean - expected) < 4 * error.se, `${error.mean} vs ${expected} (se ${error.se})`);
});
