import assert from "node:assert/strict";
import { collisionExpectations } from "./discrete_theory.ts";

Deno.test("collision probability: Replace's 1 - (1 - 1/n)^t (1 - 1/k), all-fresh stays at the first fit's", () => {
  const replace = collisionExpectations({ sides: 6, samplesPerIteration: 10, freshRolls: 0, iterations: 30 });
  replace.collision.forEach((c, i) => {
    const exact = 1 - (1 - 1 / 10) ** (i + 1) * (1 - 1 / 6);
    assert(Math.abs(c - exact) < 1e-14, `t=${i + 1}: ${c} vs ${exact}`);
  });
  assert(Math.abs(replace.limit - 1) < 1e-14);
  const allFresh = collisionExpectations({ sides: 6, samplesPerIteration: 10, freshRolls: 10, iterations: 5 });
  assert(allFresh.collision.every((c) => Math.abs(c - (1 / 10 + 0.9 / 6)) < 1e-15));
  // The recursion converges to its fixed point.
  const some = collisionExpectations({ sides: 6, samplesPerIteration: 10, freshRolls: 3, iterations: 500 });
  assert(Math.abs(some.collision[499] - some.limit) < 1e-12 && some.limit > 1 / 6 && some.limit < 1);
  assert.throws(
    () => collisionExpectations({ sides: 6, samplesPerIteration: 10, freshRolls: 11, iterations: 5 }),
    /freshRolls/,
  );
});
