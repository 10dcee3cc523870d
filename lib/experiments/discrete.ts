/**
 * The paper's discrete-distribution experiment (section 6; original notebook
 * 13): a fair k-sided die, n rolls per iteration, the empirical proportions as
 * the fit, under each workflow. Two grids: entropy curves over 100 iterations
 * ("main"), and Replace runs continued until the entropy falls below 1e-8 or a
 * cap of a million iterations ("collapse"), to time the collapse.
 *
 * Grids "fresh" and "verified" (notebooks 08 and 09) go beyond the paper. The
 * "Fresh" workflow's fresh real data are new fair rolls, from a stream of
 * their own. The one verifier, "first-fit", scores a synthetic roll by the
 * real rolls' proportion of its outcome (0 for an outcome the real data never
 * showed). An oracle would score by the true probability, which is 1/k for
 * every outcome: it cannot tell rolls apart (a threshold keeps all or none, a
 * top fraction only the tie-break's arbitrary order), so none is offered. The
 * top-fraction rule's ties, inevitable with a score per outcome, go to the
 * lower outcomes (the draw order of the sampler).
 *
 * The real rolls depend only on (seed, k, n), so the three workflows of a seed
 * share them, and a collapse run repeats the entropy run of the same
 * (seed, k, n) under Replace before continuing it.
 *
 * @module
 */

import { type Counts, discreteEstimator, rollFairDie } from "../models/discrete.ts";
import { Rng } from "../numerics/rng.ts";
import { type FreshData, runWorkflow, WORKFLOWS } from "../workflows/mod.ts";
import type { Verifier } from "../workflows/verify.ts";
import { onLogGrid } from "../workflows/schedule.ts";
import { defineExperiment, type Grid, presets, seeds, workflowRows } from "./define.ts";
import { type Config, integer, real, seed } from "./fields.ts";
import {
  checkVerifier,
  FRESH_FRACTIONS,
  verifiedDraws,
  verifierFields,
  verifierRule,
  WORKFLOW_FIELDS,
  workflowStream,
} from "./workflow_fields.ts";

/** The entropy threshold (nats) of the paper's collapse time. */
export const COLLAPSE_THRESHOLD = 1e-8;

const MAIN = {
  sides: { values: [10, 100, 1000, 10_000, 100_000] },
  samplesPerIteration: { values: [10, 100, 1000, 10_000, 100_000] },
  workflow: { values: [...WORKFLOWS] },
  seed: seeds(100),
  iterations: { value: 100 },
  stopBelowEntropy: { value: 0 },
} satisfies Grid;

const COLLAPSE = {
  ...MAIN,
  workflow: { value: "Replace" },
  iterations: { value: 1_000_000 },
  stopBelowEntropy: { value: COLLAPSE_THRESHOLD },
} satisfies Grid;

/** Fresh fair rolls (notebook 08): a 100-sided die, n from 10 to 1000, the fraction alpha of fresh rolls. */
const FRESH = {
  ...MAIN,
  sides: { value: 100 },
  samplesPerIteration: { values: [10, 100, 1000] },
  workflow: { value: "Fresh" },
  freshFraction: { values: FRESH_FRACTIONS },
} satisfies Grid;

/** Verified rolls (notebook 09): the paper's workflows, the first fit keeping the best fraction q. */
const VERIFIED = {
  ...MAIN,
  sides: { value: 100 },
  samplesPerIteration: { value: 100 },
  verifier: { value: "first-fit" },
  verifierFraction: { values: [0.25, 0.75] },
} satisfies Grid;

const discrete = defineExperiment({
  name: "discrete",
  version: 1,
  module: import.meta.url,
  description: "a k-sided die refitted to its own rolls (empirical proportions)",
  fields: {
    sides: integer({ doc: "k, the number of sides of the die" }),
    samplesPerIteration: integer({ doc: "n, rolls per iteration" }),
    ...WORKFLOW_FIELDS,
    seed: seed(),
    iterations: integer({ doc: "model-fitting iterations, or the cap when stopping early" }),
    stopBelowEntropy: real({
      min: 0,
      default: 0,
      doc: "stop after the first iteration whose entropy (nats) is below this; 0 never stops",
    }),
    ...verifierFields(["first-fit"]),
  },
  check: checkVerifier,
  grids: {
    main: presets(MAIN, {
      smoke: {
        sides: { values: [10, 1000] },
        samplesPerIteration: { values: [10, 1000] },
        seed: seeds(3),
        iterations: { value: 20 },
      },
      default: { seed: seeds(5) },
    }),
    collapse: presets(COLLAPSE, {
      smoke: {
        sides: { values: [10, 1000] },
        samplesPerIteration: { values: [10, 100] },
        seed: seeds(3),
        iterations: { value: 2000 },
      },
      default: { seed: seeds(5) },
    }),
    fresh: presets(FRESH, { smoke: { seed: seeds(3), iterations: { value: 20 } }, default: { seed: seeds(30) } }),
    verified: presets(VERIFIED, { smoke: { seed: seeds(3), iterations: { value: 20 } }, default: { seed: seeds(30) } }),
  },
  example: { sides: 10, samplesPerIteration: 20, workflow: "Accumulate-Subsample", seed: 0, iterations: 10 },
  // About nanoseconds: per iteration, an overhead, the multinomial's min(n, k) outcomes drawn and tallied, and the
  // rolls (fitted to the main grid's runs by least squares on the relative error; within 3.6x of every one). A
  // collapse run stops near the neutral Wright-Fisher fixation time, about 2 n ln(types) iterations.
  cost: (c) => {
    const k = c.sides, n = c.verifier === undefined ? c.samplesPerIteration : verifiedDraws(c), types = Math.min(n, k);
    const rolls = n * Math.log2(types + 1);
    const perIteration = c.workflow === "Accumulate-Subsample"
      ? 9000 + 30 * n + 55 * types + 2 * k + 0.4 * rolls
      : c.workflow === "Accumulate"
      ? 3300 + 74 * types + 0.2 * rolls
      : 1600 + 8 * types + 0.25 * rolls;
    const iterations = c.stopBelowEntropy > 0
      ? Math.min(c.iterations, 2 * n * Math.log(Math.max(types, 2)) + 10)
      : c.iterations;
    return iterations * perIteration;
  },
  run: async (c) => {
    const k = c.sides, n = c.samplesPerIteration;
    const real = rollFairDie(new Rng(c.seed, "die-data", k, n), { sides: k, count: n });
    const records = await runWorkflow(discreteEstimator(k), real, {
      workflow: c.workflow,
      iterations: c.iterations,
      // Fresh draws its synthetic rolls from Replace's stream: freshFraction 0 is Replace bit for bit.
      rng: new Rng(c.seed, "die-workflow", workflowStream(c.workflow), k, n),
      fresh: freshRolls(c),
      verifier: firstFitVerifier(c, real),
      onIteration: (record) => !(record.metrics.entropy < c.stopBelowEntropy),
      // The stored iterations (the last is kept whatever it is): a collapse run keeps a few thousand of a million.
      retain: (t) => isStoredIteration(t, Infinity),
    });
    const last = records[records.length - 1].iteration;
    // Whether the run stopped because the entropy fell below the threshold (the same on every row).
    const collapsed = records[records.length - 1].metrics.entropy < c.stopBelowEntropy ? 1 : 0;
    return workflowRows(c, records.filter((r) => isStoredIteration(r.iteration, last)), () => ({ collapsed }));
  },
});

export default discrete;

/**
 * Whether iteration `t` of a run ending at `last` is stored: every iteration up
 * to 1000, then about 20 per decade (log-spaced), and always the last.
 */
export function isStoredIteration(t: number, last: number): boolean {
  return t <= 1000 || t === last || onLogGrid(t, 20);
}

/** The "Fresh" workflow's fresh fair rolls, from a stream of their own (undefined for the other workflows). */
function freshRolls(c: Config): FreshData<Counts> | undefined {
  if (c.freshFraction === undefined) return undefined;
  const [k, n] = [c.sides as number, c.samplesPerIteration as number];
  const rng = new Rng(c.seed as number, "die-fresh", k, n);
  return { fraction: c.freshFraction as number, draw: (count) => rollFairDie(rng, { sides: k, count }) };
}

/**
 * The first-fit verifier's scores: each roll of `rolls` scores the real rolls'
 * proportion of its outcome (0 for an outcome they never showed), one score
 * per roll in the counts' layout (outcome order, as the pools select positions).
 */
export function firstFitScores(real: Counts, rolls: Counts): Float64Array {
  const proportion = new Map<number, number>();
  real.outcomes.forEach((outcome, i) => proportion.set(outcome, real.counts[i] / real.total));
  const out = new Float64Array(rolls.total);
  let position = 0;
  rolls.outcomes.forEach((outcome, i) => {
    out.fill(proportion.get(outcome) ?? 0, position, position + rolls.counts[i]);
    position += rolls.counts[i];
  });
  return out;
}

/** The first-fit verifier of a configuration (undefined without one). */
function firstFitVerifier(c: Config, real: Counts): Verifier<Counts> | undefined {
  if (c.verifier === undefined) return undefined;
  return { score: (rolls) => firstFitScores(real, rolls), rule: verifierRule(c), budget: c.verifierBudget as number };
}
