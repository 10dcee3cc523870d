/**
 * The paper's linear-regression experiment (section 3; original notebook 07,
 * setting of Gerstgrasser et al. 2024): a fixed Gaussian design relabelled by
 * each fit, 100 model-fitting iterations under each workflow, for a grid of
 * dimensions, sample sizes and noise levels.
 *
 * The truth w*, the design X0 and the test points depend only on (seed, d, n),
 * so the three workflows and the three noise levels of one seed share them;
 * the three workflows of one (seed, sigma^2) also share the real labels.
 *
 * @module
 */

import { labelDesign, linearRegressionEstimator } from "../models/linear_regression.ts";
import { matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { runWorkflow, WORKFLOWS } from "../workflows/mod.ts";
import { defineExperiment, type Grid, workflowRows } from "./define.ts";
import { choice, integer, real, seed } from "./fields.ts";

/** Test points of every run (noiseless labels). */
export const TEST_POINTS = 1000;

const PAPER_GRID = {
  dim: { values: [1, 3, 10, 32, 100] },
  samplesPerIteration: { values: [10, 32, 100, 316, 1000] },
  sigmaSquared: { values: [0.1, 1, 10] },
  workflow: { values: [...WORKFLOWS] },
  seed: { min: 0, max: 99 },
  iterations: { value: 100 },
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
    workflow: choice(WORKFLOWS, { doc: "what each iteration trains on" }),
    seed: seed(),
    iterations: integer({ doc: "model-fitting iterations (the first fits the real labels)" }),
  },
  grids: {
    main: {
      smoke: {
        ...PAPER_GRID,
        dim: { values: [1, 10] },
        samplesPerIteration: { values: [10, 32, 100] },
        sigmaSquared: { value: 1 },
        seed: { min: 0, max: 2 },
        iterations: { value: 20 },
      },
      default: { ...PAPER_GRID, seed: { min: 0, max: 19 } },
      paper: PAPER_GRID,
    },
  },
  // Accumulate-Subsample rebuilds the normal equations of n rows each iteration (n d^2); the others relabel the
  // design and solve with a factorization done once (n d + d^2).
  cost: ({ dim: d, samplesPerIteration: n, iterations, workflow }) =>
    iterations * (workflow === "Accumulate-Subsample" ? n * d * d : n * d + d * d) + d ** 3,
  example: {
    dim: 3,
    samplesPerIteration: 10,
    sigmaSquared: 1,
    workflow: "Accumulate-Subsample",
    seed: 0,
    iterations: 10,
  },
  run: async (c) => {
    const d = c.dim, n = c.samplesPerIteration;
    const designRng = new Rng(c.seed, "linreg-design", d, n);
    const trueWeights = designRng.fillNormal(new Float64Array(d));
    const design = matrix(n, d, designRng.fillNormal(new Float64Array(n * d)));
    const testDesign = matrix(TEST_POINTS, d, designRng.fillNormal(new Float64Array(TEST_POINTS * d)));
    const setting = { trueWeights, design, sigmaSquared: c.sigmaSquared, testDesign };
    const real = labelDesign(setting, {
      weights: trueWeights,
      rng: new Rng(c.seed, "linreg-labels", d, n, c.sigmaSquared),
    });
    const records = await runWorkflow(linearRegressionEstimator(setting), real, {
      workflow: c.workflow,
      iterations: c.iterations,
      rng: new Rng(c.seed, "linreg-workflow", c.workflow, d, n, c.sigmaSquared),
    });
    return workflowRows(c, records);
  },
});

export default linearRegression;
