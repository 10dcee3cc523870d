/**
 * The estimator interface and the paper's three training workflows, written
 * once for every model family.
 *
 * One model-fitting iteration fits a model on the current training data,
 * evaluates it on real held-out data, then draws new samples from it.
 * Iteration 1 always fits on the real data. Then:
 * - Replace: the next training data is only the samples just drawn.
 * - Accumulate: the pool grows by the new samples; iteration t fits all of it.
 * - Accumulate-Subsample: the pool grows as in Accumulate, but each fit uses as
 *   many points as the real data has, drawn without replacement from the pool.
 *
 * @module
 */

import type { Rng } from "./rng.ts";

/** The workflows, in the column order of the paper's figures. */
export const WORKFLOWS = [
  "Replace",
  "Accumulate-Subsample",
  "Accumulate",
] as const;

/** One of the paper's three training workflows. */
export type Workflow = typeof WORKFLOWS[number];

/** Throws unless `value` is a workflow name, listing the allowed ones. */
export function assertWorkflow(
  value: unknown,
  field = "workflow",
): asserts value is Workflow {
  if (!WORKFLOWS.includes(value as Workflow)) {
    throw new RangeError(
      `${field} must be one of ${WORKFLOWS.map((w) => `"${w}"`).join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
}

/** A growing pool of data points (real first, then each synthetic batch). */
export interface DataPool<D> {
  /** The number of data points in the pool. */
  readonly size: number;
  /** Appends every point of `data`. */
  append(data: D): void;
  /** The points at `indices` (0-based positions in append order). */
  select(indices: Int32Array): D;
  /** The whole pool, in append order. */
  all(): D;
}

/** How a data type is counted and pooled. */
export interface DataOps<D> {
  size(data: D): number;
  pool(): DataPool<D>;
}

/**
 * Running sufficient statistics: Accumulate adds each new batch and refits in
 * time independent of the pool's size, instead of rescanning it.
 */
export interface Accumulator<D, M> {
  add(data: D): void;
  fit(): M;
}

/**
 * A generative model family in scikit-learn's shape: it fits data, samples from
 * the fitted model, and scores the model on real held-out data.
 */
export interface Estimator<D, M> {
  readonly ops: DataOps<D>;
  fit(data: D): M;
  sample(model: M, count: number, rng: Rng): D;
  /** Metrics of a fitted model, e.g. its test negative log-likelihood. */
  evaluate(model: M): Record<string, number>;
  /** Optional incremental fit, used by Accumulate when present. */
  accumulator?(): Accumulator<D, M>;
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

/** Options of {@linkcode runWorkflow}. */
export interface RunWorkflowOptions {
  workflow: Workflow;
  iterations: number;
  /** Drives every synthetic draw and subsample of this run. */
  rng: Rng;
  /** New samples per iteration; defaults to the size of the real data. */
  samplesPerIteration?: number;
  /** Called after each iteration (progress, early stopping); return false to stop. */
  onIteration?: (record: IterationRecord) => boolean | void;
}

/**
 * Runs one workflow for `iterations` model-fitting iterations, starting from
 * the real data, and returns what each iteration recorded.
 */
export function runWorkflow<D, M>(
  estimator: Estimator<D, M>,
  real: D,
  options: RunWorkflowOptions,
): IterationRecord[] {
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

  const records: IterationRecord[] = [];
  const accumulator = workflow === "Accumulate" ? estimator.accumulator?.() : undefined;
  const pool = workflow === "Replace" || accumulator ? undefined : estimator.ops.pool();
  accumulator?.add(real);
  pool?.append(real);

  let training = real;
  let trainingSize = realSize;
  let realFraction = 1;
  for (let t = 1; t <= iterations; t++) {
    let model: M;
    if (t === 1 || workflow === "Replace") {
      model = estimator.fit(training);
    } else if (accumulator) {
      model = accumulator.fit();
    } else if (workflow === "Accumulate") {
      training = pool!.all();
      model = estimator.fit(training);
    } else {
      // Accumulate-Subsample: the real points sit first in the pool.
      const indices = rng.sampleWithoutReplacement(pool!.size, realSize);
      let realCount = 0;
      for (const index of indices) if (index < realSize) realCount++;
      realFraction = realCount / realSize;
      training = pool!.select(indices);
      model = estimator.fit(training);
    }
    const record: IterationRecord = {
      iteration: t,
      trainingSize,
      realFraction,
      metrics: estimator.evaluate(model),
    };
    records.push(record);
    if (options.onIteration?.(record) === false || t === iterations) break;

    const synthetic = estimator.sample(model, perIteration, rng);
    if (workflow === "Replace") {
      training = synthetic;
      trainingSize = perIteration;
      realFraction = 0;
    } else {
      accumulator?.add(synthetic);
      pool?.append(synthetic);
      if (workflow === "Accumulate") {
        trainingSize += perIteration;
        realFraction = realSize / trainingSize;
      }
    }
  }
  return records;
}
