/**
 * Fresh real data for the "Fresh" workflow where the real data are a finite
 * set: points drawn without replacement from one pool per run, so no real
 * point is seen twice (as a stream from the truth would not repeat either).
 * Rows of a matrix ({@linkcode freshFromPool}) or items of a list
 * ({@linkcode freshFromList}: the language model's chats).
 *
 * Tests: fresh_pool_test.ts.
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

/**
 * A draw function over the items of `pool`: `options.total` of them picked
 * uniformly without replacement up front (so a run that would ask for more
 * than the pool holds fails before any work), served in draw order, `count`
 * per call; asking for more than `total` in all throws.
 */
export function freshFromList<T>(pool: readonly T[], rng: Rng, options: { total: number }): (count: number) => T[] {
  const { total } = options;
  if (!Number.isSafeInteger(total) || total < 0 || total > pool.length) {
    throw new RangeError(`the fresh-data pool holds ${pool.length} items, ${total} are needed`);
  }
  const order = rng.sampleWithoutReplacement(pool.length, total);
  let next = 0;
  return (count: number): T[] => {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be an integer >= 0, got ${count}`);
    if (next + count > total) {
      throw new RangeError(`${total - next} of the ${total} fresh items are left, ${count} asked`);
    }
    const out = Array.from(order.subarray(next, next + count), (i) => pool[i]);
    next += count;
    return out;
  };
}
