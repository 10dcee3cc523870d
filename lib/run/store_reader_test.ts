// The runs below go through the runner's real workers, which import this module for its experiment.
import assert from "node:assert/strict";
import { defineExperiment } from "../experiments/define.ts";
import { choice, either, integer, real, seed } from "../experiments/fields.ts";
import { runGrid } from "./runner.ts";
import { CORRUPT_FOLDER, readRun, runPath, writeRun } from "./store.ts";
import { StoreReader } from "./store_reader.ts";

const grid = { size: { values: [1, 2] }, seed: { min: 0, max: 1 } };
const damaged = defineExperiment({
  name: "damaged",
  version: 3,
  module: import.meta.url,
  description: "rows that a careless store would change: mixed values, -0, NaN, infinities",
  fields: {
    size: integer(),
    bandwidth: either<number | "scott">([real({ greaterThan: 0 }), choice(["scott"])], { default: "scott" }),
    seed: seed(),
  },
  grids: { main: { smoke: grid, default: grid, paper: grid } },
  example: { size: 1, seed: 0 },
  run: (c) =>
    Promise.resolve(Array.from({ length: 3 }, (_, iteration) => ({
      ...c,
      iteration,
      trainingSize: c.size * (iteration + 1),
      value: [NaN, -0, Infinity][iteration] ?? c.size / (c.seed + 3),
      ratio: c.size / (c.seed + 3) + iteration,
    }))),
});
export default damaged;

async function withStore(body: (store: string) => void | Promise<void>): Promise<void> {
  const store = await Deno.makeTempDir({ prefix: "collapse-reader-" });
  try {
    await body(store);
  } finally {
    await Deno.remove(store, { recursive: true });
  }
}

function capture(): { warnings: string[]; restore: () => void } {
  const warnings: string[] = [];
  const { warn, log } = console;
  console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
  console.log = () => {};
  return { warnings, restore: () => Object.assign(console, { warn, log }) };
}

const configs = [1, 2, 3, 4, 5].map((size) =>
  damaged.validate({ size, seed: size % 2, bandwidth: size > 3 ? 0.5 : "scott" })
);

Deno.test("a truncated, an empty, another version's and a misnamed run file are set aside and recomputed", async () => {
  await withStore(async (store) => {
    const { warnings, restore } = capture();
    try {
      const before = await runGrid(damaged, configs, { storeDir: store, workers: 2 });
      const paths = configs.map((c) => runPath(damaged, c, store));
      const bytes = Deno.readFileSync(paths[0]);
      Deno.writeFileSync(paths[0], bytes.subarray(0, bytes.length - 20)); // a half-copied file
      Deno.writeFileSync(paths[1], new Uint8Array()); // a full disk
      writeRun(paths[2], readRun(paths[2])!.map((row) => ({ ...row, experimentVersion: 2 }))); // another version
      Deno.copyFileSync(paths[4], paths[3]); // a misnamed file: run 4's rows under run 3's key
      const computed: unknown[] = [];
      const after = await runGrid(damaged, configs, { storeDir: store, onComputed: (c) => computed.push(c) });
      assert.deepStrictEqual(after, before, "the grid finishes with the same rows");
      const texts = (list: unknown[]): string[] => list.map((c) => JSON.stringify(c)).sort();
      assert.deepEqual(texts(computed), texts(configs.slice(0, 4)), "exactly the four damaged runs are computed");
      const reasons = [/must end with PAR1/, /at least 12 bytes/, /experimentVersion 2, its key's version 3/, /size 5/];
      assert.equal(warnings.length, 4, warnings.join("\n"));
      paths.slice(0, 4).forEach((path, i) => {
        const line = warnings.find((w) => w.includes(path))!;
        assert.match(line, reasons[i]);
        assert.match(line, new RegExp(`moved to ${store}/damaged/${CORRUPT_FOLDER}/`));
      });
      const aside = [...Deno.readDirSync(`${store}/damaged/${CORRUPT_FOLDER}`)].map((e) => e.name).sort();
      assert.deepEqual(aside, paths.slice(0, 4).map((p) => p.slice(p.lastIndexOf("/") + 1)).sort(), "names kept");
      // The same file damaged again goes beside the first copy, with a suffix.
      Deno.writeFileSync(paths[1], new Uint8Array());
      assert.equal(new StoreReader(damaged, { storeDir: store, warn: () => {} }).read(configs[1]), undefined);
      const key = paths[1].slice(paths[1].lastIndexOf("/") + 1, -".parquet".length);
      assert(Deno.statSync(`${store}/damaged/${CORRUPT_FOLDER}/${key}-1.parquet`).isFile);
      warnings.length = 0;
      computed.length = 0;
      assert.deepStrictEqual(await runGrid(damaged, configs, { storeDir: store }), before);
      assert.deepEqual(warnings, []);
    } finally {
      restore();
    }
  });
});

Deno.test("the reader lists the folder once and counts runs stored by an older version", async () => {
  await withStore((store) => {
    const older = { ...damaged, version: 2 };
    writeRun(runPath(older, configs[0], store), [{ ...configs[0], experimentVersion: 2 }]);
    const reader = new StoreReader(damaged, { storeDir: store });
    assert.equal(reader.read(configs[0]), undefined);
    assert.equal(reader.storedByOlderVersion(configs[0]), true);
    assert.equal(reader.storedByOlderVersion(configs[1]), false);
    assert.equal(new StoreReader(damaged, { storeDir: `${store}/missing` }).read(configs[0]), undefined);
  });
});
