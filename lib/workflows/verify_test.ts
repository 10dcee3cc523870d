import assert from "node:assert/strict";
import { arrayOps, type Estimator } from "../models/estimator.ts";
import { Rng } from "../numerics/rng.ts";
import { type IterationData, runWorkflow } from "./mod.ts";
import { drawVerified, type Verifier } from "./verify.ts";

// Samples are uniform numbers in [0, 1); the verifier's score of a point is the point itself.
const uniform: Estimator<number[], null> = {
  ops: arrayOps<number>(),
  fit: () => null,
  sample: (_, count, rng) => Array.from({ length: count }, () => rng.random()),
  evaluate: () => ({}),
};
const byValue = (rule: Verifier<number[]>["rule"], budget?: number): Verifier<number[]> => ({
  score: (data) => Float64Array.from(data),
  rule,
  budget,
});

Deno.test("top fraction q: ceil(count / q) points drawn, exactly the count best kept, in draw order", async () => {
  const count = 7, q = 0.3;
  const { data, acceptRate, drawn } = await drawVerified(uniform, null, {
    count,
    rng: new Rng(2),
    verifier: byValue({ fraction: q }),
  });
  const all = uniform.sample(null, Math.ceil(count / q), new Rng(2)) as number[];
  assert.equal(drawn, Math.ceil(count / q));
  const best = [...all].sort((a, b) => b - a).slice(0, count);
  assert.deepEqual([...data].sort((a, b) => b - a), best, "the accepted set is exactly the best");
  assert.deepEqual(data, all.filter((x) => best.includes(x)), "in draw order");
  assert.equal(acceptRate, count / drawn);
});

Deno.test("threshold: only points scoring at least it, drawn until the quota, within the budget", async () => {
  const count = 20, threshold = 0.9;
  const { data, acceptRate, drawn } = await drawVerified(uniform, null, {
    count,
    rng: new Rng(5),
    verifier: byValue({ threshold }, 100),
  });
  assert.equal(data.length, count);
  assert(data.every((x) => x >= threshold));
  // The draws are the stream's first `drawn` uniforms; the kept ones are exactly those above the threshold.
  const all = uniform.sample(null, drawn, new Rng(5)) as number[];
  assert.deepEqual(data, all.filter((x) => x >= threshold).slice(0, count));
  assert.equal(acceptRate, count / drawn);
  // A budget too small to meet the quota: at most budget x count points are drawn, and fewer are kept.
  const short = await drawVerified(uniform, null, { count, rng: new Rng(5), verifier: byValue({ threshold }, 2) });
  assert(short.drawn <= 2 * count && short.data.length < count && short.data.every((x) => x >= threshold));
  await assert.rejects(
    () => drawVerified(uniform, null, { count: 3, rng: new Rng(0), verifier: byValue({ threshold: 2 }) }),
    /accepted none of 30 synthetic points \(threshold 2, budget 10\)/,
  );
});

Deno.test("a verified workflow trains on the accepted points and records the acceptance rate", async () => {
  const sets: number[][] = [];
  const records = await runWorkflow(uniform, [0.5, 0.5, 0.5, 0.5], {
    workflow: "Accumulate",
    iterations: 3,
    rng: new Rng(9),
    verifier: byValue({ fraction: 0.5 }),
    onIteration: (_, { samples }: IterationData<number[]>) => void (samples && sets.push(samples)),
  });
  assert.deepEqual(records.map((r) => r.metrics.acceptRate), [0.5, 0.5, undefined]);
  assert.deepEqual(records.map((r) => r.metrics.accepted), [4, 4, undefined]);
  assert.deepEqual(records.map((r) => r.trainingSize), [4, 8, 12]);
  assert(sets.every((s) => s.length === 4));
});

Deno.test("bad verifier rules fail before any work, naming the field", async () => {
  for (
    const [verifier, message] of [
      [byValue({ fraction: 0 }), /verifier fraction must be a number in \(0, 1\], got 0/],
      [byValue({ fraction: 1.5 }), /verifier fraction must be a number in \(0, 1\], got 1.5/],
      [byValue({ threshold: 0.5 }, 0), /verifier budget must be an integer >= 1, got 0/],
      [{ ...byValue({ fraction: 1 }), rule: {} as never }, /a verifier rule is \{ fraction \} or \{ threshold \}/],
    ] as const
  ) {
    await assert.rejects(
      () => runWorkflow(uniform, [0.1], { workflow: "Replace", iterations: 2, rng: new Rng(0), verifier }),
      message,
    );
  }
});
