import assert from "node:assert/strict";
import { baseDir, lmData, prepareBase } from "../lm/base.ts";
import { runGrid } from "../run/runner.ts";
import { readAttachment, readRun, runPath } from "../run/store.ts";
import { formatSweep, parseSweep, SweepError } from "../run/sweep.ts";
import { WORKFLOWS } from "../workflows/mod.ts";
import type { RunRow } from "./define.ts";
import { LARGE_GPT_CONFIG } from "../lm/weights.ts";
import lm, { EXAMPLES, LM_PRESETS } from "./lm.ts";

/** Runs `body` with the language-model cache in a fresh folder (the runs read it from COLLAPSE_LM_CACHE). */
async function withCache<T>(body: (cacheDir: string) => Promise<T>): Promise<T> {
  const cacheDir = await Deno.makeTempDir({ prefix: "collapse-lm-cache-" });
  const previous = Deno.env.get("COLLAPSE_LM_CACHE");
  Deno.env.set("COLLAPSE_LM_CACHE", cacheDir);
  try {
    return await body(cacheDir);
  } finally {
    if (previous === undefined) Deno.env.delete("COLLAPSE_LM_CACHE");
    else Deno.env.set("COLLAPSE_LM_CACHE", previous);
    await Deno.remove(cacheDir, { recursive: true });
  }
}

Deno.test("a language-model run is validated before any work, naming the bad field", () => {
  const good = lm.configs("smoke")[0];
  assert.deepEqual(lm.validate({ ...good }), good);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...good, learningRate: 1e-3 }, /unknown field "learningRate"/],
    [{ ...good, workflow: "Recycle" }, /workflow must be one of "Replace", .*got "Recycle"/],
    [{ ...good, workflow: undefined }, /workflow is required: one of/],
    [{ ...good, seed: -1 }, /seed must be an integer >= 0/],
    [{ ...good, seed: "0" }, /seed must be an integer >= 0, got "0"/],
    [{ ...good, vocabSize: undefined }, /vocabSize is required: an integer >= 2/],
    [{ ...good, samplingEngine: "beam" }, /samplingEngine must be one of "generate", "forward"/],
    [{ ...good, dModel: 50 }, /dModel must be a multiple of nHeads, got 50 and 4/],
  ];
  for (const [config, message] of cases) assert.throws(() => lm.validate(config), message, JSON.stringify(config));
  // Through a sweep file, the error names the parameter's line.
  const text = formatSweep(lm, { grid: "main", preset: "paper" });
  const lineOf = (key: string): number => text.split("\n").findIndex((l) => l.startsWith(`  ${key}:`)) + 1;
  const bad: [string, string, RegExp][] = [
    [
      '"Replace", "Accumulate-Subsample"',
      '"Replace", "Recycle"',
      new RegExp(`lm\\.yaml:${lineOf("workflow")}: workflow`),
    ],
    ["dataSeed:", "dataseed:", new RegExp(`lm\\.yaml:${lineOf("dataSeed")}: unknown parameter "dataseed"`)],
    [
      "nHeads: { value: 4 }",
      "nHeads: { value: 5 }",
      new RegExp(`lm\\.yaml:${lineOf("dModel")}: dModel must be a multiple`),
    ],
  ];
  for (const [from, to, message] of bad) {
    assert(text.includes(from), from);
    assert.throws(
      () => parseSweep(text.replace(from, to), "lm.yaml"),
      (error: Error) => error instanceof SweepError && message.test(error.message),
      to,
    );
  }
});

Deno.test("concurrent pre-training leaves one cached base; a run goes through the runner's worker and the store", async (t) => {
  const scratch = await Deno.makeTempDir({ prefix: "collapse-lm-" });
  const settings = LM_PRESETS.smoke;
  const cacheDir = `${scratch}/cache`;
  try {
    await t.step("two builders of one base at once, over a folder left by an interrupted build", async () => {
      const dir = baseDir(settings, { cacheDir });
      Deno.mkdirSync(`${dir}/tokenizer`, { recursive: true });
      Deno.writeTextFileSync(`${dir}/tokenizer/tokenizer.json`, "{ partial");
      const data = lmData(settings);
      const [a, b] = await Promise.all([
        prepareBase(settings, data, { cacheDir }),
        prepareBase(settings, data, { cacheDir }),
      ]);
      assert.equal(a.dir, dir);
      assert.equal(b.dir, dir);
      assert.deepEqual([...Deno.readDirSync(cacheDir)].map((e) => e.name), [dir.slice(cacheDir.length + 1)]);
      assert.deepEqual(b.weights, a.weights, "the second builder uses the first one's copy");
    });

    await t.step("one smoke run in a worker: rows and example texts stored together", async () => {
      const storeDir = `${scratch}/store`;
      const config = lm.configs("smoke").find((c) => c.workflow === "Replace" && c.seed === 0)!;
      const previous = Deno.env.get("COLLAPSE_LM_CACHE");
      Deno.env.set("COLLAPSE_LM_CACHE", cacheDir); // the worker's run reads its base from lmCacheDir()
      let rows;
      try {
        rows = await runGrid(lm, [config], { storeDir, workers: 1 });
      } finally {
        if (previous === undefined) Deno.env.delete("COLLAPSE_LM_CACHE");
        else Deno.env.set("COLLAPSE_LM_CACHE", previous);
      }
      assert.equal(rows.length, config.iterations);
      assert(
        rows.every((r) =>
          Number.isFinite(r.evalLoss) && r.workflow === "Replace" && r.experimentVersion === lm.version
        ),
      );
      assert.deepEqual(readRun(runPath(lm, config, storeDir)), rows, "stored as computed");
      const examples = JSON.parse(readAttachment(lm, config, { name: EXAMPLES, storeDir })!);
      assert.equal(examples.length, config.iterations);
      assert(examples.every((e: { workflow: string }) => e.workflow === "Replace"));
      assert(examples[0].training.length > 0 && examples[0].samples.length > 0);
    });
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test("the workflows of a seed share one first fine-tune: identical iteration-1 rows, one cached fit", async () => {
  await withCache(async (cacheDir) => {
    const runs: RunRow[][] = [];
    for (const workflow of WORKFLOWS) runs.push(await lm.runConfig({ ...lm.example, workflow, iterations: 2 }));
    const first = runs.map((rows) => {
      const { workflow: _, ...rest } = rows[0];
      return rest;
    });
    assert.equal(first[0].iteration, 1);
    assert(Number.isFinite(first[0].evalLoss) && (first[0].evalLossSe as number) > 0);
    for (const row of first.slice(1)) assert.deepEqual(row, first[0], "every column of iteration 1, bit for bit");
    // Iteration 2 differs by what each workflow trains on: Replace on the samples alone, Accumulate on both.
    assert.notEqual(runs[0][1].evalLoss, runs[2][1].evalLoss);
    assert.deepEqual(runs.map((rows) => rows[1].trainingSize), [32, 32, 64]);
    const folders = [...Deno.readDirSync(cacheDir)].map((e) => e.name).filter((n) => n.startsWith("first-fit-"));
    assert.equal(folders.length, 1, `one shared first fit, got ${folders}`);
    // Another seed fits its own.
    await lm.runConfig({ ...lm.example, workflow: "Replace", seed: 1, iterations: 1 });
    assert.equal([...Deno.readDirSync(cacheDir)].filter((e) => e.name.startsWith("first-fit-")).length, 2);
  });
});

Deno.test("presets: enough seeds and iterations for the paper's shape; the large grid is LARGE_GPT_CONFIG's", () => {
  const runs = (preset: "smoke" | "default" | "paper", grid = "main") => {
    const values = lm.gridValues(preset, grid);
    return { seeds: values.seed.length, iterations: values.iterations[0] as number };
  };
  assert.ok(runs("default").seeds >= 3 && runs("default").iterations >= 10, JSON.stringify(runs("default")));
  assert.ok(runs("paper").seeds >= 3 && runs("paper").iterations >= 20, JSON.stringify(runs("paper")));
  for (const preset of ["smoke", "default", "paper"] as const) {
    const [main] = lm.configs(preset, { grid: "main" });
    const large = lm.configs(preset, { grid: "large" });
    assert.deepEqual(runs(preset, "large"), runs(preset));
    assert.equal(main.trainer, "onnxruntime");
    for (const c of large) {
      assert.deepEqual(
        [c.vocabSize, c.contextLength, c.dModel, c.nLayers, c.nHeads],
        [
          LARGE_GPT_CONFIG.vocabSize,
          LARGE_GPT_CONFIG.contextLength,
          LARGE_GPT_CONFIG.dModel,
          LARGE_GPT_CONFIG.nLayers,
          LARGE_GPT_CONFIG.nHeads,
        ],
      );
      assert.equal(c.trainPairs, main.trainPairs);
    }
  }
  // The trainer is a field: onnxruntime unless named, tfjs when asked, nothing else.
  const { trainer: _, ...unnamed } = lm.configs("smoke")[0];
  assert.equal(lm.validate(unnamed).trainer, "onnxruntime");
  assert.equal(lm.validate({ ...unnamed, trainer: "tfjs" }).trainer, "tfjs");
  assert.throws(() => lm.validate({ ...unnamed, trainer: "torch" }), /trainer must be one of "onnxruntime", "tfjs"/);
});

Deno.test("Fresh and the first-fit verifier: fresh chats unseen, alpha 0 is Replace, the verifier keeps n of n / q", async () => {
  const settings = LM_PRESETS.smoke;
  const data = lmData({ ...settings, trainPairs: 32, validationPairs: 16 });
  const seen = new Set([...data.train, ...data.validation, ...data.pretrain]);
  assert(data.unseen.length > 1000 && data.unseen.every((chat) => !seen.has(chat)), "fresh chats are real and unseen");
  // Bad values fail before any work, naming the field.
  const example = lm.example;
  assert.throws(() => lm.validate({ ...example, workflow: "Fresh", freshFraction: 1.5 }), /freshFraction must be/);
  assert.throws(
    () => lm.validate({ ...example, verifier: "oracle", verifierFraction: 0.5 }),
    /verifier must be one of "first-fit"/,
  );
  assert.throws(() => lm.validate({ ...example, verifier: "first-fit" }), /needs exactly one of verifierFraction/);
  await withCache(async () => {
    const drop = (rows: RunRow[], keys: string[]) =>
      rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k))));
    const replace = await lm.runConfig({ ...example, workflow: "Replace", iterations: 3 });
    const alpha0 = await lm.runConfig({ ...example, workflow: "Fresh", freshFraction: 0, iterations: 3 });
    // Every column but the wall times.
    const timed = ["fitSeconds", "sampleSeconds"];
    assert.deepEqual(drop(alpha0, ["workflow", "freshFraction", ...timed]), drop(replace, ["workflow", ...timed]));
    const half = await lm.runConfig({ ...example, workflow: "Fresh", freshFraction: 0.5, iterations: 3 });
    assert.deepEqual(half.map((r) => [r.trainingSize, r.realFraction]), [[32, 1], [32, 0.5], [32, 0.5]]);
    // The shared first model (its samples' columns describe what each run kept of them).
    const model = (row: RunRow) =>
      ["evalLoss", "evalLossSe", "trainLoss", "trainDistinct2", "trainTokenEntropy", "trainingSize"].map((k) => row[k]);
    assert.deepEqual(model(half[0]), model(replace[0]));
    assert.notEqual(half[1].evalLoss, replace[1].evalLoss);
    const verified = await lm.runConfig({
      ...example,
      workflow: "Replace",
      verifier: "first-fit",
      verifierFraction: 0.5,
      iterations: 3,
    });
    assert.deepEqual(verified.map((r) => r.verifierAcceptRate), [0.5, 0.5, undefined], "32 kept of 64 drawn");
    assert.deepEqual(verified.map((r) => r.accepted), [32, 32, undefined]);
    assert.deepEqual(model(verified[0]), model(replace[0]));
    assert(
      verified.slice(0, -1).every((r) => (r.acceptRate as number) > 0 && (r.acceptRate as number) <= 1),
      "the format filter's rate",
    );
    assert.notEqual(verified[1].evalLoss, replace[1].evalLoss);
  });
});
