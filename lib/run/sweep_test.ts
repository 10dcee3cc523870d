import assert from "node:assert/strict";
import { mergeStores } from "../../tools/merge.ts";
import { EXPERIMENTS } from "../experiments/mod.ts";
import { runGrid } from "./runner.ts";
import { type RunConfig, runKey } from "./store.ts";
import { formatSweep, parseShard, parseSweep, shardConfigs, SweepError } from "./sweep.ts";
import { staleSweepFiles } from "../../tools/sweeps.ts";

const key = (config: RunConfig): string => runKey(config, 1);

const tiny = `experiment: gaussian
parameters:
  dim: { values: [1, 2] }
  samplesPerIteration: { value: 5 }
  workflow: { values: [Replace, Accumulate] }
  seed: { min: 0, max: 2 }
  iterations: { value: 3 }
  sigmaSquared: { value: 1 }
`;

Deno.test("a sweep expands to its grid, last parameter fastest", () => {
  const sweep = parseSweep(tiny);
  assert.equal(sweep.experiment.name, "gaussian");
  assert.equal(sweep.configs.length, 2 * 2 * 3);
  assert.deepEqual(sweep.configs.slice(0, 3).map((c) => c.seed), [0, 1, 2]);
  assert.equal(sweep.configs[0].sampling, "statistics"); // filled in by validation
});

Deno.test("the shipped sweep files are generated from the definitions and cover the paper preset exactly", () => {
  assert.deepEqual(staleSweepFiles(new URL("../../sweeps", import.meta.url).pathname), [], "run `deno task sweeps`");
  const byExperiment = new Map<string, string[]>();
  for (const entry of Deno.readDirSync(new URL("../../sweeps", import.meta.url))) {
    const text = Deno.readTextFileSync(new URL(`../../sweeps/${entry.name}`, import.meta.url));
    const sweep = parseSweep(text, entry.name);
    const keys = byExperiment.get(sweep.experiment.name) ?? [];
    keys.push(...sweep.configs.map(key));
    byExperiment.set(sweep.experiment.name, keys);
  }
  assert.deepEqual(
    [...byExperiment.keys()].sort(),
    Object.keys(EXPERIMENTS).sort(),
    "sweep files for every experiment",
  );
  for (const [name, keys] of byExperiment) {
    const paper = EXPERIMENTS[name].configs("paper").map(key);
    assert.deepEqual([...new Set(keys)].sort(), [...paper].sort(), name);
  }
});

Deno.test("a generated sweep file parses back to its grid, with docs as comments", () => {
  const experiment = EXPERIMENTS.gaussian;
  const text = formatSweep(experiment, { grid: "main", preset: "smoke" });
  assert.match(text, /dim: \{ values: \[1, 10\] \} +# dimension d of the data: an integer >= 1/);
  assert.match(text, /# Left at their defaults:\n(# {3}.*\n)*# {3}sampling \(default derived\)/);
  assert.deepEqual(parseSweep(text).configs, experiment.configs("smoke", { grid: "main" }));
});

Deno.test("shards are disjoint and together cover the grid", () => {
  const configs = parseSweep(tiny).configs;
  for (const count of [1, 2, 5, 12, 13]) {
    const shards = Array.from({ length: count }, (_, index) => shardConfigs(configs, { index, count }));
    const keys = shards.flat().map(key);
    assert.equal(keys.length, configs.length, `N = ${count}`);
    assert.equal(new Set(keys).size, configs.length, `N = ${count}: a run in two shards`);
    assert(shards.every((s) => Math.abs(s.length - configs.length / count) < 1));
  }
  assert.deepEqual(parseShard("2/4"), { index: 2, count: 4 });
  for (const bad of ["4/4", "-1/4", "1", "a/b", "0/0"]) assert.throws(() => parseShard(bad), /--shard must be i\/N/);
});

Deno.test("bad sweep files fail before any work, naming the line", () => {
  const cases: [string, RegExp][] = [
    [tiny.replace("gaussian", "gausian"), /<sweep>:1: experiment must be one of "gaussian"/],
    [
      tiny.replace("  iterations:", "  iteration:"),
      /<sweep>:7: unknown parameter "iteration" of experiment "gaussian"/,
    ],
    [tiny.replace("[Replace, Accumulate]", "[Replace, Recycle]"), /<sweep>:5: workflow must be one of/],
    [tiny.replace("{ value: 5 }", '{ value: "five" }'), /<sweep>:4: samplesPerIteration must be an integer >= 1/],
    [tiny.replace("{ min: 0, max: 2 }", "{ min: 2, max: 0 }"), /<sweep>:6: parameter "seed": min and max/],
    [tiny.replace("  sigmaSquared: { value: 1 }\n", ""), /sigmaSquared is required: a finite number > 0/],
    [tiny + "extra: 1\n", /<sweep>:9: unknown key "extra"/],
    ["experiment: [", /not valid YAML/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseSweep(text), (error: Error) => error instanceof SweepError && message.test(error.message));
  }
});

Deno.test("a rerun computes only the missing runs; merged shard stores equal one store", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "collapse-sweep-" });
  try {
    const { experiment, configs } = parseSweep(tiny);
    const computed: string[] = [];
    const onComputed = (c: RunConfig) => computed.push(key(c));
    const full = await runGrid(experiment, configs, { storeDir: `${scratch}/full`, workers: 2, onComputed });
    assert.equal(computed.length, configs.length);
    // Simulate a kill: one run's file is gone. A rerun computes only that one.
    const victim = key(configs[4]);
    await Deno.remove(`${scratch}/full/gaussian/${victim}.parquet`);
    computed.length = 0;
    const again = await runGrid(experiment, configs, { storeDir: `${scratch}/full`, workers: 2, onComputed });
    assert.deepEqual(computed, [victim]);
    assert.deepEqual(again, full, "bit-identical results after resuming");
    // Two shards into two stores, merged: the same files as the single store.
    for (const index of [0, 1]) {
      await runGrid(experiment, shardConfigs(configs, { index, count: 2 }), { storeDir: `${scratch}/shard${index}` });
    }
    // A run's attachment (<key>.<name>) travels with it.
    const attached = shardConfigs(configs, { index: 1, count: 2 })[0];
    await Deno.writeTextFile(`${scratch}/shard1/gaussian/${key(attached)}.notes.txt`, "attached");
    const report = mergeStores([`${scratch}/shard0`, `${scratch}/shard1`], `${scratch}/merged`);
    assert.deepEqual(report, { copied: configs.length, alreadyPresent: 0, rejected: [] });
    const names = (dir: string) => [...Deno.readDirSync(`${dir}/gaussian`)].map((e) => e.name).sort();
    assert.deepEqual(names(`${scratch}/merged`), [...names(`${scratch}/full`), `${key(attached)}.notes.txt`].sort());
    assert.equal(await Deno.readTextFile(`${scratch}/merged/gaussian/${key(attached)}.notes.txt`), "attached");
    const merged = await runGrid(experiment, configs, { storeDir: `${scratch}/merged` });
    assert.deepEqual(merged, full);
    // A corrupt file is rejected, never merged.
    await Deno.writeTextFile(`${scratch}/shard0/gaussian/0000000000000000.parquet`, "not parquet");
    const second = mergeStores([`${scratch}/shard0`], `${scratch}/merged`);
    assert.equal(second.rejected.length, 1);
    assert.equal(second.alreadyPresent, Math.ceil(configs.length / 2));
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});
