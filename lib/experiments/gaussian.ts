/**
 * The paper's multivariate Gaussian experiment (section 1; original notebooks
 * 00 and 05): truth N(0, sigma^2 I), n real samples, 100 model-fitting
 * iterations under each workflow, for a grid of dimensions and sample sizes.
 *
 * @module
 */

import { assertKnownFields, integerField } from "./fields.ts";
import { gaussianEstimator, gaussianSummaryEstimator, summarize } from "../models/gaussian.ts";
import { matrix } from "../numerics/matrix.ts";
import { assertPreset, type PresetName } from "./presets.ts";
import { assertSeed, Rng } from "../numerics/rng.ts";
import type { ExperimentModule } from "../run/runner.ts";
import type { RunConfig, RunRow } from "../run/store.ts";
import { assertWorkflow, runWorkflow, type Workflow, WORKFLOWS } from "../workflows/mod.ts";

/** One run of the Gaussian experiment. */
export interface GaussianRunConfig {
  [key: string]: string | number;
  dim: number;
  samplesPerIteration: number;
  workflow: Workflow;
  seed: number;
  iterations: number;
  sigmaSquared: number;
  /**
   * "points" draws every synthetic point; "statistics" draws only their
   * sufficient statistics (exact in distribution, faster; not for
   * Accumulate-Subsample, which subsamples points). Default: "statistics"
   * where allowed.
   */
  sampling: Sampling;
}

/** How synthetic data are drawn: see {@linkcode GaussianRunConfig.sampling}. */
export type Sampling = "points" | "statistics";

/** The grid a preset covers. */
export interface GaussianGrid {
  dims: number[];
  samplesPerIteration: number[];
  seeds: number;
  iterations: number;
  sigmaSquared: number;
}

/** The grid of each preset: the paper's dims and sample sizes, fewer seeds by default. */
export const GAUSSIAN_GRIDS: Record<PresetName, GaussianGrid> = {
  smoke: {
    dims: [1, 10],
    samplesPerIteration: [10, 100],
    seeds: 3,
    iterations: 20,
    sigmaSquared: 1,
  },
  default: {
    dims: [1, 3, 10, 31, 100],
    samplesPerIteration: [10, 32, 100, 316, 1000],
    seeds: 50,
    iterations: 100,
    sigmaSquared: 1,
  },
  paper: {
    dims: [1, 3, 10, 31, 100],
    samplesPerIteration: [10, 32, 100, 316, 1000],
    seeds: 100,
    iterations: 100,
    sigmaSquared: 1,
  },
};

/**
 * Floating-point work of a run, roughly: drawing and scanning n points costs
 * ~2 n d^2 per iteration, drawing their statistics ~d^3.
 */
export function gaussianRunCost(config: RunConfig): number {
  const { dim: d, samplesPerIteration: n, iterations, sampling } = config as GaussianRunConfig;
  return iterations * (sampling === "statistics" ? d ** 3 + 4 * d * d : 2 * n * d * d + d ** 3) + 100;
}

/** The experiment's entry for {@linkcode runGrid}. */
export const GAUSSIAN_EXPERIMENT: ExperimentModule = {
  name: "gaussian",
  moduleUrl: import.meta.url,
  cost: gaussianRunCost,
};

/** Every field of a run configuration. */
export const GAUSSIAN_FIELDS: readonly string[] = [
  "dim",
  "samplesPerIteration",
  "workflow",
  "seed",
  "iterations",
  "sigmaSquared",
  "sampling",
];

/** Checks every field of a run configuration, naming the first bad one. */
export function validateGaussianConfig(
  config: Record<string, unknown>,
): GaussianRunConfig {
  assertKnownFields(config, GAUSSIAN_FIELDS);
  const dim = integerField(config, "dim");
  const samplesPerIteration = integerField(config, "samplesPerIteration");
  const iterations = integerField(config, "iterations");
  assertWorkflow(config.workflow);
  assertSeed(config.seed);
  const sigmaSquared = config.sigmaSquared;
  if (
    typeof sigmaSquared !== "number" || !(sigmaSquared > 0) ||
    !Number.isFinite(sigmaSquared)
  ) {
    throw new RangeError(
      `sigmaSquared must be a finite number > 0, got ${JSON.stringify(sigmaSquared)}`,
    );
  }
  const workflow = config.workflow;
  const sampling = config.sampling ?? defaultSampling(workflow);
  if (sampling !== "points" && sampling !== "statistics") {
    throw new RangeError(
      `sampling must be one of "points", "statistics", got ${JSON.stringify(sampling)}`,
    );
  }
  if (sampling === "statistics" && workflow === "Accumulate-Subsample") {
    throw new RangeError(
      'sampling "statistics" cannot serve workflow "Accumulate-Subsample": use "points"',
    );
  }
  return {
    dim,
    samplesPerIteration,
    workflow,
    seed: config.seed,
    iterations,
    sigmaSquared,
    sampling,
  };
}

/** "statistics" wherever the workflow allows it. */
export function defaultSampling(workflow: Workflow): Sampling {
  return workflow === "Accumulate-Subsample" ? "points" : "statistics";
}

/** Every run configuration of a preset's grid (seeds 0..seeds-1). */
export function gaussianConfigs(preset: PresetName): GaussianRunConfig[] {
  assertPreset(preset);
  const grid = GAUSSIAN_GRIDS[preset];
  const configs: GaussianRunConfig[] = [];
  for (const dim of grid.dims) {
    for (const samplesPerIteration of grid.samplesPerIteration) {
      for (const workflow of WORKFLOWS) {
        for (let seed = 0; seed < grid.seeds; seed++) {
          configs.push({
            dim,
            samplesPerIteration,
            workflow,
            seed,
            iterations: grid.iterations,
            sigmaSquared: grid.sigmaSquared,
            sampling: defaultSampling(workflow),
          });
        }
      }
    }
  }
  return configs;
}

/**
 * Runs one configuration. The real data depend only on (seed, dim, n), so the
 * three workflows of one seed start from the same real sample (and the two
 * sampling modes from the same first fit).
 */
export async function run(config: Record<string, unknown>): Promise<RunRow[]> {
  const c = validateGaussianConfig(config);
  const n = c.samplesPerIteration;
  const dataRng = new Rng(c.seed, "gaussian-data", c.dim, n);
  const real = dataRng.fillNormal(new Float64Array(n * c.dim));
  const scale = Math.sqrt(c.sigmaSquared);
  for (let i = 0; i < real.length; i++) real[i] *= scale;
  const truth = { dim: c.dim, sigmaSquared: c.sigmaSquared };
  const options = {
    workflow: c.workflow,
    iterations: c.iterations,
    rng: new Rng(c.seed, "gaussian-workflow", c.workflow, c.sampling, c.dim, n),
  };
  const realData = matrix(n, c.dim, real);
  const records = c.sampling === "statistics"
    ? await runWorkflow(gaussianSummaryEstimator(truth), summarize(realData), options)
    : await runWorkflow(gaussianEstimator(truth), realData, options);
  return records.map((r) => ({
    ...c,
    iteration: r.iteration,
    trainingSize: r.trainingSize,
    realFraction: r.realFraction,
    ...r.metrics,
  }));
}

/**
 * Exact expectations of the metrics under Replace and Accumulate, with
 * sigma^2 = 1 and iteration 1 fitting the real data (derivations in the
 * notebook and in gaussian_test.ts):
 * - Replace: E[tr Sigma_t]/d = (1 - 1/n)^t and
 *   E||mu_t||^2 = (d/n) sum_{s<t} (1 - 1/n)^s, which tends to d.
 * - Accumulate: E[tr Sigma_t]/d = (1 - 1/n) prod_{k=2..t} (1 - 1/(k^2 n)),
 *   which tends to sin(pi/sqrt(n)) / (pi/sqrt(n)), and
 *   E||mu_t||^2 = (d/n) (1 + sum_{k=2..t} E[tr Sigma_{k-1}]/(d k^2)) <= (pi^2/6) d/n.
 * Returns one value per iteration 1..iterations; Accumulate-Subsample has none.
 */
export function gaussianExpectations(
  workflow: "Replace" | "Accumulate",
  options: { dim: number; samplesPerIteration: number; iterations: number },
): { traceRatio: number[]; squaredErrorOfMean: number[] } {
  const { dim: d, samplesPerIteration: n, iterations } = options;
  const traceRatio: number[] = [];
  const squaredErrorOfMean: number[] = [];
  let trace = 1 - 1 / n, error = d / n;
  for (let t = 1; t <= iterations; t++) {
    if (t > 1) {
      if (workflow === "Replace") {
        error += (d / n) * trace;
        trace *= 1 - 1 / n;
      } else {
        error += (d * trace) / (n * t * t);
        trace *= 1 - 1 / (t * t * n);
      }
    }
    traceRatio.push(trace);
    squaredErrorOfMean.push(error);
  }
  return { traceRatio, squaredErrorOfMean };
}
