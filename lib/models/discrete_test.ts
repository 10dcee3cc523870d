import assert from "node:assert/strict";
import {
  binomial,
  countRolls,
  type Counts,
  CountsAccumulator,
  countsOps,
  discreteEstimator,
  entropy,
  entropyOf,
  mergeCounts,
  poolTally,
  rollFairDie,
  sampleDiscrete,
} from "./discrete.ts";
import { Rng } from "../numerics/rng.ts";
import { nativeKernels } from "../numerics/native/mod.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
import { runWorkflow } from "../workflows/mod.ts";

Deno.test("entropy of known distributions", async () => {
  assert(Math.abs(entropyOf(new Array(8).fill(1 / 8)) - Math.log(8)) < 1e-15);
  assert(Math.abs(entropyOf([0.5, 0.25, 0.25]) - 1.5 * Math.LN2) < 1e-15);
  assert.equal(entropyOf([0, 1, 0]), 0);
  // Counts [2, 1, 1] of 4 rolls: proportions 1/2, 1/4, 1/4.
  assert(Math.abs(entropy(countRolls(5, [3, 0, 3, 4])) - 1.5 * Math.LN2) < 1e-15);
  assert.equal(entropy(countRolls(3, [2, 2, 2])), 0);
  const metrics = await discreteEstimator(4).evaluate(countRolls(4, [0, 1, 2, 3]));
  assert.equal(metrics.entropyFraction, 1);
  assert.equal(metrics.support, 4);
  assert.equal(metrics.collision, 0.25);
});

Deno.test("countRolls and mergeCounts keep outcomes sorted and totals exact", () => {
  const a = countRolls(10, [7, 1, 7, 3]);
  assert.deepEqual([...a.outcomes], [1, 3, 7]);
  assert.deepEqual([...a.counts], [1, 1, 2]);
  const merged = mergeCounts(a, countRolls(10, [0, 3, 9]));
  assert.deepEqual([...merged.outcomes], [0, 1, 3, 7, 9]);
  assert.deepEqual([...merged.counts], [1, 1, 2, 2, 1]);
  assert.equal(merged.total, 7);
  assert.throws(() => countRolls(3, [3]), /outside 0..2/);
});

for (const [n, p] of [[10, 0.3], [50, 0.999], [1000, 0.5], [1_000_000, 0.3], [123_457, 1e-4], [40, 0]]) {
  Deno.test(`binomial(${n}, ${p}): mean and variance within Monte Carlo error`, () => {
    const rng = new Rng(21, n, p);
    const draws = Array.from({ length: 20_000 }, () => binomial(rng, { trials: n, probability: p }));
    assert(draws.every((x) => Number.isInteger(x) && x >= 0 && x <= n));
    const { mean, se } = meanAndStandardError(draws);
    const variance = n * p * (1 - p);
    if (variance === 0) {
      assert.equal(mean, n * p);
      return;
    }
    assert(Math.abs(mean - n * p) < 4 * Math.sqrt(variance / draws.length) + 1e-12, `mean ${mean} (se ${se})`);
    // The sample variance's standard error is sqrt((mu4 - variance^2) / N), with the binomial's fourth
    // central moment mu4 = n p q (1 + 3 (n - 2) p q): large for the skewed, small-mean cases.
    const sampleVariance = draws.reduce((a, x) => a + (x - mean) ** 2, 0) / (draws.length - 1);
    const mu4 = variance * (1 + 3 * (n - 2) * p * (1 - p));
    assert(
      Math.abs(sampleVariance - variance) < 4 * Math.sqrt((mu4 - variance ** 2) / draws.length),
      `variance ${sampleVariance} vs ${variance}`,
    );
  });
}

Deno.test("binomial: the whole distribution matches the pmf (chi-square), on both sampling paths", () => {
  // Bin(60, 0.5) starts with a beta split (min(p, 1 - p) * n = 30 >= 20) and ends by inversion;
  // Bin(30, 0.2) is pure inversion.
  for (const [n, p] of [[60, 0.5], [30, 0.2]]) {
    const rng = new Rng(25, n);
    const draws = 40_000;
    const observed = new Float64Array(n + 1);
    for (let i = 0; i < draws; i++) observed[binomial(rng, { trials: n, probability: p })]++;
    let logChoose = 0, chiSquare = 0, bins = 0;
    for (let x = 0; x <= n; x++) {
      if (x > 0) logChoose += Math.log((n - x + 1) / x);
      const expected = draws * Math.exp(logChoose + x * Math.log(p) + (n - x) * Math.log(1 - p));
      if (expected < 5) continue; // the sparse tails: too few draws for the chi-square approximation
      chiSquare += (observed[x] - expected) ** 2 / expected;
      bins++;
    }
    // chi-square with about `bins` degrees of freedom: mean bins, sd sqrt(2 bins); allow 5 sd.
    assert(chiSquare < bins + 5 * Math.sqrt(2 * bins), `Bin(${n}, ${p}): chi-square ${chiSquare} over ${bins} bins`);
  }
});

Deno.test("binomial rejects bad arguments naming them", () => {
  const rng = new Rng(0);
  assert.throws(() => binomial(rng, { trials: -1, probability: 0.5 }), /trials/);
  assert.throws(() => binomial(rng, { trials: 5, probability: 1.5 }), /probability must be in \[0, 1\]/);
});

Deno.test("sampleDiscrete: totals exact, proportions within Monte Carlo error, only fitted outcomes", () => {
  const model = countRolls(100, [5, 5, 5, 20, 20, 70]); // p = 1/2, 1/3, 1/6 on outcomes 5, 20, 70
  const rng = new Rng(22);
  const n = 60, reps = 5000;
  const sums = new Map<number, number[]>([[5, []], [20, []], [70, []]]);
  for (let r = 0; r < reps; r++) {
    const s = sampleDiscrete(model, n, rng);
    assert.equal(s.total, n);
    assert.equal(s.counts.reduce((a, b) => a + b, 0), n);
    for (const o of s.outcomes) assert(sums.has(o), `outcome ${o} was never fitted`);
    for (const o of [5, 20, 70]) {
      const i = s.outcomes.indexOf(o);
      sums.get(o)!.push(i < 0 ? 0 : s.counts[i]);
    }
  }
  for (const [o, p] of [[5, 1 / 2], [20, 1 / 3], [70, 1 / 6]]) {
    const { mean } = meanAndStandardError(sums.get(o)!);
    assert(Math.abs(mean - n * p) < 4 * Math.sqrt(n * p * (1 - p) / reps), `outcome ${o}: ${mean}`);
  }
});

Deno.test("Replace is absorbing: a lost outcome never returns, and the die collapses to one face", async () => {
  const estimator = discreteEstimator(6);
  const rng = new Rng(23);
  let model = await estimator.fit(rollFairDie(rng, { sides: 6, count: 8 }));
  let previous = new Set(model.outcomes);
  let collapsedAt = 0;
  for (let t = 2; t <= 2000 && collapsedAt === 0; t++) {
    model = await estimator.fit(sampleDiscrete(model, 8, rng));
    for (const o of model.outcomes) assert(previous.has(o), `outcome ${o} came back at iteration ${t}`);
    previous = new Set(model.outcomes);
    if (model.outcomes.length === 1) collapsedAt = t;
  }
  assert(collapsedAt > 0, "8 rolls per iteration must fixate within 2000 iterations");
  assert.equal((await estimator.evaluate(model)).entropy, 0);
  // Once collapsed, it stays collapsed.
  assert.deepEqual([...sampleDiscrete(model, 8, rng).outcomes], [...model.outcomes]);
});

Deno.test("Replace: E[sum p^2] = 1 - (1 - 1/n)^t (1 - 1/k) within Monte Carlo error", async () => {
  // Each refit from n rolls maps 1 - sum p^2 to (1 - 1/n)(1 - sum p^2) in expectation,
  // starting from the fair die's 1 - 1/k.
  const k = 7, n = 12, iterations = 8, seeds = 4000;
  const estimator = discreteEstimator(k);
  const values: number[][] = Array.from({ length: iterations }, () => []);
  for (let seed = 0; seed < seeds; seed++) {
    const records = await runWorkflow(estimator, rollFairDie(new Rng(seed, "real"), { sides: k, count: n }), {
      workflow: "Replace",
      iterations,
      rng: new Rng(seed, "replace"),
    });
    records.forEach((r, t) => values[t].push(r.metrics.collision));
  }
  for (let t = 1; t <= iterations; t++) {
    const { mean, se } = meanAndStandardError(values[t - 1]);
    const expected = 1 - (1 - 1 / n) ** t * (1 - 1 / k);
    assert(Math.abs(mean - expected) < 4 * se, `t=${t}: ${mean} vs ${expected} (se ${se})`);
  }
});

Deno.test("Accumulate keeps the real support; its accumulator equals the merged pool", async () => {
  const rng = new Rng(24);
  const real = rollFairDie(rng, { sides: 50, count: 20 });
  const records = await runWorkflow(discreteEstimator(50), real, { workflow: "Accumulate", iterations: 30, rng });
  assert(records.every((r) => r.metrics.support === real.outcomes.length));
  const accumulator = new CountsAccumulator();
  const pool = countsOps.pool();
  let merged: Counts | undefined;
  for (let i = 0; i < 4; i++) {
    const batch = rollFairDie(rng, { sides: 50, count: 10 + i });
    accumulator.add(batch);
    pool.append(batch);
    merged = merged ? mergeCounts(merged, batch) : batch;
  }
  assert.deepEqual(accumulator.fit(), merged);
  assert.deepEqual(pool.all(), merged);
  assert.equal(accumulator.count, 10 + 11 + 12 + 13);
});

Deno.test("the counts pool maps positions to rolls: every position, and each batch's own range", () => {
  const pool = countsOps.pool();
  const batches = [countRolls(9, [4, 1, 4, 8]), countRolls(9, [0, 0, 2]), countRolls(9, [8, 8, 8, 3, 5])];
  for (const b of batches) pool.append(b);
  assert.equal(pool.size, 12);
  const everything = pool.select(Int32Array.from({ length: 12 }, (_, i) => 11 - i));
  assert.deepEqual(everything, pool.all());
  assert.deepEqual(pool.select(Int32Array.from([0, 1, 2, 3])), batches[0]);
  assert.deepEqual(pool.select(Int32Array.from([4, 5, 6])), batches[1]);
  assert.deepEqual(pool.select(Int32Array.from([7, 8, 9, 10, 11])), batches[2]);
  assert.throws(() => pool.select(Int32Array.from([12])), /outside the pool/);
});

Deno.test("sampleDiscrete draws the same counts on the native route as the binomials drawn one by one here", () => {
  const models = [
    countRolls(5, [0, 1, 1, 2, 2, 2, 3, 4]),
    { sides: 1000, outcomes: Int32Array.of(3, 70, 999), counts: Float64Array.of(40_000, 59_990, 10), total: 100_000 },
    { sides: 500, outcomes: Int32Array.from({ length: 500 }, (_, i) => i), counts: new Float64Array(500).fill(3) },
  ].map((m) => ({ ...m, total: m.counts.reduce((a: number, b: number) => a + b, 0) }));
  for (const [i, model] of models.entries()) {
    for (const count of [1, 50, 5000, 300_000]) {
      const a = new Rng(i, "sample", count), b = new Rng(i, "sample", count);
      const drawn = sampleDiscrete(model, count, a);
      // The reference: sequential conditional binomials, each drawn by binomial().
      const expected = new Float64Array(model.counts.length);
      let left = count, mass = model.total;
      for (let j = 0; j < expected.length && left > 0; j++) {
        const c = model.counts[j];
        expected[j] = j === expected.length - 1 || c >= mass
          ? left
          : binomial(b, { trials: left, probability: c / mass });
        left -= expected[j];
        mass -= c;
      }
      const tally = new Float64Array(model.counts.length);
      drawn.outcomes.forEach((outcome, k) => tally[model.outcomes.indexOf(outcome)] = drawn.counts[k]);
      assert.deepEqual(tally, expected, `model ${i}, ${count} rolls`);
      assert.equal(a.nextUint32(), b.nextUint32(), "the same words consumed");
    }
  }
});

Deno.test("a workflow's retain option keeps the records it names and always the last", async () => {
  const options = { workflow: "Replace" as const, iterations: 30 };
  const real = rollFairDie(new Rng(1, "die"), { sides: 6, count: 20 });
  const all = await runWorkflow(discreteEstimator(6), real, { ...options, rng: new Rng(1, "w") });
  const kept = await runWorkflow(discreteEstimator(6), real, {
    ...options,
    rng: new Rng(1, "w"),
    retain: (t) => t % 7 === 0,
  });
  assert.deepEqual(kept, all.filter((r) => r.iteration % 7 === 0 || r.iteration === 30));
});

Deno.test("poolTally counts the same in TypeScript and in C, through runs or rolls, and leaves its bit set clear", () => {
  const rng = new Rng(3, "tally");
  const runs = 5000, ends = new Float64Array(runs), outcomes = new Int32Array(runs);
  let size = 0;
  for (let r = 0; r < runs; r++) {
    ends[r] = size += 1 + rng.int(5);
    outcomes[r] = rng.int(700);
  }
  const rolls = new Int32Array(size);
  for (let r = 0, p = 0; r < runs; r++) rolls.fill(outcomes[r], p, p = ends[r]);
  const indices = rng.sampleWithoutReplacement(size, 4000);
  const bits = new Int32Array((size + 31) >>> 5);
  const expected = new Float64Array(700);
  for (const index of indices) expected[rolls[index]]++;
  const js = new Float64Array(700);
  assert(poolTally(indices, { size, bits, ends, outcomes, tally: js }));
  assert.deepEqual(js, expected);
  assert(bits.every((w) => w === 0));
  assert(!poolTally(Int32Array.of(3, 9, 3), { size, bits, ends, outcomes, tally: js }), "a repeated position");
  assert(bits.every((w) => w === 0));
  const native = nativeKernels();
  if (!native) return;
  const c = new Float64Array(700), byRolls = new Float64Array(700);
  assert(native.poolTally(indices, { size, bits, ends, outcomes, tally: c }));
  assert(native.poolTallyRolls(indices, { size, bits, rolls, tally: byRolls }));
  assert.deepEqual(c, expected);
  assert.deepEqual(byRolls, expected);
  assert(!native.poolTally(Int32Array.of(size), { size, bits, ends, outcomes, tally: c }), "outside the pool");
  assert(bits.every((w) => w === 0));
});
