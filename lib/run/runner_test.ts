// Also exercises run_worker.ts: every computed run below goes through the runner's workers.
import assert from "node:assert/strict";
import { defineExperiment } from "../experiments/define.ts";
import { integer, seed } from "../experiments/fields.ts";
import { Batcher, describeCounts, runGrid } from "./runner.ts";
import { readRun, runPath, writeRun } from "./store.ts";

const definition = {
  name: "square",
  module: import.meta.url,
  description: "squares its size",
  fields: { size: integer(), seed: seed() },
  grids: { main: { smoke: {}, default: {}, paper: {} } },
  example: { size: 1, seed: 0 },
  run: (c: { size: number; seed: number }) => {
    if (c.size === 13) throw new Error("unlucky size");
    return Promise.resolve([{ ...c, value: c.size * c.size }]);
  },
  cost: (c: { size: number }) => c.size,
};
const square = defineExperiment({ ...definition, version: 2 });
export default square;

Deno.test("runGrid computes what is missing in workers, reuses what is stored, and counts older versions", async () => {
  const store = await Deno.makeTempDir({ prefix: "collapse-runner-" });
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    const configs = [1, 2, 3, 4].map((size) => ({ size, seed: 0 }));
    // Run 4 was stored by version 1 of the experiment: it is computed anew, and counted.
    writeRun(runPath({ name: "square", version: 1 }, configs[3], store), [{ ...configs[3], value: -1 }]);
    const first = await runGrid(square, configs.slice(1), { storeDir: store, workers: 2 });
    assert.deepEqual(first.map((r) => r.value), [4, 9, 16]);
    assert(first.every((r) => r.experimentVersion === 2));
    assert.deepEqual(readRun(runPath(square, configs[1], store)), [first[0]]);
    const computed: Record<string, unknown>[] = [];
    const all = await runGrid(square, configs, { storeDir: store, onComputed: (c) => computed.push(c) });
    assert.deepEqual([...computed], [configs[0]], "only the missing run is computed");
    assert.deepEqual(all.map((r) => r.value), [1, 4, 9, 16], "in the order of the configurations");
    assert.deepEqual(lines.filter((l) => l.startsWith("square:")), [
      "square: 3 runs of version 2: 0 reused, 3 to compute (1 of them stored by an older version, ignored)",
      "square: 4 runs of version 2: 3 reused, 1 to compute",
    ]);
    await runGrid(square, configs, { storeDir: store, refresh: true, onComputed: (c) => computed.push(c) });
    assert.equal(computed.length, 5, "refresh recomputes every run");
  } finally {
    console.log = log;
    await Deno.remove(store, { recursive: true });
  }
});

Deno.test("a bad configuration fails before any work; a failing run names its configuration", async () => {
  const store = await Deno.makeTempDir({ prefix: "collapse-runner-" });
  try {
    await assert.rejects(
      () => runGrid(square, [{ size: 2, seed: 0 }, { size: 0, seed: 0 }], { storeDir: store }),
      /size must be/,
    );
    assert.deepEqual([...Deno.readDirSync(store)], [], "nothing computed");
    await assert.rejects(
      () => runGrid(square, [{ size: 13, seed: 0 }], { storeDir: store }),
      /run \{"size":13,"seed":0\} failed:\nError: unlucky size/,
    );
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});

Deno.test("the summary line names the version and what was reused", () => {
  assert.equal(
    describeCounts("x", square, { runs: 5, reused: 5, computed: 0, olderVersion: 0 }),
    "x: 5 runs of version 2: 5 reused, 0 to compute",
  );
});

Deno.test("cheap runs go to the workers in batches, each stored as one compacted file, read back as if alone", async () => {
  const [batched, alone] = [
    await Deno.makeTempDir({ prefix: "collapse-batched-" }),
    await Deno.makeTempDir({ prefix: "collapse-alone-" }),
  ];
  const log = console.log;
  console.log = () => {};
  try {
    const configs = Array.from({ length: 300 }, (_, seed) => ({ size: 2, seed }));
    const rows = await runGrid(square, configs, { storeDir: batched, workers: 2 });
    const reference = await runGrid(square, configs, { storeDir: alone, workers: 2, batchSeconds: 0 });
    assert.deepEqual(rows, reference);
    const names = (dir: string) => [...Deno.readDirSync(`${dir}/square`)].map((e) => e.name);
    assert.equal(names(alone).length, 300, "batchSeconds 0: one file per run");
    assert(names(batched).length < 100, `batched: ${names(batched).length} files for 300 runs`);
    assert(names(batched).some((name) => name.startsWith("compacted-")));
    const computed: unknown[] = [];
    assert.deepEqual(await runGrid(square, configs, { storeDir: batched, onComputed: (c) => computed.push(c) }), rows);
    assert.equal(computed.length, 0, "every batched run is read back from the store");
  } finally {
    console.log = log;
    await Deno.remove(batched, { recursive: true });
    await Deno.remove(alone, { recursive: true });
  }
});

Deno.test("a batcher sends costly runs alone, groups cheap ones, and keeps each batch a small share of the rest", () => {
  const costs = [100, 100, ...new Array(1000).fill(1)];
  const batcher = new Batcher(costs, 2, 0.25);
  const sizes: number[] = [];
  let start = 0;
  for (let size = batcher.next(start); size > 0; size = batcher.next(start)) {
    sizes.push(size);
    // 1 ms of overhead per run and 1 ms per unit of cost.
    const work = costs.slice(start, start + size).reduce((a, b) => a + b, 0);
    batcher.record({ count: size, work, duration: size + work });
    start += size;
  }
  assert.equal(sizes.reduce((a, b) => a + b, 0), costs.length, "every run once");
  assert.deepEqual(sizes.slice(0, 2), [1, 1], "untimed: alone");
  assert(Math.max(...sizes) <= 125, "at most 0.25 s predicted per batch");
  assert(sizes.length < 100, `${sizes.length} batches`);
  assert.equal(sizes.at(-1), 1, "the last runs go alone: a quarter of a worker's share of what is left");
});
