import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { fnv1a64 } from "../numerics/hash.ts";
import { integer, seed } from "../experiments/fields.ts";
import { DecodedFrame, encodeRows } from "./columns.ts";
import {
  attachmentPath,
  canonicalConfig,
  CORRUPT_FOLDER,
  identifyRun,
  mismatch,
  quarantine,
  readRun,
  type RunConfig,
  runKey,
  runPath,
  storedColumns,
  UnreadableRunError,
  VERSION_COLUMN,
  wholeFrame,
  writeRun,
} from "./store.ts";

Deno.test("runKey is the 64-bit FNV-1a of the canonical configuration with the version, whatever the key order", () => {
  const configs: RunConfig[] = [{}, { a: 1 }, { dim: 100, workflow: "Accumulate-Subsample", seed: 99, label: "ü" }];
  for (const config of configs) {
    assert.equal(runKey(config, 3), fnv1a64(canonicalConfig({ ...config, [VERSION_COLUMN]: 3 })));
  }
  assert.equal(runKey({ b: 2, a: 1 }, 1), runKey({ a: 1, b: 2 }, 1));
  assert.notEqual(runKey({ a: 1 }, 1), runKey({ a: "1" }, 1));
  assert.notEqual(runKey({ a: 1 }, 1), runKey({ a: 1 }, 2), "another version is another run");
});

Deno.test("a run round-trips through Parquet, written atomically", async () => {
  const dir = await Deno.makeTempDir({ prefix: "collapse-store-" });
  try {
    const config = { dim: 2, workflow: "Replace", seed: 3 };
    const path = runPath({ name: "demo", version: 1 }, config, dir);
    assert.equal(readRun(path), undefined);
    const rows = [1, 2, 3].map((iteration) => ({ ...config, iteration, value: iteration / 3 }));
    writeRun(path, rows);
    assert.deepEqual(readRun(path), rows);
    assert.deepEqual([...Deno.readDirSync(`${dir}/demo`)].map((e) => e.name), [`${runKey(config, 1)}.parquet`]);
    assert.throws(() => writeRun(path, []), /refusing to store an empty run/);
    // Attachments are stored beside the rows as <key>.<name>; names cannot escape the folder.
    writeRun(path, rows, { attachments: { "examples.json": "[1,2]" } });
    assert.equal(Deno.readTextFileSync(attachmentPath(path, "examples.json")), "[1,2]");
    assert.deepEqual([...Deno.readDirSync(`${dir}/demo`)].map((e) => e.name).sort(), [
      `${runKey(config, 1)}.examples.json`,
      `${runKey(config, 1)}.parquet`,
    ]);
    for (const name of ["../x.json", "parquet", "", "a b"]) {
      assert.throws(() => writeRun(path, rows, { attachments: { [name]: "" } }), /attachment names/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writes leave no temporary file; an unreadable file's error names it; a set-aside file keeps its name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "collapse-store-" });
  try {
    const config = { dim: 2, seed: 3 };
    const path = runPath({ name: "demo", version: 1 }, config, dir);
    writeRun(path, [{ ...config, iteration: 0, experimentVersion: 1 }], { attachments: { "notes.txt": "hi" } });
    assert.deepEqual([...Deno.readDirSync(`${dir}/demo`)].filter((e) => e.name.endsWith(".tmp")), []);
    Deno.writeFileSync(path, Deno.readFileSync(path).subarray(0, 30));
    assert.throws(() => readRun(path), (error: unknown) => {
      assert(error instanceof UnreadableRunError);
      assert.equal(error.path, path);
      assert.match(error.message, new RegExp(`^${path}: parquet: .*PAR1`));
      return true;
    });
    const name = path.slice(path.lastIndexOf("/") + 1);
    assert.equal(quarantine(path), `${dir}/demo/${CORRUPT_FOLDER}/${name}`);
    Deno.writeFileSync(path, new Uint8Array());
    assert.throws(() => readRun(path), /at least 12 bytes/);
    assert.equal(quarantine(path), `${dir}/demo/${CORRUPT_FOLDER}/${name.replace(".parquet", "-1.parquet")}`);
    assert.equal(readRun(path), undefined, "moved away");
    pl.DataFrame([pl.Series("dim", [], pl.Int64)]).writeParquet(path);
    assert.throws(() => readRun(path), new RegExp(`^UnreadableRunError: ${path}: the file has no rows`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a run's rows are checked against its key: version, every configuration field, consistency", () => {
  const experiment = {
    fields: { size: integer(), seed: seed() },
    validate: (c: Record<string, unknown>) => c as RunConfig,
  };
  const rows = [0, 1].map((iteration) => ({ size: 2, seed: 5, iteration, experimentVersion: 4 }));
  const run = wholeFrame(new DecodedFrame(encodeRows(rows)));
  const expected = { config: { size: 2, seed: 5 }, version: 4, fields: ["size", "seed"] };
  assert.equal(mismatch(run, expected), undefined);
  assert.match(mismatch(run, { ...expected, version: 3 })!, /row 0 has experimentVersion 4, its key's version 3/);
  assert.match(
    mismatch(run, { ...expected, config: { size: 2, seed: 6 } })!,
    /row 0 has seed 5, its key's configuration 6/,
  );
  assert.match(mismatch(run, { ...expected, config: { size: 2 } })!, /has seed 5, its key's configuration missing/);
  assert.deepEqual(identifyRun(run, experiment), {
    key: runKey({ size: 2, seed: 5 }, 4),
    version: 4,
    config: { size: 2, seed: 5 },
  });
  const inconsistent = wholeFrame(new DecodedFrame(encodeRows([rows[0], { ...rows[1], seed: 6 }])));
  assert.throws(() => identifyRun(inconsistent, experiment), /row 1 has seed 6/);
  assert.deepEqual(storedColumns({ fields: experiment.fields }), {
    iteration: "integer",
    trainingSize: "integer",
    experimentVersion: "integer",
    size: "integer",
    seed: "integer",
  });
});
