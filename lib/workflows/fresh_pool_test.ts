import assert from "node:assert/strict";
import { matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { freshFromPool } from "./fresh_pool.ts";

Deno.test("fresh points from a finite pool: without replacement across calls, every point once, then refused", () => {
  const pool = matrix(10, 2, Float64Array.from({ length: 20 }, (_, i) => Math.floor(i / 2) + (i % 2) / 10));
  const draw = freshFromPool(pool, new Rng(1));
  const seen = [...draw(3).data, ...draw(0).data, ...draw(7).data];
  const firsts = seen.filter((_, i) => i % 2 === 0);
  assert.deepEqual([...firsts].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // Rows stay whole: the second coordinate is the first plus 0.1.
  for (let i = 0; i < seen.length; i += 2) assert(Math.abs(seen[i + 1] - seen[i] - 0.1) < 1e-12);
  assert.throws(() => draw(1), /pool of 10 points has 0 left, 1 asked/);
  // A random order, not the pool's: some seed draws another first point.
  const firstOf = (seed: number) => freshFromPool(pool, new Rng(seed))(1).data[0];
  assert(new Set([1, 2, 3, 4, 5].map(firstOf)).size > 1);
});
