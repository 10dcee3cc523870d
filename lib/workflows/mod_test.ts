import assert from "node:assert/strict";
import { type Matrix, matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
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

/** Hypergeometric(population, successes, draws): the probabilities of 0..draws successes. */
function hypergeometric(population: number, successes: number, draws: number): number[] {
  const choose = (a: number, b: number): number => {
    let c = 1;
    for (let i = 1; i <= b; i++) c = (c * (a - b + i)) / i;
    return b < 0 || b > a ? 0 : c;
  };
  const total = choose(population, draws);
  return Array.from(
    { length: draws + 1 },
    (_, k) => (choose(successes, k) * choose(population - successes, draws - k)) / total,
  );
}

Deno.test("Accumulate-Subsample draws n distinct pool points without replacement", async () => {
  const n = 5, iterations = 8, runs = 400;
  // counts[t][r]: real points in the training set of iteration t + 1 of run r.
  const counts: number[][] = Array.from({ length: iterations }, () => []);
  for (let run = 0; run < runs; run++) {
    const seen: number[][] = [];
    const records = await runWorkflow(trackingEstimator(seen), real, {
      workflow: "Accumulate-Subsample",
      iterations,
      rng: new Rng(run),
    });
    assert.deepEqual(seen[0], [0, 1, 2, 3, 4]);
    assert(records.every((r) => r.trainingSize === n));
    for (let t = 0; t < iterations; t++) {
      const set = seen[t];
      assert.equal(set.length, n);
      assert.equal(new Set(set).size, n, "no point drawn twice");
      // Every point comes from the pool of iteration t + 1: real or generations 1..t.
      for (const label of set) assert(Math.floor(label / 1000) <= t && label % 1000 < n);
      const realCount = set.filter((label) => label < 1000).length;
      assert.equal(records[t].realFraction, realCount / n);
      counts[t].push(realCount);
    }
  }
  // Iteration t draws n of the pool's t n points, n of them real, without replacement: the real count is
  // Hypergeometric(t n, n, n), mean n / t; its exact variance and fourth moment give the standard errors.
  for (let t = 2; t <= iterations; t++) {
    const pmf = hypergeometric(t * n, n, n);
    const moment = (f: (k: number) => number) => pmf.reduce((s, p, k) => s + p * f(k), 0);
    const mean = moment((k) => k);
    const variance = moment((k) => (k - mean) ** 2);
    const mu4 = moment((k) => (k - mean) ** 4);
    assert(Math.abs(mean - n / t) < 1e-12);
    const sample = meanAndStandardError(counts[t - 1]);
    assert(Math.abs(sample.mean - mean) < 4 * Math.sqrt(variance / runs), `t=${t}: mean ${sample.mean} vs ${mean}`);
    // Without replacement the variance is n (1/t)(1 - 1/t) (t n - n)/(t n - 1), below the binomial's.
    assert(
      Math.abs(sample.sd ** 2 - variance) < 4 * Math.sqrt((mu4 - variance ** 2) / runs),
      `t=${t}: variance ${sample.sd ** 2} vs ${variance}`,
    );
  }
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

Deno.test("score: unscored iterations are fitted and sampled, not evaluated, and left out of the result", async () => {
  for (const workflow of WORKFLOWS) {
    const everySeen: number[][] = [], scheduledSeen: number[][] = [];
    const every = await runWorkflow(trackingEstimator(everySeen), real, { workflow, iterations: 10, rng: new Rng(3) });
    const visited: number[] = [];
    const scheduled = await runWorkflow(trackingEstimator(scheduledSeen), real, {
      workflow,
      iterations: 10,
      rng: new Rng(3),
      score: (t) => t % 3 === 0,
      onIteration: (record) => {
        visited.push(record.iteration);
        if (record.iteration % 3 !== 0 && record.iteration !== 10) assert.deepEqual(record.metrics, {});
      },
    });
    const kept = [3, 6, 9, 10];
    assert.deepEqual(visited, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], workflow);
    // Evaluated only at the scored iterations (the last always), and there on the training sets of the full run.
    assert.deepEqual(scheduledSeen, kept.map((t) => everySeen[t - 1]), workflow);
    assert.deepEqual(scheduled, every.filter((r) => kept.includes(r.iteration)), workflow);
  }
});

Deno.test("score: a run stopped at an unscored iteration ends with the scored one before it", async () => {
  const records = await runWorkflow(trackingEstimator([]), real, {
    workflow: "Replace",
    iterations: 10,
    rng: new Rng(0),
    score: (t) => t % 3 === 0,
    onIteration: (record) => record.iteration < 5,
  });
  assert.deepEqual(records.map((r) => r.iteration), [3]);
});
