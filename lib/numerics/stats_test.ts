import assert from "node:assert/strict";
import { meanAndStandardError } from "./stats.ts";

Deno.test("mean and standard error of a hand-computed sample", () => {
  // 1, 2, 3, 4: mean 2.5, sample variance 5/3, se = sqrt(5/3 / 4).
  const s = meanAndStandardError([1, 2, 3, 4]);
  assert.equal(s.mean, 2.5);
  assert(Math.abs(s.sd - Math.sqrt(5 / 3)) < 1e-15);
  assert(Math.abs(s.se - Math.sqrt(5 / 12)) < 1e-15);
  assert.equal(s.k, 4);
  assert.deepEqual(meanAndStandardError([7]), { mean: 7, se: 0, sd: 0, k: 1 });
  assert.throws(() => meanAndStandardError([]), /at least one value/);
});
