/**
 * Real versus synthetic data, cardinality and proportion (paper section 5;
 * original notebook 10), written once for every estimator: a model is fitted
 * on the first `numReal` real rows plus the first `numSynthetic` rows of a
 * first-generation synthetic set, drawn once from the model fitted on ALL the
 * real training data, and scored on real held-out data.
 *
 * @module
 */

import type { Rng } from "../numerics/rng.ts";
import type { DataOps, Estimator } from "../models/estimator.ts";

/** One point of the mixing grid. */
export interface MixingPoint {
  /** Real rows used: the first `numReal` of the real training data. */
  numReal: number;
  /** Synthetic rows used: the first `numSynthetic` of the first-generation synthetic set. */
  numSynthetic: number;
}

/** The counts of a mixed training set and what is available to draw them from. */
export interface MixCounts extends MixingPoint {
  /** Rows of the real training data. */
  realAvailable: number;
  /** Rows of the synthetic set. */
  syntheticAvailable: number;
}

/**
 * Throws unless `numReal` and `numSynthetic` are integers in [0, available]
 * and not both 0 (nothing to fit), naming the field and its allowed range.
 */
export function assertMixCounts(counts: MixCounts): void {
  const check = (field: string, value: number, available: number): void => {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value > available) {
      throw new RangeError(
        `${field} must be an integer in [0, ${available}] (the rows available), got ${JSON.stringify(value)}`,
      );
    }
  };
  check("numReal", counts.numReal, counts.realAvailable);
  check("numSynthetic", counts.numSynthetic, counts.syntheticAvailable);
  if (counts.numReal + counts.numSynthetic === 0) {
    throw new RangeError("numReal and numSynthetic are both 0: nothing to fit; at least one must be >= 1");
  }
}

function firstRows(count: number): Int32Array {
  const indices = new Int32Array(count);
  for (let i = 0; i < count; i++) indices[i] = i;
  return indices;
}

/**
 * The training set of one grid point: the first `numReal` rows of `real`,
 * then the first `numSynthetic` rows of `synthetic`, in that order (built with
 * the data type's pool). Counts out of range fail with an error naming the
 * field and the allowed range ({@linkcode assertMixCounts}).
 */
export function mixTrainingSet<D>(
  ops: DataOps<D>,
  data: { real: D; synthetic: D },
  point: MixingPoint,
): D {
  const { real, synthetic } = data;
  assertMixCounts({
    ...point,
    realAvailable: ops.size(real),
    syntheticAvailable: ops.size(synthetic),
  });
  const pool = ops.pool();
  if (point.numReal > 0) {
    const head = ops.pool();
    head.append(real);
    pool.append(head.select(firstRows(point.numReal)));
  }
  if (point.numSynthetic > 0) {
    const head = ops.pool();
    head.append(synthetic);
    pool.append(head.select(firstRows(point.numSynthetic)));
  }
  return pool.all();
}

/** What one grid point of {@linkcode runMixing} records. */
export interface MixingRecord extends MixingPoint {
  /** numReal / (numReal + numSynthetic). */
  realFraction: number;
  /** The fitted model's metrics on real held-out data. */
  metrics: Record<string, number>;
}

/** Options of {@linkcode runMixing}. */
export interface RunMixingOptions {
  /** The grid points to fit and score. */
  grid: readonly MixingPoint[];
  /** Drives the one draw of the synthetic set (passed to the estimator's `sample`). */
  rng: Rng;
  /**
   * Rows of the synthetic set drawn from the first-generation model; defaults
   * to the largest numSynthetic of the grid. Fix it to keep the same synthetic
   * set when the grid is split into several runs.
   */
  syntheticSize?: number;
  /** Called after each grid point (progress, storing). */
  onPoint?: (record: MixingRecord) => void | Promise<void>;
}

/**
 * Fits the first-generation model on ALL of `realTrain`, draws the synthetic
 * set once (`syntheticSize` rows), then, for each grid point, fits a model on
 * {@linkcode mixTrainingSet} and scores it with the estimator's `evaluate`.
 * Every grid point is checked before any fit. The steps are awaited one after
 * another, so the estimator may be synchronous or asynchronous; each model is
 * handed to the estimator's `dispose`, when it has one, once sampled or scored.
 */
export async function runMixing<D, M>(
  estimator: Estimator<D, M>,
  realTrain: D,
  options: RunMixingOptions,
): Promise<MixingRecord[]> {
  const { grid, rng } = options;
  const realAvailable = estimator.ops.size(realTrain);
  if (realAvailable < 1) throw new RangeError("realTrain must hold at least one row");
  if (grid.length === 0) throw new RangeError("grid must hold at least one point");
  const syntheticSize = options.syntheticSize ?? Math.max(...grid.map((p) => p.numSynthetic));
  if (!Number.isSafeInteger(syntheticSize) || syntheticSize < 0) {
    throw new RangeError(`syntheticSize must be an integer >= 0, got ${JSON.stringify(syntheticSize)}`);
  }
  for (const point of grid) assertMixCounts({ ...point, realAvailable, syntheticAvailable: syntheticSize });

  const synthetic = await drawSynthetic(estimator, realTrain, { rng, size: syntheticSize });
  const records: MixingRecord[] = [];
  for (const point of grid) {
    const record = await scoreMix(estimator, { real: realTrain, synthetic }, point);
    records.push(record);
    await options.onPoint?.(record);
  }
  return records;
}

/**
 * The first generation's synthetic set: a model fitted on ALL of `real`
 * draws `size` rows with `rng` (an empty set of the data's shape when size is
 * 0); the model is disposed of once sampled.
 */
export async function drawSynthetic<D, M>(
  estimator: Estimator<D, M>,
  real: D,
  options: { rng: Rng; size: number },
): Promise<D> {
  const firstGeneration = await estimator.fit(real);
  let synthetic: D;
  if (options.size > 0) {
    synthetic = await estimator.sample(firstGeneration, options.size, options.rng);
  } else {
    const empty = estimator.ops.pool();
    empty.append(real);
    synthetic = empty.select(new Int32Array(0));
  }
  estimator.dispose?.(firstGeneration);
  return synthetic;
}

/** Fits a model on one grid point's {@linkcode mixTrainingSet} and scores it. */
export async function scoreMix<D, M>(
  estimator: Estimator<D, M>,
  data: { real: D; synthetic: D },
  point: MixingPoint,
): Promise<MixingRecord> {
  const model = await estimator.fit(mixTrainingSet(estimator.ops, data, point));
  const record: MixingRecord = {
    numReal: point.numReal,
    numSynthetic: point.numSynthetic,
    realFraction: point.numReal / (point.numReal + point.numSynthetic),
    metrics: await estimator.evaluate(model),
  };
  estimator.dispose?.(model);
  return record;
}
