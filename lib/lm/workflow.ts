/**
 * The paper's three workflows for estimators whose fit and sampling are
 * asynchronous (a language model trained with TensorFlow.js and sampled through
 * onnxruntime), over string data. Same semantics as `runWorkflow` in
 * `lib/workflows.ts` (which is synchronous): iteration 1 fits the real data;
 * Replace fits only the previous samples; Accumulate fits real + every
 * synthetic set so far; Accumulate-Subsample fits a subsample, of the real
 * set's size and without replacement, of that pool.
 *
 * @module
 */

import type { Rng } from "../rng.ts";
import { assertWorkflow, type Workflow } from "../workflows.ts";

/** An estimator over string data with asynchronous steps. */
export interface AsyncTextEstimator<M> {
  /** Fits a fresh model on `data`. */
  fit(data: readonly string[], context: { iteration: number }): Promise<M>;
  /** Draws `count` new data points from `model`. */
  sample(model: M, count: number, context: { iteration: number }): Promise<string[]>;
  /** Metrics of a fitted model (e.g. validation loss). */
  evaluate(model: M): Promise<Record<string, number>>;
  /** Frees a model once it is no longer needed. */
  dispose?(model: M): void;
}

/** What one iteration recorded, plus the data it trained on and the samples it drew. */
export interface TextIterationRecord {
  iteration: number;
  trainingSize: number;
  realFraction: number;
  metrics: Record<string, number>;
  training: readonly string[];
  samples: readonly string[];
}

/** Options of {@linkcode runTextWorkflow}. */
export interface RunTextWorkflowOptions {
  workflow: Workflow;
  iterations: number;
  /** Drives the Accumulate-Subsample draws. */
  rng: Rng;
  /** New samples per iteration; defaults to the real set's size. */
  samplesPerIteration?: number;
  /** Called after each iteration. */
  onIteration?: (record: TextIterationRecord) => void | Promise<void>;
}

/** The training set of iteration `t` (1-based) given the real data and every earlier synthetic set. */
export function trainingSet(
  real: readonly string[],
  synthetic: readonly (readonly string[])[],
  options: { workflow: Workflow; rng: Rng },
): { data: string[]; realCount: number } {
  assertWorkflow(options.workflow);
  if (synthetic.length === 0) return { data: [...real], realCount: real.length };
  if (options.workflow === "Replace") return { data: [...synthetic[synthetic.length - 1]], realCount: 0 };
  const pool = [...real, ...synthetic.flat()];
  if (options.workflow === "Accumulate") return { data: pool, realCount: real.length };
  const indices = options.rng.sampleWithoutReplacement(pool.length, real.length);
  let realCount = 0;
  for (const i of indices) if (i < real.length) realCount++;
  return { data: Array.from(indices, (i) => pool[i]), realCount };
}

/** Runs one workflow for `iterations` model-fitting iterations and returns each iteration's record. */
export async function runTextWorkflow<M>(
  estimator: AsyncTextEstimator<M>,
  real: readonly string[],
  options: RunTextWorkflowOptions,
): Promise<TextIterationRecord[]> {
  const { workflow, iterations, rng } = options;
  assertWorkflow(workflow);
  if (real.length < 1) throw new RangeError("real data must hold at least one point");
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`iterations must be a positive integer, got ${iterations}`);
  }
  const perIteration = options.samplesPerIteration ?? real.length;
  const synthetic: string[][] = [];
  const records: TextIterationRecord[] = [];
  for (let t = 1; t <= iterations; t++) {
    const { data, realCount } = trainingSet(real, synthetic, { workflow, rng });
    const model = await estimator.fit(data, { iteration: t });
    const metrics = await estimator.evaluate(model);
    const samples = t < iterations ? await estimator.sample(model, perIteration, { iteration: t }) : [];
    estimator.dispose?.(model);
    if (samples.length > 0) synthetic.push(samples);
    const record: TextIterationRecord = {
      iteration: t,
      trainingSize: data.length,
      realFraction: realCount / data.length,
      metrics,
      training: data,
      samples,
    };
    records.push(record);
    await options.onIteration?.(record);
  }
  return records;
}
