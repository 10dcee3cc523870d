// The runs below go through the runner's real workers, which import this module for its experiment.
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { defineExperiment } from "../experiments/define.ts";
import { choice, either, integer, real, seed } from "../experiments/fields.ts";
import { DecodedFrame, encodeRows } from "./columns.ts";
import { KEY_COLUMN, readCompacted, writeCompacted } from "./compacted.ts";
import { compactExperiment } from "./compaction.ts";
import { runGrid, type RunGridOptions } from "./runner.ts";
import { CORRUPT_FOLDER, readRun, runKey, runPath, wholeFrame, writeRun } from "./store.ts";
import { verifyStore } from "./store_check.ts";

const grid = { size: { values: [1, 2] }, seed: { min: 0, max: 1 } };
const packed = defineExperiment({
  name: "packed",
  version: 2,
  module: import.meta.url,
  description: "runs of many rows, some without a value, to compact",
  fields: {
    size: integer(),
    bandwidth: either<number | "scott">([real({ greaterThan: 0 }), choice(["scott"])], { default: "scott" }),
    seed: seed(),
  },
  grids: { main: { smoke: grid, default: grid, paper: grid } },
  example: { size: 1, seed: 0 },
  run: (c) =>
    Promise.resolve(Array.from({ length: 700 }, (_, iteration) => ({
      ...c,
      iteration,
      trainingSize: c.size * (iteration + 1),
      value: iteration === 1 ? NaN : iteration === 2 ? -0 : Math.cos(c.seed * 1000 + iteration) / c.size,
      ...(iteration % 7 === 0 ? {} : { sometimes: iteration % 2 === 0 ? "even" : 3 }),
    }))),
});
export default packed;

const configs = [1, 2, 3, 4, 5, 6, 7, 8].map((size) =>
  packed.validate({ size, seed: size % 3, bandwidth: size % 2 ? "scott" : size / 10 })
);

async function withStore(body: (store: string) => void | Promise<void>): Promise<void> {
  const store = await Deno.makeTempDir({ prefix: "collapse-compacted-" });
  const { log, warn } = console;
  console.log = () => {};
  try {
    await body(store);
  } finally {
    Object.assign(console, { log, warn });
    await Deno.remove(store, { recursive: true });
  }
}

async function grid_(
  store: string,
  list = configs,
  options: RunGridOptions = {},
): Promise<{ rows: unknown[]; computed: number }> {
  let computed = 0;
  const rows = await runGrid(packed, list, { storeDir: store, workers: 2, onComputed: () => computed++, ...options });
  return { rows, computed };
}

const names = (store: string): string[] => [...Deno.readDirSync(`${store}/packed`)].map((e) => e.name).sort();

Deno.test("compaction: the same rows from one file, new runs still one file each, verify clean", async () => {
  await withStore(async (store) => {
    const { rows: before } = await grid_(store, configs.slice(0, 6));
    const first = compactExperiment(store, packed);
    assert.deepEqual({ runs: first.runs, merged: first.merged, unreadable: first.unreadable }, {
      runs: 6,
      merged: 6,
      unreadable: [],
    });
    assert.deepEqual(
      names(store),
      [first.written!.slice(first.written!.lastIndexOf("/") + 1)],
      "only the compacted file",
    );
    assert.match(first.written!, /\/packed\/compacted-[0-9a-f]{16}\.parquet$/);
    const again = await grid_(store, configs.slice(0, 6));
    assert.deepStrictEqual(again, { rows: before, computed: 0 }, "read back from the compacted file, as they were");
    // Two new runs: written one file each, beside the compacted file; the grid still resumes.
    const { rows: all, computed } = await grid_(store);
    assert.equal(computed, 2);
    assert.deepStrictEqual(all.slice(0, before.length), before);
    assert.equal(names(store).filter((n) => /^[0-9a-f]{16}\.parquet$/.test(n)).length, 2);
    assert.deepEqual(verifyStore(store, { experiments: { packed } }), { runs: 8, findings: [] });
    const second = compactExperiment(store, packed);
    assert.deepEqual([second.runs, second.merged], [8, 3], "the old compacted file and the two new ones");
    assert.equal(names(store).length, 1);
    assert.deepStrictEqual(await grid_(store), { rows: all, computed: 0 });
    assert.deepEqual(compactExperiment(store, packed), { runs: 0, merged: 0, unreadable: [] }, "nothing to do");
    const schema = pl.readParquet(second.written!).schema;
    assert.equal(String(schema[KEY_COLUMN]), "DataType(String)");
    assert.equal(String(schema.size), "DataType(Int64)");
    assert.equal(String(schema.iteration), "DataType(Int64)");
  });
});

Deno.test("a run's own file wins over the compacted file; a damaged compacted file is set aside and recomputed", async () => {
  await withStore(async (store) => {
    const { rows: before } = await grid_(store);
    const { written } = compactExperiment(store, packed);
    const path = runPath(packed, configs[0], store);
    const changed = (await packed.runConfig(configs[0])).map((row) => ({ ...row, value: 42, experimentVersion: 2 }));
    writeRun(path, changed);
    assert.deepStrictEqual((await grid_(store)).rows.slice(0, 700), changed, "the single file is the newer");
    const bytes = Deno.readFileSync(written!);
    Deno.writeFileSync(written!, bytes.subarray(0, bytes.length / 2));
    const warnings: string[] = [];
    console.warn = (line: string) => warnings.push(line);
    const { rows, computed } = await grid_(store);
    assert.equal(computed, 7, "every run but the one in its own file");
    assert.deepStrictEqual(rows.slice(700), before.slice(700));
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      new RegExp(`^warning: ${written} is unusable \\(parquet: .*\\); moved to .*/${CORRUPT_FOLDER}/`),
    );
  });
});

Deno.test("a compacted run under another run's key is skipped with a warning and recomputed", async () => {
  await withStore(async (store) => {
    const { rows: before } = await grid_(store, configs.slice(0, 2));
    const [a, b] = configs.slice(0, 2).map((c) => runKey(c, packed.version));
    const frameOf = (config: typeof configs[0]) =>
      wholeFrame(new DecodedFrame(pl.readParquet(runPath(packed, config, store))));
    writeCompacted(`${store}/packed`, new Map([[a, frameOf(configs[1])], [b, frameOf(configs[1])]]), {
      experiment: packed,
    });
    for (const config of configs.slice(0, 2)) Deno.removeSync(runPath(packed, config, store));
    const found = verifyStore(store, { experiments: { packed } }).findings;
    assert.deepEqual(found.map((f) => f.kind), ["unreadable"]);
    assert.equal(found[0].detail, `holds the run ${b}, not ${a}`);
    const warnings: string[] = [];
    console.warn = (line: string) => warnings.push(line);
    const { rows, computed } = await grid_(store, configs.slice(0, 2));
    assert.equal(computed, 1);
    assert.deepStrictEqual(rows, before);
    assert.match(warnings.join("\n"), new RegExp(`run ${a} is unusable \\(row 0 has size 2`));
    assert.deepEqual(readRun(runPath(packed, configs[0], store)), before.slice(0, 700), "stored on its own");
  });
});

Deno.test("a compacted file whose runs are not contiguous, or without keys, is unreadable", async () => {
  await withStore((store) => {
    const rows = [{ x: 1 }, { x: 2 }, { x: 3 }];
    const keys = ["0000000000000001", "0000000000000002", "0000000000000001"];
    const path = `${store}/compacted-0000000000000000.parquet`;
    pl.DataFrame([pl.Series(KEY_COLUMN, keys), ...encodeRows(rows).getColumns()]).writeParquet(path);
    assert.throws(() => readCompacted(path), /not contiguous/);
    encodeRows(rows).writeParquet(path);
    assert.throws(() => readCompacted(path), new RegExp(`no ${KEY_COLUMN} column`));
    return Promise.resolve();
  });
});

Deno.test("a column of strings in one run and numbers in another is compacted value by value, and reads back", async () => {
  await withStore((store) => {
    const [a, b] = configs.slice(0, 2);
    const rowsOf = (config: typeof a, note: string | number) =>
      [0, 1].map((iteration) => ({ ...config, iteration, note, experimentVersion: packed.version }));
    writeRun(runPath(packed, a, store), rowsOf(a, "first"));
    writeRun(runPath(packed, b, store), rowsOf(b, 2));
    const report = compactExperiment(store, packed);
    assert.deepEqual([report.runs, report.merged, report.unreadable], [2, 2, []]);
    const file = readCompacted(report.written!);
    const runOf = (config: typeof a) => {
      const range = file.index.get(runKey(config, packed.version))!;
      return file.frame.rows(range.start, range.end);
    };
    assert.deepStrictEqual(runOf(a), rowsOf(a, "first"));
    assert.deepStrictEqual(runOf(b), rowsOf(b, 2));
  });
});

Deno.test("compaction leaves a single file whose rows are another run's where it is, and merges the rest", async () => {
  await withStore((store) => {
    const [a, b, c] = configs.slice(0, 3);
    const rowsOf = (config: typeof a) => [{ ...config, iteration: 0, experimentVersion: packed.version }];
    writeRun(runPath(packed, a, store), rowsOf(a));
    writeRun(runPath(packed, b, store), rowsOf(c)); // b's name, c's rows
    const report = compactExperiment(store, packed);
    assert.equal(report.runs, 1);
    assert.equal(report.merged, 1);
    assert.equal(report.unreadable.length, 1);
    assert.match(report.unreadable[0], /holds the run [0-9a-f]{16}, not [0-9a-f]{16}$/);
    assert(names(store).includes(`${runKey(b, packed.version)}.parquet`), "left where it is");
  });
});
