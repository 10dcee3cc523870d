/**
 * The samples a workflow's models draw, replayed: the data of scatter plots
 * and animations of collapse (notebook 01, the explorer).
 *
 * @module
 */

import type { Estimator } from "../models/estimator.ts";
import type { Rng } from "../numerics/rng.ts";
import { type FreshData, runWorkflow, type Workflow } from "./mod.ts";
import type { Verifier } from "./verify.ts";

/** The data a model drew at one iteration (iteration 0: the real data). */
export interface SamplesAt<D> {
  iteration: number;
  data: D;
}

/** Options of {@linkcode samplesByIteration}. */
export interface SamplesByIterationOptions<D = unknown> {
  workflow: Workflow;
  /** The run's workflow stream, seeded as in the run being replayed. */
  rng: Rng;
  /** The iterations (>= 1) whose models' samples are wanted. */
  at: readonly number[];
  samplesPerIteration?: number;
  /** The run's fresh real data ("Fresh" workflow), drawing from a stream seeded as in the run. */
  fresh?: FreshData<D>;
  /** The run's verifier: the samples are then the verified ones, as the run trained on them. */
  verifier?: Verifier<D>;
}

/**
 * Replays a workflow run and returns the real data (as iteration 0) and the
 * samples drawn by the model of each iteration in `at`. No model is scored
 * and Accumulate refits the pool instead of using an accumulator (which by
 * contract fits the same model), so only the samples are computed and the
 * random stream is consumed exactly as in the run.
 */
export async function samplesByIteration<D, M>(
  estimator: Estimator<D, M>,
  real: D,
  options: SamplesByIterationOptions<D>,
): Promise<SamplesAt<D>[]> {
  const { at } = options;
  if (at.length === 0 || !at.every((t) => Number.isInteger(t) && t >= 1)) {
    throw new RangeError(`at must be a non-empty list of integers >= 1, got ${JSON.stringify(at)}`);
  }
  const wanted = new Set(at);
  const out: SamplesAt<D>[] = [{ iteration: 0, data: real }];
  const replay: Estimator<D, M> = {
    ops: estimator.ops,
    fit: estimator.fit,
    sample: estimator.sample,
    evaluate: (): Record<string, number> => ({}),
    dispose: estimator.dispose,
  };
  await runWorkflow(replay, real, {
    workflow: options.workflow,
    iterations: Math.max(...at) + 1,
    rng: options.rng,
    samplesPerIteration: options.samplesPerIteration,
    fresh: options.fresh,
    verifier: options.verifier,
    onIteration: (record, { samples }) => {
      if (samples && wanted.has(record.iteration)) out.push({ iteration: record.iteration, data: samples });
    },
  });
  return out;
}
