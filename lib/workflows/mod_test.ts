import assert from "node:assert/strict";
import { type Matrix, matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { runWorkflow, WORKFLOWS } from "./mod.ts";
import { type Estimator, matrixOps } from "../models/estimator.ts";

// A bookkeeping estimator: the "model" is the training set itself, and every
// sampled point is a fresh label (iteration * 1000 + i), so each iteration's
// training set can be read back exactly. Real points are labelled 0..n-1.
function trackingEstimator(seen: number[][]): Estimator<Matrix, Float64Array> {
  let generation = 0;
  return {
    ops: matrixOps,
    fit: (data) => Float64Array.from(data.data),
    sample: (_model, count) => {
      generation++;
      return matrix(
        count,
        1,
        Float64Array.from({ length: count }, (_, i) => generation * 1000 + i),
      );
    },
    evaluate: (model) => {
      seen.push([...model]);
      return { size: model.length };
    },
  };
}

const real = matrix(5, 1, Float64Array.from([0, 1, 2, 3, 4]));

Deno.test("Replace trains on the real data, then only on the previous samples", async () => {
  const seen: number[][] = [];
  const records = await runWorkflow(trackingEstimator(seen), real, {
    workflow: "Replace",
    iterations: 4,
    rng: new Rng(0),
  });
  assert.deepEqual(seen[0], [0, 1, 2, 3, 4]);
  for (let t = 1; t < 4; t++) {
    assert.deepEqual(
      seen[t],
      [0, 1, 2, 3, 4].map((i) => t * 1000 + i),
    );
  }
  assert.deepEqual(records.map((r) => r.realFraction), [1, 0, 0, 0]);
  assert.deepEqual(records.map((r) => r.trainingSize), [5, 5, 5, 5]);
});

Deno.test("Accumulate trains on the whole pool, real data first", async () => {
  const seen: number[][] = [];
  const records = await runWorkflow(trackingEstimator(seen), real, {
    workflow: "Accumulate",
    iterations: 4,
    rng: new Rng(0),
  });
  for (let t = 0; t < 4; t++) {
    const expected = [0, 1, 2, 3, 4];
    for (let g = 1; g <= t; g++) {
      expected.push(...[0, 1, 2, 3, 4].map((i) => g * 1000 + i));
    }
    assert.deepEqual(seen[t], expected);
  }
  assert.deepEqual(records.map((r) => r.trainingSize), [5, 10, 15, 20]);
  assert.deepEqual(records.map((r) => r.realFraction), [
    1,
    1 / 2,
    1 / 3,
    1 / 4,
  ]);
});

Deno.test("Accumulate-Subsample draws n distinct pool points without replacement", async () => {
  const seen: number[][] = [];
  const iterations = 30;
  const records = await runWorkflow(trackingEstimator(seen), real, {
    workflow: "Accumulate-Subsample",
    iterations,
    rng: new Rng(1),
  });
  let realShare = 0;
  for (let t = 0; t < iterations; t++) {
    const set = seen[t];
    assert.equal(set.length, 5);
    assert.equal(new Set(set).size, 5, "no point drawn twice");
    // Every point comes from the pool of iteration t: real or generations 1..t.
    for (const label of set) {
      assert(Math.floor(label / 1000) <= t && label % 1000 < 5);
    }
    const realCount = set.filter((label) => label < 1000).length;
    assert.equal(records[t].realFraction, realCount / 5);
    if (t > 0) realShare += realCount / 5 / (1 / (t + 1));
  }
  assert.deepEqual(seen[0], [0, 1, 2, 3, 4]);
  assert(records.every((r) => r.trainingSize === 5));
  // In expectation the real fraction is 1/t; the mean ratio to it is near 1.
  assert(Math.abs(realShare / (iterations - 1) - 1) < 0.5);
});

Deno.test("samplesPerIteration different from the real size grows the pool by that much", async () => {
  const seen: number[][] = [];
  const records = await runWorkflow(trackingEstimator(seen), real, {
    workflow: "Accumulate",
    iterations: 3,
    rng: new Rng(0),
    samplesPerIteration: 2,
  });
  assert.deepEqual(records.map((r) => r.trainingSize), [5, 7, 9]);
});

Deno.test("bad workflow options fail before any work, naming the field", async () => {
  const est = trackingEstimator([]);
  await assert.rejects(
    () =>
      runWorkflow(est, real, {
        workflow: "Recycle" as never,
        iterations: 2,
        rng: new Rng(0),
      }),
    {
      name: "RangeError",
      message: /workflow must be one of "Replace", "Accumulate-Subsample", "Accumulate"/,
    },
  );
  await assert.rejects(
    () =>
      runWorkflow(est, real, {
        workflow: "Replace",
        iterations: 0,
        rng: new Rng(0),
      }),
    /iterations/,
  );
  await assert.rejects(
    () =>
      runWorkflow(est, matrix(0, 1), {
        workflow: "Replace",
        iterations: 2,
        rng: new Rng(0),
      }),
    /real data/,
  );
  for (const workflow of WORKFLOWS) {
    await assert.rejects(
      () =>
        runWorkflow(est, real, {
          workflow,
          iterations: 2,
          rng: new Rng(0),
          samplesPerIteration: 0,
        }),
      /samplesPerIteration/,
    );
  }
});
