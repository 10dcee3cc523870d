/**
 * The paper's discrete-distribution experiment (section 6; original notebook
 * 13): a fair k-sided die, n rolls per iteration, the empirical proportions as
 * the fit, under each workflow. Two grids: entropy curves over 100 iterations
 * ("main"), and Replace runs continued until the entropy falls below 1e-8 or a
 * cap of a million iterations ("collapse"), to time the collapse.
 *
 * The real rolls depend only on (seed, k, n), so the three workflows of a seed
 * share them, and a collapse run repeats the entropy run of the same
 * (seed, k, n) under Replace before continuing it.
 *
 * @module
 */

import { discreteEstimator, rollFairDie } from "../models/discrete.ts";
import { Rng } from "../numerics/rng.ts";
import { runWorkflow, WORKFLOWS } from "../workflows/mod.ts";
import { defineExperiment, type Grid, workflowRows } from "./define.ts";
import { choice, integer, real, seed } from "./fields.ts";

/** The entropy threshold (nats) of the paper's collapse time. */
export const COLLAPSE_THRESHOLD = 1e-8;

const MAIN = {
  sides: { values: [10, 100, 1000, 10_000, 100_000] },
  samplesPerIteration: { values: [10, 100, 1000, 10_000, 100_000] },
  workflow: { values: [...WORKFLOWS] },
  seed: { min: 0, max: 99 },
  iterations: { value: 100 },
  stopBelowEntropy: { value: 0 },
} satisfies Grid;

const COLLAPSE = {
  ...MAIN,
  workflow: { value: "Replace" },
  iterations: { value: 1_000_000 },
  stopBelowEntropy: { value: COLLAPSE_THRESHOLD },
} satisfies Grid;

const discrete = defineExperiment({
  name: "discrete",
  version: 1,
  module: import.meta.url,
  description: "a k-sided die refitted to its own rolls (empirical proportions)",
  fields: {
    sides: integer({ doc: "k, the number of sides of the die" }),
    samplesPerIteration: integer({ doc: "n, rolls per iteration" }),
    workflow: choice(WORKFLOWS, { doc: "what each iteration trains on" }),
    seed: seed(),
    iterations: integer({ doc: "model-fitting iterations, or the cap when stopping early" }),
    stopBelowEntropy: real({
      min: 0,
      default: 0,
      doc: "stop after the first iteration whose entropy (nats) is below this; 0 never stops",
    }),
  },
  grids: {
    main: {
      smoke: {
        ...MAIN,
        sides: { values: [10, 1000] },
        samplesPerIteration: { values: [10, 1000] },
        seed: { min: 0, max: 2 },
        iterations: { value: 20 },
      },
      default: { ...MAIN, seed: { min: 0, max: 4 } },
      paper: MAIN,
    },
    collapse: {
      smoke: {
        ...COLLAPSE,
        sides: { values: [10, 1000] },
        samplesPerIteration: { values: [10, 100] },
        seed: { min: 0, max: 2 },
        iterations: { value: 2000 },
      },
      default: { ...COLLAPSE, seed: { min: 0, max: 4 } },
      paper: COLLAPSE,
    },
  },
  example: { sides: 10, samplesPerIteration: 20, workflow: "Accumulate-Subsample", seed: 0, iterations: 10 },
  run: async (c) => {
    const k = c.sides, n = c.samplesPerIteration;
    const real = rollFairDie(new Rng(c.seed, "die-data", k, n), { sides: k, count: n });
    const records = await runWorkflow(discreteEstimator(k), real, {
      workflow: c.workflow,
      iterations: c.iterations,
      rng: new Rng(c.seed, "die-workflow", c.workflow, k, n),
      onIteration: (record) => !(record.metrics.entropy < c.stopBelowEntropy),
    });
    const last = records.length;
    // Whether the run stopped because the entropy fell below the threshold (the same on every row).
    const collapsed = records[last - 1].metrics.entropy < c.stopBelowEntropy ? 1 : 0;
    return workflowRows(c, records.filter((r) => isStoredIteration(r.iteration, last)), () => ({ collapsed }));
  },
});

export default discrete;

/**
 * Whether iteration `t` of a run ending at `last` is stored: every iteration up
 * to 1000, then about 20 per decade (log-spaced), and always the last.
 */
export function isStoredIteration(t: number, last: number): boolean {
  if (t <= 1000 || t === last) return true;
  const j = Math.round(20 * Math.log10(t));
  return t === Math.round(10 ** (j / 20));
}
