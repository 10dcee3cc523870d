/**
 * The data and workflow options of one KDE run (kde.ts): the fixed test set,
 * the real training points, the truth they come from, and, beyond the paper,
 * the "Fresh" workflow's fresh real points and the verifier.
 *
 * Tests: kde_test.ts.
 *
 * @module
 */

import { type DatasetTruth, datasetTruth } from "../models/dataset_densities.ts";
import type { DatasetName } from "../models/datasets.ts";
import { type Bandwidth, fitKde, kdeLogDensity, type Kernel } from "../models/kde.ts";
import type { Matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import type { FreshData, Workflow } from "../workflows/mod.ts";
import type { Verifier } from "../workflows/verify.ts";
import type { Config } from "./fields.ts";
import { logGridIterations } from "../workflows/schedule.ts";
import { verifierRule, workflowStream } from "./workflow_fields.ts";

/** Real test points per run, as in the original code. */
export const TEST_POINTS = 500;

/** The fields of a KDE configuration these helpers read. */
interface KdeRunConfig extends Config {
  dataset: DatasetName;
  bandwidth: Bandwidth;
  kernel: Kernel;
  samplesPerIteration: number;
  workflow: Workflow;
  seed: number;
  iterations: number;
}

/** A run's data: the fixed test set, the n real training points and the truth both were drawn from. */
export interface KdeRunData {
  test: Matrix;
  real: Matrix;
  truth: DatasetTruth;
}

/** A run's real data: the fixed test set and the n real training points (the paper's generators), and the truth. */
export function kdeRunData(config: KdeRunConfig): KdeRunData {
  const dataRng = new Rng(config.seed, "kde-data", config.dataset);
  const truth = datasetTruth(config.dataset, dataRng);
  const test = truth.sample(TEST_POINTS, dataRng);
  const real = truth.sample(
    config.samplesPerIteration,
    new Rng(config.seed, "kde-real", config.dataset, config.samplesPerIteration),
  );
  return { test, real, truth };
}

/**
 * The workflow options of a run: its stream (Fresh draws its synthetic
 * points from Replace's, so freshFraction 0 is Replace bit for bit), the
 * iterations it scores (scoresPerDecade), the fresh real points (independent
 * draws from the truth, from a stream of their own, the same for every
 * bandwidth and fraction of one seed: the evenly spaced generators would put
 * a small batch at the same arc positions every iteration), and the verifier:
 * the truth's log-density ("oracle") or the log-density under the KDE of the
 * real training points ("first-fit").
 */
export function kdeWorkflowOptions(
  c: KdeRunConfig,
  data: KdeRunData,
): {
  workflow: Workflow;
  iterations: number;
  rng: Rng;
  fresh?: FreshData<Matrix>;
  verifier?: Verifier<Matrix>;
  score?: (iteration: number) => boolean;
} {
  const n = c.samplesPerIteration;
  const stream = workflowStream(c.workflow);
  const rng = new Rng(c.seed, "kde-workflow", c.dataset, stream, n, String(c.bandwidth), c.kernel);
  const options: ReturnType<typeof kdeWorkflowOptions> = { workflow: c.workflow, iterations: c.iterations, rng };
  if (c.scoresPerDecade !== undefined) {
    const scored = new Set(logGridIterations(c.iterations, c.scoresPerDecade as number));
    options.score = (t) => scored.has(t);
  }
  if (c.freshFraction !== undefined) {
    const freshRng = new Rng(c.seed, "kde-fresh", c.dataset, n);
    options.fresh = { fraction: c.freshFraction as number, draw: (count) => data.truth.sampleIid(count, freshRng) };
  }
  if (c.verifier !== undefined) {
    const judge = c.verifier === "oracle" ? undefined : fitKde(data.real, { bandwidth: c.bandwidth, kernel: c.kernel });
    options.verifier = {
      score: judge ? (x) => kdeLogDensity(judge, x) : (x) => data.truth.logDensity(x),
      rule: verifierRule(c),
      budget: c.verifierBudget as number,
    };
  }
  return options;
}
