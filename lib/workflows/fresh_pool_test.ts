import assert from "node:assert/strict";
import { matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { freshFromList, freshFromPool } from "./fresh_pool.ts";

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

Deno.test("fresh items from a list: distinct across calls, uniform over the pool, refused past the total", () => {
  const pool = Array.from({ length: 20 }, (_, i) => `chat ${i}`);
  const draw = freshFromList(pool, new Rng(2), { total: 12 });
  const drawn = [...draw(5), ...draw(0), ...draw(7)];
  assert.equal(new Set(drawn).size, 12, "no item twice");
  assert(drawn.every((item) => pool.includes(item)));
  assert.throws(() => draw(1), /0 of the 12 fresh items are left, 1 asked/);
  assert.throws(() => freshFromList(pool, new Rng(2), { total: 21 }), /holds 20 items, 21 are needed/);
  // Each item's chance of being in a draw of 5 of 20 is 1/4: over 4000 seeds, within 4 standard errors.
  const hits = new Float64Array(pool.length);
  const runs = 4000;
  for (let seed = 0; seed < runs; seed++) {
    for (const item of freshFromList(pool, new Rng(seed), { total: 5 })(5)) hits[pool.indexOf(item)]++;
  }
  const se = Math.sqrt(0.25 * 0.75 / runs);
  for (const h of hits) assert(Math.abs(h / runs - 0.25) < 4 * se, `${h / runs}`);
});
