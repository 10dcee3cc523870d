import assert from "node:assert/strict";
import { countRolls, type Counts, discreteEstimator, rollFairDie } from "../models/discrete.ts";
import { collisionExpectations } from "../models/discrete_theory.ts";
import { Rng } from "../numerics/rng.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
import { runWorkflow } from "../workflows/mod.ts";
import discrete, { firstFitScores, isStoredIteration } from "./discrete.ts";

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

const strip = (rows: Record<string, unknown>[]) => rows.map(({ workflow: _w, freshFraction: _f, ...rest }) => rest);

Deno.test("Fresh at 0 is Replace bit for bit; after it each training set is the last fit's rolls plus new fair rolls", async () => {
  const base = { sides: 6, samplesPerIteration: 10, seed: 4, iterations: 8, stopBelowEntropy: 0 };
  assert.deepEqual(
    strip(await discrete.runConfig({ ...base, workflow: "Fresh", freshFraction: 0 })),
    strip(await discrete.runConfig({ ...base, workflow: "Replace" })),
  );
  const rows = await discrete.runConfig({ ...base, workflow: "Fresh", freshFraction: 0.3 });
  assert.deepEqual(rows.map((r) => r.realFraction), [1, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]);
  // The run rebuilt from its streams, recording what each training set holds.
  const tally = (c: Counts) => Array.from({ length: 6 }, (_, i) => c.counts[c.outcomes.indexOf(i)] ?? 0);
  const stream = new Rng(4, "die-fresh", 6, 10);
  const fresh: number[][] = [], trained: number[][] = [], drawn: number[][] = [];
  const records = await runWorkflow(
    discreteEstimator(6),
    rollFairDie(new Rng(4, "die-data", 6, 10), { sides: 6, count: 10 }),
    {
      workflow: "Fresh",
      iterations: 8,
      rng: new Rng(4, "die-workflow", "Replace", 6, 10),
      fresh: {
        fraction: 0.3,
        draw: (count) => {
          const rolls = rollFairDie(stream, { sides: 6, count });
          fresh.push(tally(rolls));
          return rolls;
        },
      },
      onIteration: (_, data) => {
        trained.push(tally(data.training!));
        if (data.samples) drawn.push(tally(data.samples));
      },
    },
  );
  assert.deepEqual(records.map((r) => r.metrics.entropy), rows.map((r) => r.entropy), "the rebuilt run is the run");
  for (let t = 1; t < 8; t++) {
    assert.equal(fresh[t - 1].reduce((a, b) => a + b), 3);
    assert.deepEqual(trained[t], drawn[t - 1].map((c, i) => c + fresh[t - 1][i]), `iteration ${t + 1}`);
  }
});

Deno.test("the collision probability follows its exact recursion under Replace and Fresh (|z| < 4)", async () => {
  const k = 10, n = 10, iterations = 10, seeds = 600;
  for (const fraction of [0, 0.2, 0.5]) {
    const exact = collisionExpectations({
      sides: k,
      samplesPerIteration: n,
      freshRolls: Math.round(fraction * n),
      iterations,
    });
    const values: number[][] = Array.from({ length: iterations }, () => []);
    for (let seed = 0; seed < seeds; seed++) {
      const config = { sides: k, samplesPerIteration: n, seed, iterations, workflow: "Fresh", freshFraction: fraction };
      (await discrete.runConfig(config)).forEach((row, t) => values[t].push(row.collision as number));
    }
    for (const t of [1, 2, 5, 10]) {
      const { mean, se } = meanAndStandardError(values[t - 1]);
      assert(
        Math.abs(mean - exact.collision[t - 1]) < 4 * se,
        `fraction ${fraction} t=${t}: ${mean} vs ${exact.collision[t - 1]}`,
      );
    }
  }
});

Deno.test("the first-fit verifier keeps rolls of the outcomes the real data made likeliest; no oracle is offered", async () => {
  const base = { sides: 20, samplesPerIteration: 40, workflow: "Replace", seed: 1, iterations: 3 };
  const rows = await discrete.runConfig({ ...base, verifier: "first-fit", verifierFraction: 0.25 });
  assert.deepEqual(rows.map((r) => r.acceptRate), [0.25, 0.25, undefined]);
  // Scores: the real proportion of each roll's outcome, 0 for outcomes the real rolls never showed.
  const real = countRolls(5, [0, 0, 1, 3, 3, 3]);
  assert.deepEqual([...firstFitScores(real, countRolls(5, [4, 3, 0, 0, 2]))], [2 / 6, 2 / 6, 0, 0.5, 0]);
  // Iteration 2 trains on the 40 best of 160 rolls of the first fit: the rarer real outcomes are lost at once.
  assert((rows[1].support as number) < (rows[0].support as number) / 2, `${rows[1].support} of ${rows[0].support}`);
  assert((rows[1].collision as number) > 2 * (rows[0].collision as number));
  // The threshold rule: only outcomes the real rolls showed (all of them, under Replace).
  const threshold = await discrete.runConfig({ ...base, verifier: "first-fit", verifierThreshold: 1e-9 });
  assert.deepEqual(threshold.map((r) => r.acceptRate), [1, 1, undefined]);
  assert.throws(
    () => discrete.validate({ ...base, verifier: "oracle", verifierFraction: 0.5 }),
    /verifier must be one of "first-fit", got "oracle"/,
  );
  assert.throws(() => discrete.validate({ ...base, workflow: "Fresh", freshFraction: -1 }), /freshFraction must be/);
  assert.throws(
    () => discrete.validate({ ...base, verifier: "first-fit", verifierFraction: 2 }),
    /verifierFraction must be/,
  );
  assert.throws(() => discrete.validate({ ...base, freshFraction: 0.5 }), /only to workflow "Fresh"/);
});

Deno.test("cost: positive, growing with n, with k up to n, and with the iterations; a collapse run costs at most its iteration cap", () => {
  const cost = (c: Record<string, unknown>): number =>
    discrete.cost!(discrete.validate({ sides: 100, samplesPerIteration: 100, seed: 0, iterations: 100, ...c }));
  for (const workflow of ["Replace", "Accumulate", "Accumulate-Subsample"]) {
    assert.ok(cost({ workflow }) > 0);
    assert.ok(cost({ workflow, samplesPerIteration: 1000 }) > cost({ workflow }), `${workflow}: n`);
    // k matters up to n: a fit has at most min(n, k) outcomes to draw and tally.
    assert.ok(
      cost({ workflow, samplesPerIteration: 1000 }) > cost({ workflow, sides: 10, samplesPerIteration: 1000 }),
      workflow,
    );
    assert.equal(cost({ workflow, iterations: 200 }), 2 * cost({ workflow }), `${workflow}: linear in T`);
  }
  // Fixation takes about 2 n ln(types) iterations: a million-iteration cap does not make a small run costly.
  const collapse = (n: number) =>
    cost({ workflow: "Replace", samplesPerIteration: n, iterations: 1e6, stopBelowEntropy: 1e-8 });
  assert.ok(collapse(10) < cost({ workflow: "Replace", samplesPerIteration: 10, iterations: 1e6 }) / 1000);
  assert.ok(collapse(1000) > collapse(10));
  assert.ok(collapse(1e6) <= cost({ workflow: "Replace", samplesPerIteration: 1e6, iterations: 1e6 }));
  // A verifier drawing n / q rolls costs more than the same run without one.
  assert.ok(
    cost({ workflow: "Replace", verifier: "first-fit", verifierFraction: 0.25 }) > cost({ workflow: "Replace" }),
  );
});
