// Sweeps in other processes over one store: run at the same time, and killed with SIGKILL mid-sweep. Run as a
// program (`deno run -A store_crash_test.ts STORE COUNT MILLIS`), this module is such a sweep: it prints what it
// computed and a digest of the grid's rows.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { canonicalConfig, defineExperiment, type RunRow } from "../experiments/define.ts";
import { integer, seed } from "../experiments/fields.ts";
import { fnv1a64 } from "../numerics/hash.ts";
import { runGrid } from "./runner.ts";
import { verifyStore } from "./store_check.ts";

const grid = { millis: { value: 1 }, seed: { min: 0, max: 3 } };
const slow = defineExperiment({
  name: "slow",
  version: 1,
  module: import.meta.url,
  description: "runs that take a while, so a sweep can be caught in the middle",
  fields: { millis: integer({ min: 0 }), seed: seed() },
  grids: { main: { smoke: grid, default: grid, paper: grid } },
  example: { millis: 1, seed: 0 },
  run: async (c) => {
    await new Promise((resolve) => setTimeout(resolve, c.millis));
    return Array.from(
      { length: 50 },
      (_, iteration) => ({ ...c, iteration, value: Math.sin(c.seed * 50 + iteration) }),
    );
  },
});
export default slow;

const configsOf = (count: number, millis: number): Record<string, number>[] =>
  Array.from({ length: count }, (_, seed) => ({ millis, seed }));

/** A digest of rows that tells apart any two JS values (NaN, -0 and all). */
function digest(rows: readonly RunRow[]): string {
  return fnv1a64(rows.map((row) => canonicalConfig(row) + Object.values(row).map((v) => Object.is(v, -0))).join("\n"));
}

if (import.meta.main) {
  const [storeDir, count, millis] = Deno.args;
  const computed: number[] = [];
  const rows = await runGrid(slow, configsOf(Number(count), Number(millis)), {
    storeDir,
    workers: 2,
    onComputed: (c) => computed.push(c.seed as number),
  });
  console.log(JSON.stringify({ computed, digest: digest(rows) }));
}

function sweep(store: string, count: number, millis: number): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fileURLToPath(import.meta.url), store, String(count), String(millis)],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function result(child: Deno.ChildProcess): Promise<{ computed: number[]; digest: string; stderr: string }> {
  const { code, stdout, stderr } = await child.output();
  const text = new TextDecoder().decode(stdout), errors = new TextDecoder().decode(stderr);
  assert.equal(code, 0, `the sweep failed:\n${text}\n${errors}`);
  return { ...JSON.parse(text.trim().split("\n").at(-1)!), stderr: errors };
}

async function uninterrupted(count: number, millis: number): Promise<string> {
  const store = await Deno.makeTempDir({ prefix: "collapse-crash-reference-" });
  try {
    const log = console.log;
    console.log = () => {};
    try {
      return digest(await runGrid(slow, configsOf(count, millis), { storeDir: store, workers: 2 }));
    } finally {
      console.log = log;
    }
  } finally {
    await Deno.remove(store, { recursive: true });
  }
}

function runFiles(store: string): string[] {
  try {
    return [...Deno.readDirSync(`${store}/slow`)].map((e) => e.name).filter((name) => name.endsWith(".parquet"));
  } catch {
    return [];
  }
}

Deno.test("two sweeps writing one store at once both finish with the same rows, and leave no corrupt file", async () => {
  const store = await Deno.makeTempDir({ prefix: "collapse-concurrent-" });
  try {
    const count = 16;
    const [a, b] = await Promise.all([result(sweep(store, count, 20)), result(sweep(store, count, 20))]);
    assert.equal(a.digest, b.digest);
    assert.equal(a.digest, await uninterrupted(count, 20), "the rows of a sweep alone");
    for (let seed = 0; seed < count; seed++) {
      const times = [...a.computed, ...b.computed].filter((s) => s === seed).length;
      assert(times <= 2, `run ${seed} computed ${times} times`);
    }
    assert.deepEqual([a.stderr, b.stderr].filter((text) => text.includes("unusable")), [], "no file was unusable");
    const report = verifyStore(store, { experiments: { slow } });
    assert.deepEqual(report.findings, []);
    assert.equal(report.runs, count);
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});

Deno.test("a sweep killed with SIGKILL resumes: only the missing runs are computed, the rows are a whole sweep's", async () => {
  const store = await Deno.makeTempDir({ prefix: "collapse-killed-" });
  try {
    const count = 24;
    const child = sweep(store, count, 250);
    for (const started = Date.now(); runFiles(store).length < 4;) {
      assert(Date.now() - started < 60_000, "the sweep wrote no run file within a minute");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill("SIGKILL");
    const status = await child.status;
    await child.stdout.cancel();
    await child.stderr.cancel();
    assert.equal(status.signal, "SIGKILL");
    const survived = runFiles(store).length;
    assert(survived < count, "killed before the end");
    const killed = verifyStore(store, { experiments: { slow } });
    assert.deepEqual(killed.findings.filter((f) => f.kind !== "temporary"), [], "every stored run is whole");
    const resumed = await result(sweep(store, count, 250));
    assert.equal(resumed.computed.length, count - survived, "only the missing runs");
    assert.equal(resumed.digest, await uninterrupted(count, 250));
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});
