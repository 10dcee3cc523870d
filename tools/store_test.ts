import assert from "node:assert/strict";
import { defineExperiment } from "../lib/experiments/define.ts";
import { integer, seed } from "../lib/experiments/fields.ts";
import { readCompacted, writeCompacted } from "../lib/run/compacted.ts";
import { attachmentPath, readRunFrame, runKey, runPath, wholeFrame, writeRun } from "../lib/run/store.ts";
import { gcStore, verifyStore } from "../lib/run/store_check.ts";
import { main, parseStoreArgs } from "./store.ts";

// A registry of one small experiment: its presets name sizes 1 to 3 (smoke) and 1 to 4 (default, paper).
const preset = (max: number) => ({ size: { min: 1, max }, seed: { value: 0 } });
const kept = defineExperiment({
  name: "kept",
  version: 2,
  module: import.meta.url,
  description: "a store's contents, by hand",
  fields: { size: integer(), seed: seed() },
  grids: { main: { smoke: preset(3), default: preset(4), paper: preset(4) } },
  example: { size: 1, seed: 0 },
  run: (c) => Promise.resolve([{ ...c, value: c.size }]),
});
const registry = { kept };

Deno.test("store's command line", () => {
  assert.deepEqual(parseStoreArgs(["verify"], registry), {
    command: "verify",
    storeDir: undefined,
    experiment: undefined,
    dryRun: false,
    sweepsDir: undefined,
    help: false,
  });
  assert.deepEqual(parseStoreArgs(["gc", "runs", "--dry-run", "--sweeps=s", "--experiment", "kept"], registry), {
    command: "gc",
    storeDir: "runs",
    experiment: "kept",
    dryRun: true,
    sweepsDir: "s",
    help: false,
  });
  assert.equal(parseStoreArgs(["compact", "--experiment=kept"], registry).experiment, "kept");
  assert.equal(parseStoreArgs(["--help"], registry).help, true);
});

Deno.test("store's command-line errors name the flag or command and what it allows, then the usage", () => {
  for (
    const [argv, message] of [
      [[], /^which command\? one of "verify", "gc", "compact"/],
      [["check"], /^the command must be one of "verify", "gc", "compact", got "check"/],
      [["verify", "--bogus"], /^unknown flag "--bogus"; allowed flags: --experiment, --dry-run, --sweeps, --help/],
      [["verify", "--experiment", "nope"], /^--experiment must be one of "kept", got "nope"/],
      [["verify", "--experiment"], /^--experiment needs a value/],
      [["verify", "--dry-run"], /^--dry-run applies to gc only/],
      [["compact", "--sweeps", "s"], /^--sweeps applies to gc only/],
      [["gc", "a", "b"], /^one store at a time, got 2: a b/],
      [["gc", "--dry-run=yes"], /^--dry-run takes no value/],
    ] as const
  ) {
    assert.throws(() => parseStoreArgs(argv, registry), { name: "UsageError", message }, argv.join(" "));
    assert.throws(() => parseStoreArgs(argv, registry), { message: /\nusage: deno task store verify\|gc\|compact/ });
  }
  assert.throws(() => main(["verify", "/no/such/store"], registry), { name: "UsageError", message: /^no store at/ });
});

/** A store with one of each thing verify reports and gc removes; returns the paths planted. */
function plant(store: string) {
  const dir = `${store}/kept`;
  const path = (size: number, version = kept.version) => runPath({ name: "kept", version }, { size, seed: 0 }, store);
  const write = (size: number, version = kept.version) =>
    writeRun(path(size, version), [{ size, seed: 0, value: size, experimentVersion: version }]);
  for (const size of [1, 2, 3, 9]) write(size);
  write(1, 1); // stale: another version
  write(7); // named by no preset, but by the sweep file below
  write(8); // named by nothing
  Deno.writeTextFileSync(attachmentPath(path(2), "notes.txt"), "kept with its run");
  Deno.writeTextFileSync(attachmentPath(path(5), "notes.txt"), "an orphan: run 5 is not stored");
  const bytes = Deno.readFileSync(path(3));
  Deno.writeFileSync(path(3), bytes.subarray(0, bytes.length - 9)); // unreadable, but named: gc leaves it to the reader
  const runs = new Map([2, 9].map((size) => [runKey({ size, seed: 0 }, 2), wholeFrame(readRunFrame(path(size)))]));
  const compacted = writeCompacted(dir, runs, { experiment: kept })!.path; // run 2 is wanted, run 9 is not
  Deno.removeSync(path(9));
  Deno.writeTextFileSync(`${dir}/${"a".repeat(16)}.parquet.123.abcd.tmp`, "old");
  Deno.utimeSync(`${dir}/${"a".repeat(16)}.parquet.123.abcd.tmp`, new Date(0), new Date(0));
  Deno.writeTextFileSync(`${dir}/${"b".repeat(16)}.parquet.124.abcd.tmp`, "a write in flight");
  Deno.mkdirSync(`${dir}/corrupt`);
  Deno.writeTextFileSync(`${dir}/corrupt/0123456789abcdef.parquet`, "set aside earlier");
  Deno.writeTextFileSync(`${dir}/README.txt`, "someone's notes");
  Deno.mkdirSync(`${store}/retired_experiment`);
  const sweeps = `${store}.sweeps`;
  Deno.mkdirSync(sweeps);
  Deno.writeTextFileSync(
    `${sweeps}/extra.yaml`,
    "experiment: kept\nparameters:\n  size: { value: 7 }\n  seed: { value: 0 }\n",
  );
  return { dir, path, compacted, sweeps };
}

Deno.test("verify names every unreadable, stale, orphan, temporary and unknown file; exit code 1", async () => {
  const store = await Deno.makeTempDir({ prefix: "collapse-verify-" });
  try {
    const { dir, path } = plant(store);
    const { runs, findings } = verifyStore(store, { experiments: registry });
    assert.equal(runs, 6, "runs 1, 2, 7, 8 alone, 2 and 9 compacted");
    const lines = findings.map((f) => `${f.kind} ${f.path.replace(store, "")}`).sort();
    assert.deepEqual(lines, [
      `orphan ${attachmentPath(path(5), "notes.txt").replace(store, "")}`,
      "quarantined /kept/corrupt",
      `stale /kept`,
      `temporary /kept/${"a".repeat(16)}.parquet.123.abcd.tmp`,
      `temporary /kept/${"b".repeat(16)}.parquet.124.abcd.tmp`,
      "unknown /kept/README.txt",
      "unknown /retired_experiment/",
      `unreadable ${path(3).replace(store, "")}`,
    ]);
    assert.match(findings.find((f) => f.kind === "stale")!.detail, /^1 run\(s\) of version 1, not the current 2/);
    assert.match(findings.find((f) => f.kind === "unreadable")!.detail, /PAR1/);
    const { log, error } = console;
    console.log = console.error = () => {};
    try {
      assert.equal(main(["verify", store], registry), 1);
      Deno.removeSync(path(3));
      assert.equal(main(["verify", store], registry), 0, "nothing unreadable left");
      assert.equal(main(["verify", store, "--experiment", "kept"], registry), 0);
    } finally {
      Object.assign(console, { log, error });
    }
    assert(Deno.statSync(dir).isDirectory);
  } finally {
    await Deno.remove(store, { recursive: true });
    await Deno.remove(`${store}.sweeps`, { recursive: true });
  }
});

Deno.test("gc removes what no preset or sweep names (other versions too), orphans, old tmp files, corrupt/", async () => {
  const store = await Deno.makeTempDir({ prefix: "collapse-gc-" });
  try {
    const { dir, path, compacted, sweeps } = plant(store);
    const listing = (): string[] => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    const before = listing();
    const dry = gcStore(store, { experiments: registry, sweepsDir: sweeps, dryRun: true });
    assert.deepEqual(listing(), before, "a dry run removes nothing");
    const removals = gcStore(store, { experiments: registry, sweepsDir: sweeps });
    assert.deepEqual(removals.map((r) => r.path), dry.map((d) => d.path), "the dry run listed what gc removes");
    const removed = removals.map((r) => r.path.replace(`${dir}/`, "")).sort();
    assert.deepEqual(
      removed,
      [
        attachmentPath(path(5), "notes.txt").replace(`${dir}/`, ""),
        `${"a".repeat(16)}.parquet.123.abcd.tmp`,
        compacted.replace(`${dir}/`, ""),
        "corrupt",
        path(1, 1).replace(`${dir}/`, ""),
        path(8).replace(`${dir}/`, ""),
      ].sort(),
    );
    assert(removals.every((r) => r.bytes > 0), "bytes freed are counted");
    const after = listing();
    for (const size of [1, 2, 3, 7]) assert(after.includes(path(size).slice(dir.length + 1)), `run ${size} is kept`);
    assert(after.includes(attachmentPath(path(2), "notes.txt").slice(dir.length + 1)));
    assert(after.includes(`${"b".repeat(16)}.parquet.124.abcd.tmp`), "a write in flight is left alone");
    assert(after.includes("README.txt"));
    const rewritten = after.filter((name) => name.startsWith("compacted-"));
    assert.equal(rewritten.length, 1);
    assert.deepEqual([...readCompacted(`${dir}/${rewritten[0]}`).index.keys()], [runKey({ size: 2, seed: 0 }, 2)]);
    assert(Deno.statSync(`${store}/retired_experiment`).isDirectory, "an unknown folder is kept");
  } finally {
    await Deno.remove(store, { recursive: true });
    await Deno.remove(`${store}.sweeps`, { recursive: true });
  }
});

Deno.test("store compact merges the run files; a bad sweep file stops gc before it removes anything", async () => {
  const store = await Deno.makeTempDir({ prefix: "collapse-compact-" });
  try {
    const { dir, sweeps } = plant(store);
    Deno.writeTextFileSync(`${sweeps}/broken.yaml`, "experiment: kept\nparameters:\n  size: { value: 0 }\n");
    const before = [...Deno.readDirSync(dir)].length;
    assert.throws(() => gcStore(store, { experiments: registry, sweepsDir: sweeps }), /broken\.yaml:3: size must be/);
    assert.equal([...Deno.readDirSync(dir)].length, before);
    const { log, error } = console;
    const lines: string[] = [];
    console.log = console.error = (line: string) => lines.push(line);
    try {
      assert.equal(main(["compact", store], registry), 1, "the unreadable file is reported");
    } finally {
      Object.assign(console, { log, error });
    }
    assert.match(lines.join("\n"), /unreadable .*PAR1/);
    assert.match(lines.join("\n"), /compacted kept: 6 runs from 6 file\(s\) into .*compacted-/);
    const runFiles = [...Deno.readDirSync(dir)].filter((e) => /^[0-9a-f]{16}\.parquet$/.test(e.name));
    assert.equal(runFiles.length, 1, "only the unreadable one is left");
    assert.equal(verifyStore(store, { experiments: registry }).runs, 5, "1, 2, 7, 8, 9; the stale run kept as it was");
  } finally {
    await Deno.remove(store, { recursive: true });
    await Deno.remove(`${store}.sweeps`, { recursive: true });
  }
});
