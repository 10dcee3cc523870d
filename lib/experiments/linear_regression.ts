/**
 * The paper's linear-regression experiment (section 3; original notebook 07,
 * setting of Gerstgrasser et al. 2024): a fixed Gaussian design relabelled by
 * each fit, 100 model-fitting iterations under each workflow, for a grid of
 * dimensions, sample sizes and noise levels. Grids: the main grid (notebook
 * 03), fresh real data (notebook 08) and verified synthetic data (notebook 09).
 *
 * Beyond the paper (linear_regression_run.ts): in this fixed-design setting a
 * real point is a real label of a design row, so the "Fresh" workflow's fresh
 * real data are new real labels X0 w* + eps of the FIRST round(alpha n)
 * design rows at every iteration (the fit's labels cover the rest): every
 * training set still labels each row once, the design's factorization is
 * reused, and the expectations have an exact recursion
 * (linear_regression_theory.ts). Verifiers score a synthetic label by its
 * log-likelihood N(y; x^T w, sigma^2) under the truth w* ("oracle") or the
 * first fit ("first-fit").
 *
 * The truth w*, the design X0 and the test points depend only on (seed, d, n),
 * so the three workflows and the three noise levels of one seed share them;
 * the three workflows of one (seed, sigma^2) also share the real labels.
 *
 * @module
 */

import { linearRegressionEstimator } from "../models/linear_regression.ts";
import { runWorkflow, WORKFLOWS } from "../workflows/mod.ts";
import { defineExperiment, type Grid, presets, seeds, workflowRows } from "./define.ts";
import { integer, real, seed } from "./fields.ts";
import { linearRegressionRun } from "./linear_regression_run.ts";
import { checkVerifier, FRESH_FRACTIONS, verifierFields, WORKFLOW_FIELDS } from "./workflow_fields.ts";

export { linearRegressionSetting, TEST_POINTS } from "./linear_regression_run.ts";

const PAPER_GRID = {
  dim: { values: [1, 3, 10, 32, 100] },
  samplesPerIteration: { values: [10, 32, 100, 316, 1000] },
  sigmaSquared: { values: [0.1, 1, 10] },
  workflow: { values: [...WORKFLOWS] },
  seed: seeds(100),
  iterations: { value: 100 },
} satisfies Grid;

/** Fresh real labels (notebook 08): d = 10, n below, at and far above 10 / alpha. */
const FRESH = {
  ...PAPER_GRID,
  dim: { value: 10 },
  samplesPerIteration: { values: [32, 100, 1000] },
  sigmaSquared: { value: 1 },
  workflow: { value: "Fresh" },
  freshFraction: { values: FRESH_FRACTIONS },
} satisfies Grid;

/** Verified synthetic labels (notebook 09): the paper's workflows, each verifier keeping the best fraction q. */
const VERIFIED = {
  ...PAPER_GRID,
  dim: { value: 10 },
  samplesPerIteration: { value: 100 },
  sigmaSquared: { value: 1 },
  verifier: { values: ["oracle", "first-fit"] },
  verifierFraction: { values: [0.25, 0.75] },
} satisfies Grid;

const linearRegression = defineExperiment({
  name: "linear_regression",
  version: 1,
  module: import.meta.url,
  description: "minimum-norm least squares on a fixed design, relabelled by its own fits",
  fields: {
    dim: integer({ doc: "dimension d of the inputs" }),
    samplesPerIteration: integer({ doc: "n: rows of the fixed design, and labels drawn per iteration" }),
    sigmaSquared: real({ min: 0, doc: "label noise variance sigma^2" }),
    ...WORKFLOW_FIELDS,
    seed: seed(),
    iterations: integer({ doc: "model-fitting iterations (the first fits the real labels)" }),
    ...verifierFields(["oracle", "first-fit"]),
  },
  check: (c) => {
    checkVerifier(c);
    if (c.verifier !== undefined && c.sigmaSquared === 0) {
      throw new RangeError(
        `verifier "${c.verifier}" scores labels by their likelihood N(x^T w, sigma^2), which needs sigmaSquared > 0`,
      );
    }
  },
  grids: {
    main: presets(PAPER_GRID, {
      smoke: {
        dim: { values: [1, 10] },
        samplesPerIteration: { values: [10, 32, 100] },
        sigmaSquared: { value: 1 },
        seed: seeds(3),
        iterations: { value: 20 },
      },
      default: { seed: seeds(20) },
    }),
    fresh: presets(FRESH, { smoke: { seed: seeds(3), iterations: { value: 20 } }, default: { seed: seeds(20) } }),
    verified: presets(VERIFIED, { smoke: { seed: seeds(3), iterations: { value: 20 } }, default: { seed: seeds(20) } }),
  },
  // Estimated nanoseconds on this project's 2-core machine (a fit to measured runs): Accumulate-Subsample tallies
  // its n drawn rows and solves the normal equations of the ~0.63 n distinct ones (their Gram, a pivoted Cholesky
  // and, when rank deficient, L^T L); the others relabel the design and solve with its factorization, done once.
  // A verifier scores its n / q draws (d each) and fits the kept rows' normal equations.
  cost: ({ dim: d, samplesPerIteration: n, iterations, workflow, verifier, verifierFraction }) => {
    const flops = (m: number) => 0.15 * m, k = Math.min(0.63 * n, d);
    const drawn = verifier === undefined ? 0 : n / ((verifierFraction as number) ?? 1);
    const verified = verifier === undefined ? 0 : 40 * drawn + 2 * drawn * d + flops((n * d * d) / 2);
    const perIteration = workflow === "Accumulate-Subsample"
      ? 8700 + 39 * n + 1.8 * n * d + flops((0.63 * n * d * d) / 2 + d ** 3 / 6 + (d * k * k) / 2)
      : 6500 + 0.76 * (n * d + d * d);
    return iterations * (perIteration + verified) + 5.3 * (d ** 3 / 6) + 50_000;
  },
  example: {
    dim: 3,
    samplesPerIteration: 10,
    sigmaSquared: 1,
    workflow: "Accumulate-Subsample",
    seed: 0,
    iterations: 10,
  },
  run: async (c) => {
    const { setting, real, options } = linearRegressionRun(c);
    return workflowRows(c, await runWorkflow(linearRegressionEstimator(setting), real, options));
  },
});

export default linearRegression;
