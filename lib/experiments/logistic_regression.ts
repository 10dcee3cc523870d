/**
 * Logistic regression refitted to its own labels (beyond the paper; the
 * fixed-design setting of the linear-regression experiment, with binary
 * labels, after Dey and Donoho): a fixed Gaussian design relabelled by each
 * ridge-penalised maximum-likelihood fit, under each workflow, for a grid of
 * dimensions and sample sizes.
 *
 * The truth w* (uniform on the sphere of radius `signal`, so that every
 * logit x^T w* is N(0, signal^2) whatever d), the design X0 and the test
 * inputs depend only on (seed, d, n), and so do the real labels: the
 * workflows of one seed share them. Fresh real labels are new draws from the
 * true probabilities on design rows chosen without replacement.
 *
 * Grids: the main grid (notebook 10), fresh real labels (notebook 08) and
 * verified synthetic labels (notebook 09).
 *
 * @module
 */

import {
  DEFAULT_RIDGE,
  fitLogistic,
  labelLogLikelihoods,
  labelRows,
  logisticRegressionEstimator,
} from "../models/logistic_regression.ts";
import type { LabelSet } from "../models/linear_regression.ts";
import { matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { runWorkflow, WORKFLOWS } from "../workflows/mod.ts";
import { defineExperiment, type Grid, presets, seeds, workflowRows } from "./define.ts";
import { integer, real, seed } from "./fields.ts";
import {
  checkVerifier,
  FRESH_FRACTIONS,
  verifierFields,
  verifierRule,
  WORKFLOW_FIELDS,
  workflowStream,
} from "./workflow_fields.ts";

/** Test inputs of every run (scored against their true probabilities, no label noise). */
export const TEST_POINTS = 1000;

const PAPER_GRID = {
  dim: { values: [1, 3, 10, 32, 100] },
  samplesPerIteration: { values: [10, 32, 100, 316, 1000] },
  workflow: { values: [...WORKFLOWS] },
  seed: seeds(100),
  iterations: { value: 100 },
} satisfies Grid;

/** Fresh real labels (notebook 08): d = 10, n from 10 d to 100 d, the fraction alpha of fresh labels. */
const FRESH_GRID = {
  ...PAPER_GRID,
  dim: { value: 10 },
  samplesPerIteration: { values: [100, 1000] },
  workflow: { value: "Fresh" },
  freshFraction: { values: FRESH_FRACTIONS },
} satisfies Grid;

/** Verified synthetic labels (notebook 09): the paper's workflows, each verifier keeping the best fraction q. */
const VERIFIED_GRID = {
  ...PAPER_GRID,
  dim: { value: 10 },
  samplesPerIteration: { value: 100 },
  verifier: { values: ["oracle", "first-fit"] },
  verifierFraction: { values: [0.25, 0.75] },
} satisfies Grid;

const logisticRegression = defineExperiment({
  name: "logistic_regression",
  version: 1,
  module: import.meta.url,
  description: "ridge-penalised logistic regression on a fixed design, relabelled by its own fits",
  fields: {
    dim: integer({ doc: "dimension d of the inputs" }),
    samplesPerIteration: integer({ doc: "n: rows of the fixed design, and labels drawn per iteration" }),
    ...WORKFLOW_FIELDS,
    seed: seed(),
    iterations: integer({ doc: "model-fitting iterations (the first fits the real labels)" }),
    signal: real({ greaterThan: 0, default: 2, doc: "|w*|: every true logit x^T w* is N(0, signal^2)" }),
    ridge: real({ greaterThan: 0, default: DEFAULT_RIDGE, doc: "lambda of the penalty (lambda / 2) |w|^2" }),
    ...verifierFields(["oracle", "first-fit"]),
  },
  check: checkVerifier,
  grids: {
    main: presets(PAPER_GRID, {
      smoke: {
        dim: { values: [1, 10] },
        samplesPerIteration: { values: [32, 100] },
        seed: seeds(3),
        iterations: { value: 20 },
      },
      default: { dim: { values: [1, 3, 10] }, seed: seeds(10), iterations: { value: 50 } },
    }),
    fresh: presets(FRESH_GRID, {
      smoke: { seed: seeds(3), iterations: { value: 20 } },
      default: { seed: seeds(20), iterations: { value: 50 } },
    }),
    verified: presets(VERIFIED_GRID, {
      smoke: { seed: seeds(3), iterations: { value: 20 } },
      default: { seed: seeds(20), iterations: { value: 50 } },
    }),
  },
  // Newton steps (about ten per fit) each build an n x d Hessian and factor it; a verifier's fraction q draws and
  // scores n / q labels (d each) per iteration.
  cost: ({ dim: d, samplesPerIteration: n, iterations, verifierFraction: q }) =>
    iterations * (10 * (n * d * d + d ** 3) + (q === undefined ? 0 : (n / q) * d)) + TEST_POINTS * d,
  example: { dim: 3, samplesPerIteration: 20, workflow: "Accumulate-Subsample", seed: 0, iterations: 8 },
  run: async (c) => {
    const d = c.dim, n = c.samplesPerIteration;
    const designRng = new Rng(c.seed, "logistic-design", d, n);
    const trueWeights = designRng.fillNormal(new Float64Array(d));
    const length = Math.hypot(...trueWeights);
    for (let j = 0; j < d; j++) trueWeights[j] *= c.signal / length;
    const design = matrix(n, d, designRng.fillNormal(new Float64Array(n * d)));
    const testDesign = matrix(TEST_POINTS, d, designRng.fillNormal(new Float64Array(TEST_POINTS * d)));
    const real = labelRows(design, { weights: trueWeights, count: n, rng: new Rng(c.seed, "logistic-labels", d, n) });
    const freshRng = new Rng(c.seed, "logistic-fresh", d, n);
    const fresh = c.freshFraction === undefined ? undefined : {
      fraction: c.freshFraction,
      draw: (count: number) => labelRows(design, { weights: trueWeights, count, rng: freshRng }),
    };
    // A synthetic label is scored by its likelihood under the true probabilities or under the first fit.
    const judge = c.verifier === undefined
      ? undefined
      : c.verifier === "oracle"
      ? trueWeights
      : fitLogistic(real, { ridge: c.ridge }).weights;
    const verifier = judge &&
      { score: (set: LabelSet) => labelLogLikelihoods(set, judge), rule: verifierRule(c), budget: c.verifierBudget };
    const estimator = logisticRegressionEstimator({ trueWeights, design, testDesign, ridge: c.ridge });
    const records = await runWorkflow(estimator, real, {
      workflow: c.workflow,
      iterations: c.iterations,
      rng: new Rng(c.seed, "logistic-workflow", workflowStream(c.workflow), d, n),
      fresh,
      verifier,
    });
    return workflowRows(c, records);
  },
});

export default logisticRegression;
