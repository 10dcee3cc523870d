import assert from "node:assert/strict";
import type { RunRow } from "../lib/experiments/define.ts";
import { EXPERIMENTS } from "../lib/experiments/mod.ts";
import { type Executor, type PlanProgress, planRuns, runKey, RunQueue, type RunRequest } from "./plan.ts";
import { answer } from "./protocol.ts";
import { decodeState } from "./state.ts";

const registry = EXPERIMENTS;

Deno.test("a plan runs seed by seed, each configuration validated by its experiment", () => {
  const { state } = decodeState(
    "experiment=gaussian&workflow=Replace,Accumulate-Subsample&seeds=2&samplesPerIteration=10,100&dim=3&iterations=5",
    { registry },
  );
  const { runs, problems } = planRuns(registry.gaussian, state);
  assert.deepStrictEqual(problems, []);
  assert.deepStrictEqual(
    runs.map((r) => [r.config.seed, r.config.samplesPerIteration, r.config.workflow, r.config.sampling]),
    [
      [0, 10, "Replace", "statistics"],
      [0, 10, "Accumulate-Subsample", "points"],
      [0, 100, "Replace", "statistics"],
      [0, 100, "Accumulate-Subsample", "points"],
      [1, 10, "Replace", "statistics"],
      [1, 10, "Accumulate-Subsample", "points"],
      [1, 100, "Replace", "statistics"],
      [1, 100, "Accumulate-Subsample", "points"],
    ],
  );
  // The configuration is the experiment's validated one (every field, defaults filled): the store's key.
  assert.deepStrictEqual(runs[0].config, registry.gaussian.validate(runs[0].config));
  assert.equal(runs[0].key, runKey("gaussian", runs[0].config));
});

Deno.test("configurations the experiment refuses are left out, their message given once", () => {
  const { state } = decodeState(
    "experiment=gaussian&workflow=Replace,Accumulate-Subsample&seeds=3&sampling=statistics",
    {
      registry,
    },
  );
  const { runs, problems } = planRuns(registry.gaussian, state);
  assert.equal(runs.length, 3);
  assert.deepStrictEqual(problems, [
    'Accumulate-Subsample: sampling "statistics" cannot serve workflow "Accumulate-Subsample": use "points"',
  ]);
});

/** An executor that answers when told to, recording what it was asked. */
function manualExecutor(): {
  run: Executor;
  asked: RunRequest[];
  finish(rows?: RunRow[]): void;
  fail(m: string): void;
} {
  const waiting: { resolve(rows: RunRow[]): void; reject(e: Error): void; request: RunRequest }[] = [];
  const asked: RunRequest[] = [];
  return {
    asked,
    run: (request) =>
      new Promise((resolve, reject) => {
        asked.push(request);
        waiting.push({ resolve, reject, request });
      }),
    finish: (rows) => {
      const next = waiting.shift()!;
      next.resolve(rows ?? [{ seed: next.request.config.seed, value: 1 }]);
    },
    fail: (message) => waiting.shift()!.reject(new Error(message)),
  };
}

const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("the queue keeps plan order whatever order runs finish in, and reports after each", async () => {
  const executors = [manualExecutor(), manualExecutor()];
  const queue = new RunQueue(executors.map((e) => e.run), { now: () => 0 });
  const runs = [0, 1, 2].map((seed) => ({ config: { seed }, key: `k${seed}` }));
  const seen: PlanProgress[] = [];
  const done = queue.start("x", runs, { onProgress: (p) => seen.push(p) });
  await flush();
  assert.deepStrictEqual(executors.map((e) => e.asked.map((r) => r.config.seed)), [[0], [1]]);
  executors[1].finish();
  await flush();
  assert.deepStrictEqual(seen.at(-1)!.rows, [{ seed: 1, value: 1 }]);
  assert.deepStrictEqual(executors[1].asked.map((r) => r.config.seed), [1, 2], "the free executor takes the next run");
  executors[1].fail("boom");
  executors[0].finish();
  const final = await done;
  assert.deepStrictEqual(final!.rows, [{ seed: 0, value: 1 }, { seed: 1, value: 1 }]);
  assert.deepStrictEqual(final!.errors, ["k2: boom"]);
  assert.deepStrictEqual(seen.map((p) => p.done), [1, 2, 3]);
  assert.equal(final!.finished, true);
});

Deno.test("a new plan drops queued runs, reuses finished and in-flight ones, and supersedes the old", async () => {
  const executor = manualExecutor();
  const queue = new RunQueue([executor.run]);
  const run = (seed: number) => ({ config: { seed }, key: `k${seed}` });
  const first = queue.start("x", [run(0), run(1), run(2)]);
  await flush();
  const second = queue.start("x", [run(0), run(3)]); // run 0 in flight; runs 1 and 2 never start
  assert.equal(await first, undefined);
  executor.finish(); // run 0, shared by both plans
  await flush();
  executor.finish(); // run 3
  const final = await second;
  assert.deepStrictEqual(executor.asked.map((r) => r.config.seed), [0, 3]);
  assert.deepStrictEqual(final!.rows, [{ seed: 0, value: 1 }, { seed: 3, value: 1 }]);
  const third = await queue.start("x", [run(3), run(0)]);
  assert.equal(third!.reused, 2);
  assert.deepStrictEqual(third!.rows, [{ seed: 3, value: 1 }, { seed: 0, value: 1 }]);
  assert.equal(executor.asked.length, 2, "nothing recomputed");
  const empty = await queue.start("x", []);
  assert.equal(empty!.finished, true);
  assert.deepStrictEqual([empty!.total, empty!.rows], [0, []]);
});

Deno.test("the cache keeps at most its row budget, dropping the runs used longest ago", async () => {
  let calls = 0;
  const queue = new RunQueue([(r) => (calls++, Promise.resolve([{ seed: r.config.seed as number }]))], {
    cacheRows: 2,
  });
  const run = (seed: number) => ({ config: { seed }, key: `k${seed}` });
  await queue.start("x", [run(0), run(1)]);
  await queue.start("x", [run(0)]); // touches 0
  await queue.start("x", [run(2)]); // evicts 1
  assert.ok(queue.cached("k0") && queue.cached("k2"));
  assert.equal(queue.cached("k1"), undefined);
  assert.equal(calls, 3);
});

Deno.test("the worker's answer is the experiment's own runConfig, and errors come back as messages", async () => {
  const config = registry.gaussian.validate({ ...registry.gaussian.example });
  const reply = await answer({ id: 7, kind: "run", experiment: "gaussian", config }, registry);
  assert.equal(reply.kind, "run");
  assert.deepStrictEqual(reply.kind === "run" && reply.rows, await registry.gaussian.runConfig(config));
  const bad = await answer({ id: 8, kind: "run", experiment: "gaussian", config: { ...config, dim: 0 } }, registry);
  assert.deepStrictEqual(bad, { id: 8, kind: "error", message: "dim must be an integer >= 1, got 0" });
  const none = await answer({ id: 9, kind: "samples", experiment: "gaussian", config, iterations: [1] }, registry);
  assert.deepStrictEqual(none, { id: 9, kind: "error", message: 'experiment "gaussian" has no sample replay' });
});
