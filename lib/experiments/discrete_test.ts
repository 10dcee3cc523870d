import assert from "node:assert/strict";
import { discreteEstimator, rollFairDie } from "../models/discrete.ts";
import { Rng } from "../numerics/rng.ts";
import discrete, { isStoredIteration } from "./discrete.ts";

Deno.test("run: entropy curves, collapse runs stopping at the threshold, shared real data", async () => {
  const base = { sides: 5, samplesPerIteration: 6, seed: 3, iterations: 12, stopBelowEntropy: 0 };
  const curves = await Promise.all(
    ["Replace", "Accumulate-Subsample", "Accumulate"].map((workflow) => discrete.runConfig({ ...base, workflow })),
  );
  for (const rows of curves) assert.equal(rows.length, 12);
  assert.equal(curves[0][0].entropy, curves[2][0].entropy);
  const collapse = await discrete.runConfig({
    ...base,
    workflow: "Replace",
    iterations: 100_000,
    stopBelowEntropy: 1e-8,
  });
  const last = collapse[collapse.length - 1];
  assert.equal(last.collapsed, 1);
  assert(last.entropy as number < 1e-8);
  assert(collapse.slice(0, -1).every((r) => (r.entropy as number) >= 1e-8));
  // The collapse run repeats the entropy run's first iterations.
  assert.deepEqual(collapse.slice(0, 5).map((r) => r.entropy), curves[0].slice(0, 5).map((r) => r.entropy));
  // Large runs store about 20 log-spaced iterations per decade beyond 1000, and the last.
  assert(isStoredIteration(1000, 5000) && isStoredIteration(1122, 5000) && isStoredIteration(4321, 4321));
  assert(!isStoredIteration(1001, 5000));
});

Deno.test("preset grids and bad configurations", () => {
  assert.equal(discrete.configs("smoke", { grid: "main" }).length, 2 * 2 * 3 * 3);
  assert(
    discrete.configs("default", { grid: "collapse" }).every((c) =>
      c.workflow === "Replace" && c.stopBelowEntropy === 1e-8
    ),
  );
  const good = { sides: 10, samplesPerIteration: 10, workflow: "Replace", seed: 0, iterations: 5, stopBelowEntropy: 0 };
  assert.deepEqual(discrete.validate(good), good);
  assert.throws(() => discrete.validate({ ...good, sides: 0 }), /sides must be an integer >= 1, got 0/);
  assert.throws(() => discrete.validate({ ...good, samplesPerIteration: 0 }), /samplesPerIteration must be/);
  assert.throws(() => discrete.validate({ ...good, iterations: 0 }), /iterations must be/);
  assert.throws(() => discrete.validate({ ...good, stopBelowEntropy: -1 }), /stopBelowEntropy/);
  assert.throws(() => discrete.validate({ ...good, workflow: "Keep" }), /workflow must be one of/);
  assert.throws(() => discrete.validate({ ...good, k: 3 }), /unknown field "k"/);
  assert.throws(() => discreteEstimator(0), /sides must be an integer >= 1/);
  assert.throws(() => rollFairDie(new Rng(0), { sides: 10, count: 0 }), /count must be an integer >= 1/);
});
