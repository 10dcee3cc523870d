import assert from "node:assert/strict";
import { fnv1a64 } from "../numerics/hash.ts";
import {
  attachmentPath,
  canonicalConfig,
  readRun,
  type RunConfig,
  runKey,
  runPath,
  VERSION_COLUMN,
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
