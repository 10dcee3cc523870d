/**
 * The paper's three training workflows, written once for every model family
 * (every estimator of `lib/models/estimator.ts`).
 *
 * One model-fitting iteration fits a model on the current training data,
 * evaluates it on real held-out data, then draws new samples from it.
 * Iteration 1 always fits on the real data. Then:
 * - Replace: the next training data is only the samples just drawn.
 * - Accumulate: the pool grows by the new samples; iteration t fits all of it.
 * - Accumulate-Subsample: the pool grows as in Accumulate, but each fit uses as
 *   many points as the real data has, drawn without replacement from the pool.
 * - Fresh (beyond the paper): Replace, with a fraction of each training set
 *   drawn fresh from the real data ({@linkcode FreshData}).
 *
 * Any of them may verify its synthetic data before it is trained on
 * (verify.ts).
 *
 * @module
 */

import type { DataOps, Estimator } from "../models/estimator.ts";
import type { Rng } from "../numerics/rng.ts";
import { assertVerifier, drawVerified, type Verifier } from "./verify.ts";
import { assertOneOf } from "../util/one_of.ts";

/** The paper's three workflows, in the column order of its figures. */
export const WORKFLOWS = [
  "Replace",
  "Accumulate-Subsample",
  "Accumulate",
] as const;

/**
 * Every workflow: the paper's three and "Fresh" (Replace with a fraction of
 * each training set drawn fresh from the real data; see
 * {@linkcode FreshData}).
 */
export const ALL_WORKFLOWS = [...WORKFLOWS, "Fresh"] as const;

/** One of {@linkcode ALL_WORKFLOWS}. */
export type Workflow = typeof ALL_WORKFLOWS[number];

/** Throws unless `value` is a workflow name, listing the allowed ones. */
export function assertWorkflow(
  value: unknown,
  field = "workflow",
): asserts value is Workflow {
  assertOneOf(value, ALL_WORKFLOWS, field);
}

/** What one model-fitting iteration records. */
export interface IterationRecord {
  /** 1-based: iteration 1 fits the real data. */
  iteration: number;
  /** Points the model was fitted on. */
  trainingSize: number;
  /** Fraction of those points that are real. */
  realFraction: number;
  metrics: Record<string, number>;
}

/** The data of one iteration, as {@linkcode RunWorkflowOptions.onIteration} receives it. */
export interface IterationData<D> {
  /**
   * The points the model was fitted on; absent when Accumulate fits through
   * the estimator's accumulator (the pool is then never assembled).
   */
  training?: D;
  /** The samples the model drew; absent after the last iteration (nothing is drawn then). */
  samples?: D;
}

/**
 * Fresh real data for the "Fresh" workflow (after Bertrand et al., "On the
 * stability of iterative retraining of generative models on their own
 * data"): every training set after the first holds round(fraction n) real
 * points drawn anew, and n minus that many samples of the last model. Fraction
 * 0 is Replace, bit for bit (the synthetic draws consume the workflow's stream
 * as Replace's do; the fresh points come from `draw`, which owns its stream).
 */
export interface FreshData<D> {
  /** In [0, 1]. */
  fraction: number;
  /** `count` new real points (from the truth, or without replacement from a finite real set). */
  draw(count: number): D | Promise<D>;
}

/** Options of {@linkcode runWorkflow}. */
export interface RunWorkflowOptions<D = unknown> {
  workflow: Workflow;
  iterations: number;
  /** Drives every synthetic draw and subsample of this run. */
  rng: Rng;
  /** New samples per iteration; defaults to the size of the real data. */
  samplesPerIteration?: number;
  /** The fresh real data of the "Fresh" workflow (required there, refused elsewhere). */
  fresh?: FreshData<D>;
  /**
   * Verifies each iteration's synthetic draw before it enters the training
   * data (any workflow); the record of the iteration whose model drew them
   * gets `acceptRate` and `accepted` in its metrics.
   */
  verifier?: Verifier<D>;
  /**
   * Called after each iteration, once its model has been scored, sampled and
   * disposed of (progress, storing, early stopping), with the iteration's
   * training data and samples; it may be async (it is awaited). Return false
   * to stop: no later iteration runs (this iteration's samples are already drawn).
   */
  onIteration?: (
    record: IterationRecord,
    data: IterationData<D>,
  ) => boolean | void | Promise<boolean | void>;
  /**
   * Which iterations' records the result keeps (after `onIteration` has seen
   * each); the last iteration's is always kept. Default: all. A run of a
   * million iterations that stores a few thousand keeps only those.
   */
  retain?: (iteration: number) => boolean;
  /**
   * Which iterations are scored (`evaluate`); the last always is. Default:
   * all. The others are fitted and sampled as usual (the same random stream,
   * so a scored iteration's record is the one a run scoring every iteration
   * gets), `onIteration` sees their records with no metrics, and the result
   * leaves them out. A run that stops at an unscored iteration ends with the
   * scored one before it.
   */
  score?: (iteration: number) => boolean;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/**
 * Runs one workflow for `iterations` model-fitting iterations, starting from
 * the real data, and resolves to what each iteration recorded. Each iteration
 * fits, evaluates, then (except the last) samples, disposes of the model (if
 * the estimator can) and calls `onIteration`; each step finishes before the
 * next, so synchronous and asynchronous estimators run through this same code.
 */
export async function runWorkflow<D, M>(
  estimator: Estimator<D, M>,
  real: D,
  options: RunWorkflowOptions<D>,
): Promise<IterationRecord[]> {
  const { workflow, iterations, rng } = options;
  assertWorkflow(workflow);
  const realSize = estimator.ops.size(real);
  if (realSize < 1) {
    throw new RangeError("real data must hold at least one point");
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(
      `iterations must be a positive integer, got ${iterations}`,
    );
  }
  const perIteration = options.samplesPerIteration ?? realSize;
  if (!Number.isInteger(perIteration) || perIteration < 1) {
    throw new RangeError(
      `samplesPerIteration must be a positive integer, got ${perIteration}`,
    );
  }

  const { fresh, verifier, retain, score } = options;
  if ((workflow === "Fresh") !== (fresh !== undefined)) {
    throw new RangeError(`fresh data are the "Fresh" workflow's and only its (workflow "${workflow}")`);
  }
  if (fresh && !(fresh.fraction >= 0 && fresh.fraction <= 1)) {
    throw new RangeError(`freshFraction must be a number in [0, 1], got ${JSON.stringify(fresh.fraction)}`);
  }
  if (verifier) assertVerifier(verifier);
  const freshCount = fresh ? Math.round(fresh.fraction * perIteration) : 0;
  const syntheticCount = perIteration - freshCount;

  const records: IterationRecord[] = [];
  const replacing = workflow === "Replace" || workflow === "Fresh";
  const accumulator = workflow === "Accumulate" ? estimator.accumulator?.() : undefined;
  const pool = replacing || accumulator ? undefined : estimator.ops.pool();
  accumulator?.add(real);
  pool?.append(real);

  let training: D | undefined = real;
  let trainingSize = realSize;
  let realFraction = 1;
  for (let t = 1; t <= iterations; t++) {
    let fitted: M | Promise<M>;
    if (t === 1 || replacing) {
      fitted = estimator.fit(training!);
    } else if (accumulator) {
      training = undefined;
      fitted = accumulator.fit();
    } else if (workflow === "Accumulate") {
      training = pool!.all();
      fitted = estimator.fit(training);
    } else {
      // Accumulate-Subsample: the real points sit first in the pool.
      const indices = rng.sampleWithoutReplacement(pool!.size, realSize);
      let realCount = 0;
      for (const index of indices) if (index < realSize) realCount++;
      realFraction = realCount / realSize;
      training = pool!.select(indices);
      fitted = estimator.fit(training);
    }
    // Awaited only when a promise: a synchronous estimator's long runs (a million iterations) skip the microtask.
    const model = isPromise(fitted) ? await fitted : fitted;
    const scored = !score || t === iterations || score(t);
    const metrics = scored ? estimator.evaluate(model) : {};
    const record: IterationRecord = {
      iteration: t,
      trainingSize,
      realFraction,
      metrics: isPromise(metrics) ? await metrics : metrics,
    };
    records.push(record);
    let samples: D | undefined;
    if (t < iterations && syntheticCount > 0) {
      if (verifier) {
        const verified = await drawVerified(estimator, model, { count: syntheticCount, rng, verifier });
        samples = verified.data;
        record.metrics.acceptRate = verified.acceptRate;
        record.metrics.accepted = estimator.ops.size(samples);
      } else {
        const drawn = estimator.sample(model, syntheticCount, rng);
        samples = isPromise(drawn) ? await drawn : drawn;
      }
    }
    estimator.dispose?.(model);
    const verdict = options.onIteration?.(record, { training, samples });
    if (!scored) records.pop();
    if ((isPromise(verdict) ? await verdict : verdict) === false || t === iterations) break;
    if (scored && retain && !retain(t)) records.pop();

    if (replacing) {
      training = freshCount > 0 ? await withFresh(estimator.ops, fresh!, { count: freshCount, samples }) : samples!;
      trainingSize = estimator.ops.size(training);
      realFraction = freshCount / trainingSize;
    } else {
      accumulator?.add(samples!);
      pool?.append(samples!);
      if (workflow === "Accumulate") {
        trainingSize += estimator.ops.size(samples!);
        realFraction = realSize / trainingSize;
      }
    }
  }
  return records;
}

/** `count` fresh real points followed by `samples` (if any), as one data set. */
async function withFresh<D>(ops: DataOps<D>, fresh: FreshData<D>, data: { count: number; samples?: D }): Promise<D> {
  const pool = ops.pool();
  pool.append(await fresh.draw(data.count));
  if (data.samples !== undefined) pool.append(data.samples);
  return pool.all();
}
