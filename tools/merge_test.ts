import assert from "node:assert/strict";
import gaussian from "../lib/experiments/gaussian.ts";
import { compactExperiment } from "../lib/run/compaction.ts";
import { readAttachment, type RunConfig, runPath, writeRun } from "../lib/run/store.ts";
import { StoreReader } from "../lib/run/store_reader.ts";
import { main, mergeStores, parseMergeArgs } from "./merge.ts";

Deno.test("merge's command line", () => {
  assert.deepEqual(parseMergeArgs(["s0", "s1", "--into", "runs"]), {
    sources: ["s0", "s1"],
    into: "runs",
    help: false,
  });
  assert.deepEqual(parseMergeArgs(["--into=merged", "s0"]), { sources: ["s0"], into: "merged", help: false });
  assert.deepEqual(parseMergeArgs(["s0"]), { sources: ["s0"], into: undefined, help: false });
  assert.equal(parseMergeArgs(["-h"]).help, true);
});

Deno.test("merge's command-line errors name the flag and what it allows, then the usage", () => {
  for (
    const [argv, message] of [
      [["s0", "--bogus"], /^unknown flag "--bogus"; allowed flags: --into, --help/],
      [[], /^which stores\?/],
      [["--into", "runs"], /^which stores\?/],
      [["s0", "--into"], /^--into needs a value/],
      [["s0", "--into", "--help"], /^--into needs a value, got the flag "--help"/],
    ] as const
  ) {
    assert.throws(() => parseMergeArgs(argv), { name: "UsageError", message }, argv.join(" "));
    assert.throws(() => parseMergeArgs(argv), { message: /\nusage: deno task merge STORE_DIR\.\.\. \[--into DIR\]$/ });
  }
});

Deno.test("merge fails on a bad flag before it touches any store", () => {
  const scratch = Deno.makeTempDirSync();
  try {
    assert.throws(() => main([`${scratch}/missing-store`, "--into", `${scratch}/merged`, "--dry-run"]), {
      name: "UsageError",
    });
    assert.throws(() => Deno.statSync(`${scratch}/merged`), { name: "NotFound" });
  } finally {
    Deno.removeSync(scratch, { recursive: true });
  }
});

Deno.test("merge copies single runs and the runs of compacted files, and rejects what is unreadable", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "collapse-merge-" });
  try {
    const configs = [0, 1, 2, 3, 4].map((seed) => gaussian.validate({ ...gaussian.example, seed }));
    const rowsOf = (config: RunConfig) => [0, 1].map((iteration) => ({ ...config, iteration, experimentVersion: 1 }));
    const at = (store: string, config: RunConfig) => runPath(gaussian, config, `${scratch}/${store}`);
    for (const config of configs.slice(0, 2)) writeRun(at("s0", config), rowsOf(config));
    for (const config of configs.slice(2)) writeRun(at("s1", config), rowsOf(config));
    writeRun(at("s1", configs[2]), rowsOf(configs[2]), { attachments: { "notes.txt": "run 2" } });
    compactExperiment(`${scratch}/s1`, gaussian);
    writeRun(at("s1", configs[4]), rowsOf(configs[4]));
    Deno.writeFileSync(at("s1", configs[4]), new Uint8Array(5)); // unreadable, and also in the compacted file
    const report = mergeStores([`${scratch}/s0`, `${scratch}/s1`], `${scratch}/into`);
    assert.equal(report.copied, 5);
    assert.equal(report.alreadyPresent, 0);
    assert.equal(report.rejected.length, 1);
    assert.match(report.rejected[0], new RegExp(`${at("s1", configs[4])}: unreadable \\(.*12 bytes`));
    const reader = new StoreReader(gaussian, { storeDir: `${scratch}/into` });
    for (const config of configs) assert.deepStrictEqual(reader.read(config), rowsOf(config));
    assert.equal(readAttachment(gaussian, configs[2], { name: "notes.txt", storeDir: `${scratch}/into` }), "run 2");
    const again = mergeStores([`${scratch}/s0`, `${scratch}/s1`], `${scratch}/into`);
    assert.deepEqual([again.copied, again.alreadyPresent], [0, 5]);
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});
