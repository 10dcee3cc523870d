/**
 * The paper's kernel density experiment (section 2; original notebooks 02, 06,
 * 11 and 12): a Gaussian-kernel KDE fitted to n real points of a toy data set,
 * then refitted to its own samples under each workflow, scored at every
 * iteration by the mean negative log-likelihood of 500 real test points drawn
 * once per run.
 *
 * Data streams: the test set (and the blob centres) depend only on (seed,
 * dataset), so every n, bandwidth and workflow of one seed is scored on the
 * same 500 points; the n real training points depend on (seed, dataset, n),
 * so the three workflows of one seed start from the same real data.
 *
 * @module
 */

import { assertKnownFields, integerField } from "./fields.ts";
import { assertDatasetName, DATASET_NAMES, type DatasetName, datasetSampler } from "../models/datasets.ts";
import {
  assertBandwidth,
  assertKernel,
  type Bandwidth,
  kdeEstimator,
  type KdeModel,
  type Kernel,
} from "../models/kde.ts";
import type { Matrix } from "../numerics/matrix.ts";
import { assertPreset, type PresetName } from "./presets.ts";
import { assertSeed, Rng } from "../numerics/rng.ts";
import type { ExperimentModule } from "../run/runner.ts";
import type { RunConfig, RunRow } from "../run/store.ts";
import { assertWorkflow, runWorkflow, type Workflow, WORKFLOWS } from "../workflows/mod.ts";
import type { Estimator } from "../models/estimator.ts";

/** Real test points per run, as in the original code. */
export const TEST_POINTS = 500;

/** One run of the KDE experiment. */
export interface KdeRunConfig {
  [key: string]: string | number;
  dataset: DatasetName;
  /** A number > 0, "scott" or "silverman" (recomputed at every fit from the fitted points' count). */
  bandwidth: Bandwidth;
  kernel: Kernel;
  samplesPerIteration: number;
  workflow: Workflow;
  seed: number;
  iterations: number;
}

/** The grid a preset covers. */
export interface KdeGrid {
  datasets: DatasetName[];
  bandwidths: Bandwidth[];
  samplesPerIteration: number[];
  workflows: Workflow[];
  seeds: number;
  iterations: number;
}

/**
 * The main grid (notebook 01): the paper's 4 data sets x h in {0.1, 0.5, 1} x
 * n in {10, 32, 100, 316, 1000} x 3 workflows x 100 iterations; 100 seeds in
 * "paper", 10 in "default" (measured: ~215 CPU-seconds, under 2 minutes on 2 free cores).
 */
export const KDE_GRIDS: Record<PresetName, KdeGrid> = {
  smoke: {
    datasets: ["moons", "swiss_roll"],
    bandwidths: [0.1, 1.0],
    samplesPerIteration: [10, 100],
    workflows: [...WORKFLOWS],
    seeds: 2,
    iterations: 20,
  },
  default: {
    datasets: [...DATASET_NAMES],
    bandwidths: [0.1, 0.5, 1.0],
    samplesPerIteration: [10, 32, 100, 316, 1000],
    workflows: [...WORKFLOWS],
    seeds: 10,
    iterations: 100,
  },
  paper: {
    datasets: [...DATASET_NAMES],
    bandwidths: [0.1, 0.5, 1.0],
    samplesPerIteration: [10, 32, 100, 316, 1000],
    workflows: [...WORKFLOWS],
    seeds: 100,
    iterations: 100,
  },
};

/** The bandwidth study's half-decade bandwidths 0.01, 0.0316, ..., 100, as in the original sweeps. */
export const HALF_DECADE_BANDWIDTHS: number[] = [0.01, 0.0316, 0.1, 0.316, 1.0, 3.16, 10.0, 31.6, 100.0];

/**
 * The bandwidth study (notebook 02): the half-decade bandwidths and the Scott
 * and Silverman rules, up to 1000 iterations in "paper". A rule's bandwidth
 * changes with the number of fitted points, so Accumulate under a rule rescans
 * the whole pool each iteration: O(T^2 n) kernel evaluations per run (T
 * iterations), ~4 s at T = 100, n = 100 but ~2.5e14 evaluations (months) at the
 * paper's T = 1000, n = 1000. The default preset therefore keeps n in {10, 100}
 * and T = 100; "paper" lists the original sweep as it was.
 */
export const KDE_BANDWIDTH_GRIDS: Record<PresetName, KdeGrid> = {
  smoke: {
    datasets: ["moons"],
    bandwidths: [0.01, 0.1, 1.0, 10.0, "scott", "silverman"],
    samplesPerIteration: [10],
    workflows: [...WORKFLOWS],
    seeds: 2,
    iterations: 20,
  },
  default: {
    datasets: [...DATASET_NAMES],
    bandwidths: [...HALF_DECADE_BANDWIDTHS, "scott", "silverman"],
    samplesPerIteration: [10, 100],
    workflows: [...WORKFLOWS],
    seeds: 5,
    iterations: 100,
  },
  paper: {
    datasets: [...DATASET_NAMES],
    bandwidths: [...HALF_DECADE_BANDWIDTHS, "scott", "silverman"],
    samplesPerIteration: [10, 32, 100, 316, 1000],
    workflows: [...WORKFLOWS],
    seeds: 100,
    iterations: 1000,
  },
};

/** The experiment's entry for {@linkcode runGrid}. */
export const KDE_EXPERIMENT: ExperimentModule = { name: "kde", moduleUrl: import.meta.url, cost: kdeRunCost };

/**
 * Kernel evaluations of a run, roughly: each iteration scores the 500 test
 * points against the n new points (Accumulate with a fixed bandwidth carries
 * the sums) or against the n training points; Accumulate under a bandwidth
 * rule rescans the whole pool, t n points at iteration t.
 */
export function kdeRunCost(config: RunConfig): number {
  const { samplesPerIteration: n, iterations: t, workflow, bandwidth } = config as KdeRunConfig;
  const perIteration = TEST_POINTS * n;
  return workflow === "Accumulate" && typeof bandwidth === "string" ? perIteration * t * (t + 1) / 2 : perIteration * t;
}

export const KDE_FIELDS: readonly string[] = [
  "dataset",
  "bandwidth",
  "kernel",
  "samplesPerIteration",
  "workflow",
  "seed",
  "iterations",
];

/** Checks every field of a run configuration, naming the first bad one and its allowed values. */
export function validateKdeConfig(config: Record<string, unknown>): KdeRunConfig {
  assertKnownFields(config, KDE_FIELDS);
  assertDatasetName(config.dataset);
  assertBandwidth(config.bandwidth);
  const kernel = config.kernel ?? "gaussian";
  assertKernel(kernel);
  const samplesPerIteration = integerField(config, "samplesPerIteration");
  const iterations = integerField(config, "iterations");
  assertWorkflow(config.workflow);
  assertSeed(config.seed);
  return {
    dataset: config.dataset,
    bandwidth: config.bandwidth,
    kernel,
    samplesPerIteration,
    workflow: config.workflow,
    seed: config.seed,
    iterations,
  };
}

/** Every run configuration of a grid (seeds 0..seeds-1). */
export function kdeGridConfigs(grid: KdeGrid): KdeRunConfig[] {
  const configs: KdeRunConfig[] = [];
  for (const dataset of grid.datasets) {
    for (const bandwidth of grid.bandwidths) {
      for (const samplesPerIteration of grid.samplesPerIteration) {
        for (const workflow of grid.workflows) {
          for (let seed = 0; seed < grid.seeds; seed++) {
            configs.push({
              dataset,
              bandwidth,
              kernel: "gaussian",
              samplesPerIteration,
              workflow,
              seed,
              iterations: grid.iterations,
            });
          }
        }
      }
    }
  }
  return configs;
}

/** The main grid's configurations for a preset ({@linkcode KDE_GRIDS}). */
export function kdeConfigs(preset: PresetName): KdeRunConfig[] {
  assertPreset(preset);
  return kdeGridConfigs(KDE_GRIDS[preset]);
}

/** The bandwidth study's configurations for a preset ({@linkcode KDE_BANDWIDTH_GRIDS}). */
export function kdeBandwidthConfigs(preset: PresetName): KdeRunConfig[] {
  assertPreset(preset);
  return kdeGridConfigs(KDE_BANDWIDTH_GRIDS[preset]);
}

/** A run's real data: the fixed test set and the n real training points. */
export function kdeRunData(config: KdeRunConfig): { test: Matrix; real: Matrix } {
  const dataRng = new Rng(config.seed, "kde-data", config.dataset);
  const sample = datasetSampler(config.dataset, dataRng);
  const test = sample(TEST_POINTS, dataRng);
  const real = sample(
    config.samplesPerIteration,
    new Rng(config.seed, "kde-real", config.dataset, config.samplesPerIteration),
  );
  return { test, real };
}

function workflowRng(c: KdeRunConfig): Rng {
  return new Rng(c.seed, "kde-workflow", c.dataset, c.workflow, c.samplesPerIteration, String(c.bandwidth), c.kernel);
}

/** Runs one configuration: one row per iteration, with `testNll` and `fittedBandwidth`. */
export async function run(config: Record<string, unknown>): Promise<RunRow[]> {
  const c = validateKdeConfig(config);
  const { test, real } = kdeRunData(c);
  const estimator = kdeEstimator(test, { bandwidth: c.bandwidth, kernel: c.kernel });
  const records = await runWorkflow(estimator, real, {
    workflow: c.workflow,
    iterations: c.iterations,
    rng: workflowRng(c),
  });
  return records.map((r) => ({
    ...c,
    iteration: r.iteration,
    trainingSize: r.trainingSize,
    realFraction: r.realFraction,
    ...r.metrics,
  }));
}

/** One point a fitted model generated, for scatter plots. */
export interface SamplePoint {
  iteration: number;
  x: number;
  y: number;
  /** The third coordinate (swiss roll only). */
  z?: number;
}

/**
 * Replays a run (same random streams as {@linkcode run}) and returns the
 * samples that the model fitted at each of the given iterations drew, plus the
 * real training points as iteration 0. For the collapse panel of notebook 01.
 */
export async function kdeSamplesByIteration(
  config: Record<string, unknown>,
  iterations: readonly number[],
): Promise<SamplePoint[]> {
  const c = validateKdeConfig(config);
  if (iterations.length === 0 || !iterations.every((t) => Number.isInteger(t) && t >= 1)) {
    throw new RangeError(`iterations must be a non-empty list of integers >= 1, got ${JSON.stringify(iterations)}`);
  }
  const { test, real } = kdeRunData(c);
  const base = kdeEstimator(test, { bandwidth: c.bandwidth, kernel: c.kernel });
  const wanted = new Set(iterations);
  const points: SamplePoint[] = [];
  const push = (iteration: number, x: Matrix): void => {
    for (let r = 0; r < x.rows; r++) {
      const row = x.data.subarray(r * x.cols, (r + 1) * x.cols);
      points.push(x.cols > 2 ? { iteration, x: row[0], y: row[1], z: row[2] } : { iteration, x: row[0], y: row[1] });
    }
  };
  push(0, real);
  // No accumulator and no scoring: only the samples matter here, and the random streams are consumed exactly as
  // in the run.
  const estimator: Estimator<Matrix, KdeModel> = {
    ops: base.ops,
    fit: base.fit,
    evaluate: (): Record<string, number> => ({}),
    sample: base.sample,
  };
  const lastWanted = Math.max(...iterations);
  await runWorkflow(estimator, real, {
    workflow: c.workflow,
    iterations: lastWanted + 1,
    rng: workflowRng(c),
    onIteration: (record, { samples }) => {
      if (samples && wanted.has(record.iteration)) push(record.iteration, samples);
    },
  });
  return points;
}
