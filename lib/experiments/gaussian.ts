/**
 * The paper's multivariate Gaussian experiment (section 1; original notebooks
 * 00 and 05): truth N(0, sigma^2 I), n real samples, 100 model-fitting
 * iterations under each workflow, for a grid of dimensions and sample sizes.
 * Grids "fresh" and "verified" (notebooks 08 and 09) go beyond the paper.
 *
 * The real data depend only on (seed, dim, n), so the three workflows of one
 * seed start from the same real sample (and the two sampling modes from the
 * same first fit).
 *
 * @module
 */

import { fitGaussian, gaussianEstimator, gaussianSummaryEstimator, summarize } from "../models/gaussian.ts";
import { gaussianLogDensity } from "../models/gaussian_likelihood.ts";
import { type Matrix, matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { runWorkflow, WORKFLOWS } from "../workflows/mod.ts";
import { defineExperiment, type Grid, presets, seeds, workflowRows } from "./define.ts";
import { choice, type Config, integer, real, seed } from "./fields.ts";
import {
  checkVerifier,
  FRESH_FRACTIONS,
  verifierFields,
  verifierRule,
  WORKFLOW_FIELDS,
  workflowStream,
} from "./workflow_fields.ts";

/** How synthetic data are drawn: every point, or only their sufficient statistics (exact in distribution). */
export const SAMPLINGS = ["points", "statistics"] as const;

const PAPER_GRID = {
  dim: { values: [1, 3, 10, 31, 100] },
  samplesPerIteration: { values: [10, 32, 100, 316, 1000] },
  workflow: { values: [...WORKFLOWS] },
  seed: seeds(100),
  iterations: { value: 100 },
  sigmaSquared: { value: 1 },
} satisfies Grid;

/** Fresh real data (notebook 08): d = 10, the fraction alpha of fresh points per training set. */
const FRESH_GRID = {
  ...PAPER_GRID,
  dim: { value: 10 },
  workflow: { value: "Fresh" },
  freshFraction: { values: FRESH_FRACTIONS },
  samplesPerIteration: { values: [10, 100, 1000] },
} satisfies Grid;

/** Verified synthetic data (notebook 09): the paper's workflows, each verifier keeping the best fraction q. */
const VERIFIED_GRID = {
  ...PAPER_GRID,
  dim: { values: [1, 10] },
  samplesPerIteration: { value: 100 },
  verifier: { values: ["oracle", "first-fit"] },
  verifierFraction: { values: [0.25, 0.75] },
} satisfies Grid;

/** The Gaussian experiment. */
const gaussian = defineExperiment({
  name: "gaussian",
  version: 1,
  module: import.meta.url,
  description: "a multivariate Gaussian refitted to its own samples (mean and ML covariance)",
  fields: {
    dim: integer({ doc: "dimension d of the data" }),
    samplesPerIteration: integer({ doc: "n: real points, and synthetic points drawn per iteration" }),
    ...WORKFLOW_FIELDS,
    seed: seed(),
    iterations: integer({ doc: "model-fitting iterations (the first fits the real data)" }),
    sigmaSquared: real({ greaterThan: 0, doc: "variance of the truth N(0, sigma^2 I)" }),
    ...verifierFields(["oracle", "first-fit"]),
    sampling: choice(SAMPLINGS, {
      doc:
        "draw every synthetic point, or only their sufficient statistics (not for Accumulate-Subsample or a verifier)",
      default: (c: Config) =>
        c.workflow === "Accumulate-Subsample" || c.verifier !== undefined ? "points" : "statistics",
    }),
  },
  check: (c) => {
    if (c.sampling === "statistics" && c.workflow === "Accumulate-Subsample") {
      throw new RangeError('sampling "statistics" cannot serve workflow "Accumulate-Subsample": use "points"');
    }
    if (c.sampling === "statistics" && c.verifier !== undefined) {
      throw new RangeError('sampling "statistics" cannot serve a verifier, which scores every point: use "points"');
    }
    checkVerifier(c);
  },
  grids: {
    main: presets(PAPER_GRID, {
      smoke: {
        dim: { values: [1, 10] },
        samplesPerIteration: { values: [10, 100] },
        seed: seeds(3),
        iterations: { value: 20 },
      },
      default: { seed: seeds(50) },
    }),
    fresh: presets(FRESH_GRID, { smoke: { seed: seeds(3), iterations: { value: 20 } }, default: { seed: seeds(50) } }),
    verified: presets(VERIFIED_GRID, {
      smoke: { seed: seeds(3), iterations: { value: 20 } },
      default: { seed: seeds(20) },
    }),
  },
  // Estimated nanoseconds on this project's 2-core machine (a fit to measured runs, within ~30% for runs over
  // 10 ms): the runner starts the costliest first and sizes its batches by it, the progress bar predicts from it.
  cost: (c) => gaussianCost(c),
  example: { dim: 3, samplesPerIteration: 10, workflow: "Accumulate", seed: 0, iterations: 10, sigmaSquared: 1 },
  run: async (c) => {
    const n = c.samplesPerIteration;
    const truth = { dim: c.dim, sigmaSquared: c.sigmaSquared };
    const draw = (rng: Rng) => (count: number): Matrix => normals(count, c.dim, { rng, sigmaSquared: c.sigmaSquared });
    const realData = draw(new Rng(c.seed, "gaussian-data", c.dim, n))(n);
    const freshPoints = draw(new Rng(c.seed, "gaussian-fresh", c.dim, n));
    const options = {
      workflow: c.workflow,
      iterations: c.iterations,
      rng: new Rng(c.seed, "gaussian-workflow", workflowStream(c.workflow), c.sampling, c.dim, n),
    };
    if (c.sampling === "statistics") {
      const fresh = c.freshFraction === undefined
        ? undefined
        : { fraction: c.freshFraction, draw: (count: number) => summarize(freshPoints(count)) };
      return workflowRows(
        c,
        await runWorkflow(gaussianSummaryEstimator(truth), summarize(realData), { ...options, fresh }),
      );
    }
    const fresh = c.freshFraction === undefined ? undefined : { fraction: c.freshFraction, draw: freshPoints };
    // The oracle scores by the true density; the first fit (on the real data) is a fixed judge.
    const judge = c.verifier === undefined
      ? undefined
      : c.verifier === "oracle"
      ? { dim: c.dim, mean: new Float64Array(c.dim), covariance: scaledIdentity(c.dim, c.sigmaSquared) }
      : fitGaussian(realData);
    const verifier = judge &&
      { score: (x: Matrix) => gaussianLogDensity(judge, x), rule: verifierRule(c), budget: c.verifierBudget };
    return workflowRows(c, await runWorkflow(gaussianEstimator(truth), realData, { ...options, fresh, verifier }));
  },
});

export default gaussian;

/**
 * Estimated nanoseconds of a run (fitted to measured runs; see the README's
 * Performance section): per iteration, drawing points costs their normals
 * and the products x = B z (n d r / 2 multiply-adds), the fit their scatter
 * (n d^2 / 2) and a Cholesky (d^3 / 6), plus per-point and per-value work in
 * TypeScript; drawing statistics costs the Wishart factor's products
 * (d q r / 2 + d^2 q / 2 for q = min(n - 1, r)) and q chi-square draws, and the
 * d^2 loops of the fit (twice that under Accumulate, which merges). A
 * verifier draws and scores n / q points; Fresh draws its fresh points too.
 */
export function gaussianCost(c: Config): number {
  const d = c.dim as number, n = c.samplesPerIteration as number, iterations = c.iterations as number;
  const drawn = c.verifierFraction === undefined ? n : n / (c.verifierFraction as number);
  const r = Math.min(d, n);
  const flops = (m: number) => 0.075 * m;
  let perIteration: number;
  if (c.sampling === "statistics") {
    const q = Math.min(n - 1, r);
    perIteration = 8000 + 8 * d * d * (c.workflow === "Accumulate" ? 2 : 1) +
      flops(d ** 3 / 6 + (d * q * r) / 2 + (d * d * q) / 2) + 8 * q * r + 800 * q;
    if (c.freshFraction !== undefined) {
      const fresh = (c.freshFraction as number) * n;
      perIteration += 5 * fresh * d + 28 * fresh * d + flops((fresh * d * d) / 2);
    }
  } else {
    perIteration = 12000 + 9 * drawn + 28 * drawn * d + 5 * drawn * r +
      flops((drawn * d * r) / 2 + (n * d * d) / 2 + d ** 3 / 6);
    if (c.verifier !== undefined) perIteration += flops(drawn * d * d);
  }
  return iterations * perIteration + 50_000;
}

/** `count` points of N(0, sigma^2 I), row by row from `rng`. */
function normals(count: number, dim: number, options: { rng: Rng; sigmaSquared: number }): Matrix {
  const values = options.rng.fillNormal(new Float64Array(count * dim));
  const scale = Math.sqrt(options.sigmaSquared);
  for (let i = 0; i < values.length; i++) values[i] *= scale;
  return matrix(count, dim, values);
}

function scaledIdentity(dim: number, value: number): Float64Array {
  const out = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) out[i * dim + i] = value;
  return out;
}
