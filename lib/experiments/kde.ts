/**
 * The paper's kernel density experiment (section 2; original notebooks 02, 06,
 * 11 and 12): a Gaussian-kernel KDE fitted to n real points of a toy data set,
 * then refitted to its own samples under each workflow, scored at every
 * iteration by the mean negative log-likelihood of 500 real test points drawn
 * once per run. Two grids: the main grid (notebook 01) and the bandwidth study
 * (notebook 02).
 *
 * Data streams: the test set (and the blob centres) depend only on (seed,
 * dataset), so every n, bandwidth and workflow of one seed is scored on the
 * same 500 points; the n real training points depend on (seed, dataset, n),
 * so the three workflows of one seed start from the same real data.
 *
 * @module
 */

import { DATASET_NAMES, datasetSampler } from "../models/datasets.ts";
import { type Bandwidth, BANDWIDTH_RULES, kdeEstimator, KERNELS } from "../models/kde.ts";
import type { Matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { runWorkflow, WORKFLOWS } from "../workflows/mod.ts";
import { samplesByIteration } from "../workflows/samples.ts";
import { defineExperiment, type Grid, workflowRows } from "./define.ts";
import { choice, type ConfigOf, either, integer, real, seed } from "./fields.ts";

/** Real test points per run, as in the original code. */
export const TEST_POINTS = 500;

/** The bandwidth study's half-decade bandwidths 0.01, 0.0316, ..., 100, as in the original sweeps. */
export const HALF_DECADE_BANDWIDTHS: number[] = [0.01, 0.0316, 0.1, 0.316, 1.0, 3.16, 10.0, 31.6, 100.0];

const FIELDS = {
  dataset: choice(DATASET_NAMES, { doc: "the toy data set the truth samples" }),
  bandwidth: either<Bandwidth>([real({ greaterThan: 0 }), choice(BANDWIDTH_RULES)], {
    doc: "kernel bandwidth h, or a rule recomputed at every fit from the fitted points' count",
  }),
  kernel: choice(KERNELS, { default: "gaussian", doc: "kernel shape" }),
  samplesPerIteration: integer({ doc: "n: real points, and samples drawn per iteration" }),
  workflow: choice(WORKFLOWS, { doc: "what each iteration trains on" }),
  seed: seed(),
  iterations: integer({ doc: "model-fitting iterations (the first fits the real data)" }),
};

/** A configuration of the KDE experiment. */
export type KdeConfig = ConfigOf<typeof FIELDS>;

const MAIN: Grid = {
  dataset: { values: [...DATASET_NAMES] },
  bandwidth: { values: [0.1, 0.5, 1.0] },
  samplesPerIteration: { values: [10, 32, 100, 316, 1000] },
  workflow: { values: [...WORKFLOWS] },
  seed: { min: 0, max: 99 },
  iterations: { value: 100 },
};

/**
 * The bandwidth study, up to 1000 iterations in "paper". A rule's bandwidth
 * changes with the number of fitted points, so Accumulate under a rule rescans
 * the whole pool each iteration: O(T^2 n) kernel evaluations per run, ~2.5e14
 * at the paper's T = 1000, n = 1000. The default preset therefore keeps n in
 * {10, 100} and T = 100; "paper" lists the original sweep as it was.
 */
const BANDWIDTH: Grid = {
  ...MAIN,
  bandwidth: { values: [...HALF_DECADE_BANDWIDTHS, ...BANDWIDTH_RULES] },
  iterations: { value: 1000 },
};

const kde = defineExperiment({
  name: "kde",
  version: 1,
  module: import.meta.url,
  description: "a kernel density estimate refitted to its own samples, scored on real test points",
  fields: FIELDS,
  grids: {
    main: {
      smoke: {
        ...MAIN,
        dataset: { values: ["moons", "swiss_roll"] },
        bandwidth: { values: [0.1, 1.0] },
        samplesPerIteration: { values: [10, 100] },
        seed: { min: 0, max: 1 },
        iterations: { value: 20 },
      },
      default: { ...MAIN, seed: { min: 0, max: 9 } },
      paper: MAIN,
    },
    bandwidth: {
      smoke: {
        ...BANDWIDTH,
        dataset: { value: "moons" },
        bandwidth: { values: [0.01, 0.1, 1.0, 10.0, ...BANDWIDTH_RULES] },
        samplesPerIteration: { value: 10 },
        seed: { min: 0, max: 1 },
        iterations: { value: 20 },
      },
      default: {
        ...BANDWIDTH,
        samplesPerIteration: { values: [10, 100] },
        seed: { min: 0, max: 4 },
        iterations: { value: 100 },
      },
      paper: BANDWIDTH,
    },
  },
  // Kernel evaluations: each iteration scores the test points against the n new points (Accumulate with a fixed
  // bandwidth carries the sums) or the n training points; Accumulate under a rule rescans t n points at iteration t.
  cost: ({ samplesPerIteration: n, iterations: t, workflow, bandwidth }) =>
    TEST_POINTS * n * (workflow === "Accumulate" && typeof bandwidth === "string" ? t * (t + 1) / 2 : t),
  example: {
    dataset: "moons",
    bandwidth: 0.5,
    samplesPerIteration: 20,
    workflow: "Accumulate",
    seed: 0,
    iterations: 5,
  },
  run: async (c) => {
    const { test, real } = kdeRunData(c);
    const estimator = kdeEstimator(test, { bandwidth: c.bandwidth as Bandwidth, kernel: c.kernel });
    return workflowRows(c, await runWorkflow(estimator, real, workflowOptions(c)));
  },
});

export default kde;

/** A run's real data: the fixed test set and the n real training points. */
export function kdeRunData(config: KdeConfig): { test: Matrix; real: Matrix } {
  const dataRng = new Rng(config.seed, "kde-data", config.dataset);
  const sample = datasetSampler(config.dataset, dataRng);
  const test = sample(TEST_POINTS, dataRng);
  const real = sample(
    config.samplesPerIteration,
    new Rng(config.seed, "kde-real", config.dataset, config.samplesPerIteration),
  );
  return { test, real };
}

function workflowOptions(c: KdeConfig): { workflow: KdeConfig["workflow"]; iterations: number; rng: Rng } {
  const rng = new Rng(
    c.seed,
    "kde-workflow",
    c.dataset,
    c.workflow,
    c.samplesPerIteration,
    String(c.bandwidth),
    c.kernel,
  );
  return { workflow: c.workflow, iterations: c.iterations, rng };
}

/** One point a fitted model generated, for scatter plots (iteration 0: the real training points). */
export interface SamplePoint {
  iteration: number;
  x: number;
  y: number;
  /** The third coordinate (swiss roll only). */
  z?: number;
}

/**
 * Replays a run (the same random streams as its `run`) and returns the real
 * training points (iteration 0) and the samples each listed iteration's model
 * drew: the collapse panel of notebook 01.
 */
export async function kdeSamplesByIteration(
  config: Record<string, unknown>,
  iterations: readonly number[],
): Promise<SamplePoint[]> {
  const c = kde.validate(config);
  const { test, real } = kdeRunData(c);
  const estimator = kdeEstimator(test, { bandwidth: c.bandwidth as Bandwidth, kernel: c.kernel });
  const snapshots = await samplesByIteration(estimator, real, { ...workflowOptions(c), at: iterations });
  return snapshots.flatMap(({ iteration, data: x }) =>
    Array.from({ length: x.rows }, (_, r) => {
      const row = x.data.subarray(r * x.cols, (r + 1) * x.cols);
      return x.cols > 2 ? { iteration, x: row[0], y: row[1], z: row[2] } : { iteration, x: row[0], y: row[1] };
    })
  );
}
