import assert from "node:assert/strict";
import { arrayOps, type Estimator } from "../models/estimator.ts";
import { Rng } from "../numerics/rng.ts";
import { type IterationData, runWorkflow } from "./mod.ts";

// Points are numbers: real ones are 1000 + their index (fresh ones drawn in order 1010, 1011, ...), synthetic ones
// are below 1000. A model is its training set; sampling draws uniform indices into it and maps each to a new id.
let synthetic = 0;
const tagged: Estimator<number[], number[]> = {
  ops: arrayOps<number>(),
  fit: (data) => [...data],
  sample: (model, count, rng) =>
    Array.from({ length: count }, () => (model[rng.int(model.length)], synthetic++ % 1000)),
  evaluate: (model) => ({ size: model.length }),
};

function freshSource(start: number): { draw: (count: number) => number[]; drawn: number[] } {
  let next = start;
  const drawn: number[] = [];
  return {
    drawn,
    draw: (count) => {
      const out = Array.from({ length: count }, () => 1000 + next++);
      drawn.push(...out);
      return out;
    },
  };
}

Deno.test("Fresh with fraction 0 is Replace, bit for bit", async () => {
  const real = Array.from({ length: 10 }, (_, i) => 1000 + i);
  synthetic = 0;
  const replace = await runWorkflow(tagged, real, { workflow: "Replace", iterations: 6, rng: new Rng(3) });
  synthetic = 0;
  const fresh = await runWorkflow(tagged, real, {
    workflow: "Fresh",
    iterations: 6,
    rng: new Rng(3),
    fresh: { fraction: 0, draw: freshSource(10).draw },
  });
  assert.deepEqual(fresh, replace);
});

Deno.test("Fresh: every training set after the first holds round(fraction n) new real points and the rest synthetic", async () => {
  const n = 10;
  const real = Array.from({ length: n }, (_, i) => 1000 + i);
  for (const fraction of [0.25, 0.5, 1]) {
    const source = freshSource(n);
    const sets: number[][] = [];
    const records = await runWorkflow(tagged, real, {
      workflow: "Fresh",
      iterations: 5,
      rng: new Rng(1),
      fresh: { fraction, draw: source.draw },
      onIteration: (_, { training }: IterationData<number[]>) => void sets.push(training!),
    });
    const m = Math.round(fraction * n);
    assert.deepEqual(sets[0], real, "iteration 1 fits the real data");
    for (const set of sets.slice(1)) {
      assert.equal(set.length, n);
      assert.equal(set.filter((x) => x >= 1000).length, m, `fraction ${fraction}: real points`);
    }
    const freshPoints = sets.slice(1).flatMap((s) => s.filter((x) => x >= 1000));
    assert.deepEqual(freshPoints, source.drawn, "the real points are the fresh ones, each used once, in order");
    assert.equal(new Set(freshPoints).size, freshPoints.length, "never reused");
    assert(freshPoints.every((x) => x >= 1000 + n), "never the first iteration's real points");
    assert.deepEqual(records.map((r) => r.realFraction), [1, m / n, m / n, m / n, m / n]);
  }
});

Deno.test("bad fresh-data options fail before any work, naming the field", async () => {
  const real = [1000, 1001];
  const draw = freshSource(2).draw;
  await assert.rejects(
    () =>
      runWorkflow(tagged, real, { workflow: "Fresh", iterations: 2, rng: new Rng(0), fresh: { fraction: 1.5, draw } }),
    /freshFraction must be a number in \[0, 1\], got 1.5/,
  );
  await assert.rejects(
    () => runWorkflow(tagged, real, { workflow: "Fresh", iterations: 2, rng: new Rng(0) }),
    /fresh data are the "Fresh" workflow's and only its/,
  );
  await assert.rejects(
    () =>
      runWorkflow(tagged, real, { workflow: "Replace", iterations: 2, rng: new Rng(0), fresh: { fraction: 0, draw } }),
    /only its \(workflow "Replace"\)/,
  );
});
