import assert from "node:assert/strict";
import { collisionExpectations, diffusionCollapseTime, expectedCollision } from "./discrete_theory.ts";
import { discreteEstimator, rollFairDie } from "./discrete.ts";
import { Rng } from "../numerics/rng.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
import { runWorkflow } from "../workflows/mod.ts";

Deno.test("expectedCollision: hand-computed values and the Accumulate limit", () => {
  // Iteration 1, either workflow: n rolls of a fair die, E sum p^2 = 1/k + (1 - 1/k)/n.
  for (const workflow of ["Replace", "Accumulate"] as const) {
    assert(Math.abs(expectedCollision(workflow, 1, { sides: 4, samplesPerIteration: 5 }) - (0.25 + 0.75 / 5)) < 1e-15);
  }
  // Replace, t = 3: 1 - 0.8^3 * 0.75.
  assert(Math.abs(expectedCollision("Replace", 3, { sides: 4, samplesPerIteration: 5 }) - (1 - 0.512 * 0.75)) < 1e-15);
  // Accumulate, t = 2: 1 - 0.75 * 0.8 * (1 - 1/20).
  assert(
    Math.abs(expectedCollision("Accumulate", 2, { sides: 4, samplesPerIteration: 5 }) - (1 - 0.75 * 0.8 * 0.95)) <
      1e-15,
  );
  const z = Math.PI / Math.sqrt(10);
  const limit = 1 - 0.9 * Math.sin(z) / z;
  assert(Math.abs(expectedCollision("Accumulate", 100_000, { sides: 10, samplesPerIteration: 10 }) - limit) < 1e-5);
  assert.throws(() => expectedCollision("Replace", 0, { sides: 4, samplesPerIteration: 5 }), RangeError);
  assert.throws(() => expectedCollision("Accumulate-Subsample" as "Replace", 1, { sides: 4, samplesPerIteration: 5 }));
});

Deno.test("expectedCollision matches simulation under Replace and Accumulate (|z| < 4 at every iteration)", async () => {
  const k = 6, n = 9, iterations = 10, seeds = 3000;
  for (const workflow of ["Replace", "Accumulate"] as const) {
    const values: number[][] = Array.from({ length: iterations }, () => []);
    for (let seed = 0; seed < seeds; seed++) {
      const records = await runWorkflow(
        discreteEstimator(k),
        rollFairDie(new Rng(seed, "real"), { sides: k, count: n }),
        {
          workflow,
          iterations,
          rng: new Rng(seed, "collision", workflow),
        },
      );
      records.forEach((r, t) => values[t].push(r.metrics.collision));
    }
    for (let t = 1; t <= iterations; t++) {
      const { mean, se } = meanAndStandardError(values[t - 1]);
      const exact = expectedCollision(workflow, t, { sides: k, samplesPerIteration: n });
      assert(Math.abs(mean - exact) < 4 * se, `${workflow} t=${t}: ${mean} vs ${exact} (se ${se})`);
    }
  }
});

Deno.test("diffusionCollapseTime: 2n(k - 1)(-ln(1 - 1/k)), 2n ln 2 for a coin, towards 2n for large k", () => {
  assert(Math.abs(diffusionCollapseTime(2, 100) - 200 * Math.LN2) < 1e-12);
  assert(Math.abs(diffusionCollapseTime(10, 1) - 1.89649) < 1e-5);
  assert(Math.abs(diffusionCollapseTime(1e6, 1) - 2) < 1e-5);
  assert.throws(() => diffusionCollapseTime(1, 10), RangeError);
});

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
