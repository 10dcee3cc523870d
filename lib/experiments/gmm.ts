/**
 * Gaussian mixtures refitted to their own samples (beyond the paper; after
 * Shumailov et al., "The curse of recursion", section 4): a k-component GMM
 * fitted by EM to n real points of a known 2-D mixture or of one of the KDE
 * experiment's toy data sets, then refitted under each workflow, scored at
 * every iteration on 500 real test points drawn once per run.
 *
 * Streams: the test set (and the blob centres) depend on (seed, dataset);
 * the n real points on (seed, dataset, n), so the workflows of one seed start
 * from the same real data and, EM's start being keyed by its data
 * (lib/models/gmm.ts), from the same first fit. Fresh real points come from
 * the truth for the known mixture, and without replacement from a pool drawn
 * once per run for the toy data sets (whose generators space points evenly
 * along their curves: a small batch of them is not a sample of the truth).
 *
 * Metrics: `testNll`, `minWeight`, `liveComponents` (weight > 1/(10k)),
 * `emIterations`; `mmd2`, the exact MMD² to the truth where it is a mixture
 * (the known one, the blobs); `mmd2Test`, MMD² to the test set (unbiased for
 * i.i.d. test points, as the known mixture's; the toy generators' stratified
 * or evenly spaced points bias it by O(1/500)).
 *
 * Grids: the main grid (notebook 10), fresh real data (notebook 08) and
 * verified synthetic data (notebook 09; the oracle scores by the true density,
 * so only the truths that are mixtures: the known one and the blobs).
 *
 * @module
 */

import { fitGmm, GMM_DEFAULTS, gmmEstimator, gmmLogDensity } from "../models/gmm.ts";
import { gmmMmd2, gmmMmd2ToSample, mmdSample } from "../models/gmm_mmd.ts";
import { GMM_DATASETS, mixtureDataset } from "../models/mixture_datasets.ts";
import type { Matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { freshFromPool } from "../workflows/fresh_pool.ts";
import { runWorkflow, WORKFLOWS } from "../workflows/mod.ts";
import { defineExperiment, type Grid, presets, seeds, workflowRows } from "./define.ts";
import { choice, integer, real, seed } from "./fields.ts";
import {
  checkVerifier,
  FRESH_FRACTIONS,
  verifierFields,
  verifierRule,
  WORKFLOW_FIELDS,
  workflowStream,
} from "./workflow_fields.ts";

/** Real test points per run. */
export const TEST_POINTS = 500;

/** Data sets whose truth is a Gaussian mixture (the blobs: equal weights, N(centre, I)): MMD² and the oracle. */
const MIXTURE_TRUTH: readonly string[] = ["mixture", "blobs"];

const PAPER_GRID = {
  dataset: { values: [...GMM_DATASETS] },
  components: { value: 3 },
  samplesPerIteration: { values: [10, 32, 100, 316, 1000] },
  workflow: { values: [...WORKFLOWS] },
  seed: seeds(100),
  iterations: { value: 100 },
} satisfies Grid;

/** Fresh real data (notebook 08): every truth, n = 100, the fraction alpha of fresh points per training set. */
const FRESH_GRID = {
  ...PAPER_GRID,
  samplesPerIteration: { value: 100 },
  workflow: { value: "Fresh" },
  freshFraction: { values: FRESH_FRACTIONS },
} satisfies Grid;

/** Verified synthetic data (notebook 09): the mixture truths, the paper's workflows, each verifier keeping q. */
const VERIFIED_GRID = {
  ...PAPER_GRID,
  dataset: { values: MIXTURE_TRUTH },
  samplesPerIteration: { value: 100 },
  verifier: { values: ["oracle", "first-fit"] },
  verifierFraction: { values: [0.25, 0.75] },
} satisfies Grid;

const gmm = defineExperiment({
  name: "gmm",
  version: 1,
  module: import.meta.url,
  description: "a Gaussian mixture fitted by EM, refitted to its own samples, scored on real test points",
  fields: {
    dataset: choice(GMM_DATASETS, { doc: "the truth: the known 2-D mixture or a toy data set" }),
    components: integer({ doc: "k, the fitted mixture's components" }),
    samplesPerIteration: integer({ doc: "n: real points, and synthetic points drawn per iteration (>= k)" }),
    ...WORKFLOW_FIELDS,
    seed: seed(),
    iterations: integer({ doc: "model-fitting iterations (the first fits the real data)" }),
    varianceFloor: real({
      greaterThan: 0,
      default: GMM_DEFAULTS.varianceFloor,
      doc: "added to every covariance's diagonal",
    }),
    mmdBandwidth: real({ greaterThan: 0, default: 1, doc: "l of the MMD kernel exp(-|x - y|^2 / (2 l^2))" }),
    ...verifierFields(["oracle", "first-fit"]),
  },
  check: (c) => {
    if (c.samplesPerIteration < c.components) {
      throw new RangeError(
        `samplesPerIteration must be >= components (${c.components}): EM needs k points, got ${c.samplesPerIteration}`,
      );
    }
    if (c.verifier === "oracle" && !MIXTURE_TRUTH.includes(c.dataset)) {
      throw new RangeError(
        `verifier "oracle" needs a known density: dataset "mixture" or "blobs", got "${c.dataset}" (use "first-fit")`,
      );
    }
    checkVerifier(c);
  },
  grids: {
    main: presets(PAPER_GRID, {
      smoke: {
        dataset: { values: ["mixture", "moons"] },
        samplesPerIteration: { values: [20, 100] },
        seed: seeds(3),
        iterations: { value: 20 },
      },
      default: { samplesPerIteration: { values: [10, 32, 100] }, seed: seeds(10), iterations: { value: 50 } },
    }),
    fresh: presets(FRESH_GRID, {
      smoke: { dataset: { values: ["mixture", "moons"] }, seed: seeds(3), iterations: { value: 20 } },
      default: { seed: seeds(10), iterations: { value: 50 } },
    }),
    verified: presets(VERIFIED_GRID, {
      smoke: { seed: seeds(3), iterations: { value: 20 } },
      // Accumulate refits the whole pool by EM: 8 seeds keep this grid near 20 s on 2 cores.
      default: { seed: seeds(8), iterations: { value: 50 } },
    }),
  },
  // Points fitted (k-means restarts and EM scan each): n per iteration, t n at iteration t under Accumulate; a
  // verifier's fraction q draws and scores n / q points per iteration.
  cost: ({ samplesPerIteration: n, iterations: t, workflow, components: k, verifierFraction: q }) =>
    k * (n * (workflow === "Accumulate" ? (t * (t + 1)) / 2 : t) + TEST_POINTS * t + (q === undefined ? 0 : t * n / q)),
  example: {
    dataset: "mixture",
    components: 3,
    samplesPerIteration: 20,
    workflow: "Accumulate",
    seed: 0,
    iterations: 5,
  },
  run: async (c) => {
    const n = c.samplesPerIteration;
    const { sample, truth } = mixtureDataset(c.dataset, new Rng(c.seed, "gmm-data", c.dataset));
    const test = sample(TEST_POINTS, new Rng(c.seed, "gmm-test", c.dataset));
    const real = sample(n, new Rng(c.seed, "gmm-real", c.dataset, n));
    const freshRng = new Rng(c.seed, "gmm-fresh", c.dataset, n);
    const fresh = c.freshFraction === undefined ? undefined : {
      fraction: c.freshFraction,
      draw: truth
        ? (count: number) => sample(count, freshRng)
        // Every fresh point the run can ask for: (iterations - 1) batches of round(fraction n).
        : freshFromPool(sample(Math.max(2, (c.iterations - 1) * Math.round(c.freshFraction * n)), freshRng), freshRng),
    };
    const options = { components: c.components, seed: c.seed, varianceFloor: c.varianceFloor };
    const reference = mmdSample(test, { bandwidth: c.mmdBandwidth });
    const estimator = gmmEstimator(test, {
      ...options,
      extraMetrics: (model) => ({
        mmd2Test: gmmMmd2ToSample(model, reference),
        ...(truth ? { mmd2: gmmMmd2(model, truth, { bandwidth: c.mmdBandwidth }) } : {}),
      }),
    });
    // The oracle scores by the true density; the first fit (iteration 1's model) is a fixed judge.
    const judge = c.verifier === undefined ? undefined : c.verifier === "oracle" ? truth! : fitGmm(real, options);
    const verifier = judge &&
      { score: (x: Matrix) => gmmLogDensity(judge, x), rule: verifierRule(c), budget: c.verifierBudget };
    const records = await runWorkflow(estimator, real, {
      workflow: c.workflow,
      iterations: c.iterations,
      rng: new Rng(c.seed, "gmm-workflow", c.dataset, workflowStream(c.workflow), n, c.components),
      fresh,
      verifier,
    });
    return workflowRows(c, records);
  },
});

export default gmm;
