/**
 * The one interface every model family implements, in scikit-learn's shape:
 * an estimator fits data, samples from the fitted model and scores it; a data
 * type says how its points are counted and pooled. The workflows
 * (`lib/workflows`) are written once against it.
 *
 * @module
 */

import { type Matrix, MatrixPool } from "../numerics/matrix.ts";
import type { Rng } from "../numerics/rng.ts";

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
  /** The number of data points in `data`. */
  size(data: D): number;
  /** A new, empty pool of this data type. */
  pool(): DataPool<D>;
}

/** Data operations for arrays (e.g. chat strings): one element is one data point. */
export function arrayOps<T>(): DataOps<T[]> {
  return {
    size: (data: T[]): number => data.length,
    pool: (): DataPool<T[]> => {
      const items: T[] = [];
      return {
        get size(): number {
          return items.length;
        },
        append: (data: T[]): void => {
          items.push(...data);
        },
        select: (indices: Int32Array): T[] =>
          Array.from(indices, (i) => {
            if (i < 0 || i >= items.length) throw new RangeError(`row ${i} is outside the pool of ${items.length}`);
            return items[i];
          }),
        all: (): T[] => [...items],
      };
    },
  };
}

/**
 * Running sufficient statistics: Accumulate adds each new batch and refits in
 * time independent of the pool's size, instead of rescanning it.
 */
export interface Accumulator<D, M> {
  /** Adds every point of `data` to the statistics. */
  add(data: D): void;
  /** The model fitted on every point added so far. */
  fit(): M;
}

/**
 * A generative model family in scikit-learn's shape: it fits data, samples from
 * the fitted model, and scores the model on real held-out data.
 *
 * Each step may be synchronous (the numeric families return their result) or
 * asynchronous (the language model returns a promise); the runners
 * (`runWorkflow` and `runMixing` in `lib/workflows`) finish each step,
 * awaiting its promise if it returns one, before starting the next, so both
 * kinds run through the same code and consume random streams in the same order.
 */
export interface Estimator<D, M> {
  readonly ops: DataOps<D>;
  /** Fits a fresh model on `data`. */
  fit(data: D): M | Promise<M>;
  /**
   * Draws `count` new data points from `model`. `rng` is the run's stream; an
   * estimator that owns its randomness (the language model) may ignore it.
   */
  sample(model: M, count: number, rng: Rng): D | Promise<D>;
  /** Metrics of a fitted model, e.g. its test negative log-likelihood. */
  evaluate(model: M): Record<string, number> | Promise<Record<string, number>>;
  /** Optional incremental fit, used by Accumulate when present. */
  accumulator?(): Accumulator<D, M>;
  /** Optional: frees a model once it has been scored and sampled (e.g. its tensors). */
  dispose?(model: M): void;
}

/** Data operations for matrices: one row is one data point. */
export const matrixOps: DataOps<Matrix> = {
  size: (data: Matrix): number => data.rows,
  pool: (): DataPool<Matrix> => new MatrixPool(),
};
