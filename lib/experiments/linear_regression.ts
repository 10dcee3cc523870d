/**
 * The paper's linear-regression experiment (section 3; original notebook 07,
 * setting of Gerstgrasser et al. 2024): a fixed Gaussian design relabelled by
 * each fit, 100 model-fitting iterations under each workflow, for a grid of
 * dimensions, sample sizes and noise levels.
 *
 * @module
 */

import { assertKnownFields, integerField } from "./fields.ts";
import { labelDesign, linearRegressionEstimator } from "../models/linear_regression.ts";
import { matrix } from "../numerics/matrix.ts";
import { assertPreset, type PresetName } from "./presets.ts";
import { assertSeed, Rng } from "../numerics/rng.ts";
import type { ExperimentModule } from "../run/runner.ts";
import type { RunConfig, RunRow } from "../run/store.ts";
import { assertWorkflow, runWorkflow, type Workflow, WORKFLOWS } from "../workflows/mod.ts";

/** Test points of every run (noiseless labels). */
export const TEST_POINTS = 1000;

/** One run of the linear-regression experiment. */
export interface LinearRegressionRunConfig {
  [key: string]: string | number;
  dim: number;
  /** n: rows of the fixed design, and samples per iteration. */
  samplesPerIteration: number;
  sigmaSquared: number;
  workflow: Workflow;
  seed: number;
  iterations: number;
}

/** The grid a preset covers. */
export interface LinearRegressionGrid {
  dims: number[];
  samplesPerIteration: number[];
  sigmaSquared: number[];
  seeds: number;
  iterations: number;
}

/** The grid of each preset: the paper's grid, fewer seeds by default. */
export const LINEAR_REGRESSION_GRIDS: Record<PresetName, LinearRegressionGrid> = {
  smoke: {
    dims: [1, 10],
    samplesPerIteration: [10, 32, 100],
    sigmaSquared: [1],
    seeds: 3,
    iterations: 20,
  },
  default: {
    dims: [1, 3, 10, 32, 100],
    samplesPerIteration: [10, 32, 100, 316, 1000],
    sigmaSquared: [0.1, 1, 10],
    seeds: 20,
    iterations: 100,
  },
  paper: {
    dims: [1, 3, 10, 32, 100],
    samplesPerIteration: [10, 32, 100, 316, 1000],
    sigmaSquared: [0.1, 1, 10],
    seeds: 100,
    iterations: 100,
  },
};

/** The experiment's entry for {@linkcode runGrid}. */
export const LINEAR_REGRESSION_EXPERIMENT: ExperimentModule = {
  name: "linear_regression",
  moduleUrl: import.meta.url,
  cost: linearRegressionRunCost,
};

/**
 * Floating-point work of a run, roughly: Accumulate-Subsample rebuilds the
 * normal equations of n rows each iteration (n d^2), the others relabel the
 * design and solve with a factorization done once (n d + d^2).
 */
export function linearRegressionRunCost(config: RunConfig): number {
  const { dim: d, samplesPerIteration: n, iterations, workflow } = config as LinearRegressionRunConfig;
  return iterations * (workflow === "Accumulate-Subsample" ? n * d * d : n * d + d * d) + d ** 3;
}

/** Every field of a run configuration. */
export const LINEAR_REGRESSION_FIELDS: readonly string[] = [
  "dim",
  "samplesPerIteration",
  "sigmaSquared",
  "workflow",
  "seed",
  "iterations",
];

/** Checks every field of a run configuration, naming the first bad one and the allowed values. */
export function validateLinearRegressionConfig(
  config: Record<string, unknown>,
): LinearRegressionRunConfig {
  assertKnownFields(config, LINEAR_REGRESSION_FIELDS);
  const dim = integerField(config, "dim");
  const samplesPerIteration = integerField(config, "samplesPerIteration");
  const iterations = integerField(config, "iterations");
  const sigmaSquared = config.sigmaSquared;
  if (typeof sigmaSquared !== "number" || !(sigmaSquared >= 0) || !Number.isFinite(sigmaSquared)) {
    throw new RangeError(`sigmaSquared must be a finite number >= 0, got ${JSON.stringify(sigmaSquared)}`);
  }
  assertWorkflow(config.workflow);
  assertSeed(config.seed);
  return { dim, samplesPerIteration, sigmaSquared, workflow: config.workflow, seed: config.seed, iterations };
}

/** Every run configuration of a preset's grid (seeds 0..seeds-1), n <= d included. */
export function linearRegressionConfigs(preset: PresetName): LinearRegressionRunConfig[] {
  assertPreset(preset);
  const grid = LINEAR_REGRESSION_GRIDS[preset];
  const configs: LinearRegressionRunConfig[] = [];
  for (const dim of grid.dims) {
    for (const samplesPerIteration of grid.samplesPerIteration) {
      for (const sigmaSquared of grid.sigmaSquared) {
        for (const workflow of WORKFLOWS) {
          for (let seed = 0; seed < grid.seeds; seed++) {
            configs.push({ dim, samplesPerIteration, sigmaSquared, workflow, seed, iterations: grid.iterations });
          }
        }
      }
    }
  }
  return configs;
}

/**
 * Runs one configuration. The truth w*, the design X0 and the test points
 * depend only on (seed, d, n), so the three workflows and the three noise
 * levels of one seed share them; the three workflows of one (seed, sigma^2)
 * also share the real labels.
 */
export async function run(config: Record<string, unknown>): Promise<RunRow[]> {
  const c = validateLinearRegressionConfig(config);
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
  return records.map((r) => ({
    ...c,
    iteration: r.iteration,
    trainingSize: r.trainingSize,
    realFraction: r.realFraction,
    ...r.metrics,
  }));
}
