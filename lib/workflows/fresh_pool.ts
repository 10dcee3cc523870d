/**
 * Fresh real data for the "Fresh" workflow where the real data are a finite
 * set: points drawn without replacement from one pool per run, so no real
 * point is seen twice (as a stream from the truth would not repeat either).
 *
 * @module
 */

import { type Matrix, matrix } from "../numerics/matrix.ts";
import type { Rng } from "../numerics/rng.ts";

/**
 * A draw function over `pool`: each call returns the next `count` rows of one
 * uniformly random permutation of the pool (drawn once, from `rng`), i.e.
 * rows without replacement across every call; asking for more rows than
 * remain throws.
 */
export function freshFromPool(pool: Matrix, rng: Rng): (count: number) => Matrix {
  const order = rng.sampleWithoutReplacement(pool.rows, pool.rows);
  const d = pool.cols;
  let next = 0;
  return (count: number): Matrix => {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be an integer >= 0, got ${count}`);
    if (next + count > pool.rows) {
      throw new RangeError(`the fresh-data pool of ${pool.rows} points has ${pool.rows - next} left, ${count} asked`);
    }
    const out = matrix(count, d);
    for (let r = 0; r < count; r++, next++) {
      const row = order[next];
      out.data.set(pool.data.subarray(row * d, (row + 1) * d), r * d);
    }
    return out;
  };
}
