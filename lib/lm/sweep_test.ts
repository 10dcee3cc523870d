import assert from "node:assert/strict";
import { EXPERIMENTS } from "../experiments/mod.ts";
import { runGrid } from "../run/runner.ts";
import { attachmentPath, readRun, runKey, runPath } from "../run/store.ts";
import { parseSweep, SweepError } from "../run/sweep.ts";
import { WORKFLOWS } from "../workflows/mod.ts";
import { baseDir, EXAMPLES, lmData, prepareBase, runLmExperiment } from "./experiment.ts";
import { lmRunConfig } from "./runs.ts";
import { FINE_TUNE_DEFAULTS, LM_PRESETS, LM_TRAINER } from "./settings.ts";

const sweepText = Deno.readTextFileSync(new URL("../../sweeps/lm.yaml", import.meta.url));

Deno.test("the registry validates a language-model run, naming the bad field", () => {
  const lm = EXPERIMENTS.lm;
  const good = lm.configs("smoke")[0];
  assert.deepEqual(lm.validate({ ...good }), good);
  const { fineTune: _f, trainer: _t, ...withoutRecipe } = good;
  assert.deepEqual(lm.validate(withoutRecipe), good, "fineTune and trainer default to this code's");
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...good, learningRate: 1e-3 }, /unknown field "learningRate"/],
    [{ ...good, workflow: "Recycle" }, /Error: workflow must be one of "Replace", .*got "Recycle"/],
    [{ ...good, workflow: undefined }, /Error: workflow must be one of/],
    [{ ...good, seed: -1 }, /Error: seed must be a non-negative integer/],
    [{ ...good, seed: 0.5 }, /Error: seed must be a non-negative integer/],
    [{ ...good, seed: "0" }, /Error: seed must be a non-negative integer/],
    [{ ...good, seed: good.seeds }, /Error: seed must be < seeds \(1\), got 1/],
    [{ ...good, vocabSize: undefined }, /Error: vocabSize must be an integer >= 1/],
    [{ ...good, samplingEngine: "beam" }, /Error: samplingEngine must be "generate" or "forward"/],
    [{ ...good, fineTune: "{}" }, /Error: fineTune must be/],
    [{ ...good, trainer: "tfjs" }, /Error: trainer must be "onnxruntime-v1"/],
  ];
  for (const [config, message] of cases) assert.throws(() => lm.validate(config), message, JSON.stringify(config));
  // Through a sweep file: the error names the parameter's line.
  const lineOf = (key: string): number => sweepText.split("\n").indexOf(`  ${key}:`) + 1;
  const bad: [string, string, RegExp][] = [
    [
      "values: [Replace, Accumulate-Subsample, Accumulate]",
      "values: [Replace, Recycle]",
      new RegExp(`lm\\.yaml:${lineOf("workflow")}: workflow`),
    ],
    [
      "  seed:\n    min: 0\n    max: 2",
      "  seed:\n    min: 0\n    max: 3",
      new RegExp(`lm\\.yaml:${lineOf("seed")}: seed must be < seeds`),
    ],
    [
      "  dataSeed:",
      "  dataseed:",
      new RegExp(`lm\\.yaml:${lineOf("dataSeed")}: unknown parameter "dataseed" of experiment "lm"`),
    ],
  ];
  for (const [from, to, message] of bad) {
    assert(sweepText.includes(from), from);
    assert.throws(
      () => parseSweep(sweepText.replace(from, to), "lm.yaml"),
      (error: Error) => error instanceof SweepError && message.test(error.message),
      to,
    );
  }
});

Deno.test("a run's key is the one runLmExperiment stores it under", () => {
  for (const settings of Object.values(LM_PRESETS)) {
    for (let seed = 0; seed < settings.seeds; seed++) {
      for (const workflow of WORKFLOWS) {
        // Verbatim the configuration runLmExperiment has always stored.
        const legacy = {
          ...settings,
          workflow,
          seed,
          fineTune: JSON.stringify(FINE_TUNE_DEFAULTS),
          trainer: LM_TRAINER,
        };
        const config = EXPERIMENTS.lm.validate({ ...settings, workflow, seed });
        assert.equal(runPath("lm", config, "store"), runPath("lm", legacy, "store"));
        assert.equal(runKey(lmRunConfig(settings, workflow, seed)), runKey(legacy));
      }
    }
  }
  const sweep = parseSweep(sweepText, "lm.yaml");
  assert.equal(sweep.configs.length, 9);
  assert.deepEqual(
    sweep.configs.map(runKey).sort(),
    EXPERIMENTS.lm.configs("paper").map(runKey).sort(),
    "sweeps/lm.yaml is the paper preset",
  );
});

Deno.test("concurrent pre-training leaves one valid cached base; a sweep run is runLmExperiment's run", async (t) => {
  const scratch = await Deno.makeTempDir({ prefix: "collapse-lm-sweep-" });
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
      const cached = await prepareBase(settings, data, { cacheDir });
      assert.deepEqual(cached.weights, a.weights);
      assert.deepEqual(cached.info, a.info);
    });

    await t.step("one smoke run through the runner's worker, then read back by runLmExperiment", async () => {
      const storeDir = `${scratch}/store`;
      const config = EXPERIMENTS.lm.configs("smoke").find((c) => c.workflow === "Replace" && c.seed === 0)!;
      const previous = Deno.env.get("COLLAPSE_LM_CACHE");
      Deno.env.set("COLLAPSE_LM_CACHE", cacheDir); // the worker's run(config) reads its base from lmCacheDir()
      let rows;
      try {
        rows = await runGrid(EXPERIMENTS.lm, [config], { storeDir, workers: 1 });
      } finally {
        if (previous === undefined) Deno.env.delete("COLLAPSE_LM_CACHE");
        else Deno.env.set("COLLAPSE_LM_CACHE", previous);
      }
      assert.equal(rows.length, settings.iterations);
      assert(rows.every((r) => Number.isFinite(r.evalLoss) && r.trainer === LM_TRAINER && r.workflow === "Replace"));
      const path = runPath("lm", config, storeDir);
      assert.deepEqual(readRun(path), rows, "stored as computed");
      // The run's example texts are stored beside it, as the attachment examples.json.
      const examples = JSON.parse(Deno.readTextFileSync(attachmentPath(path, EXAMPLES)));
      assert(examples.length > 0 && examples.every((e: { workflow: string }) => e.workflow === "Replace"));
      // runLmExperiment finds the sweep's run and its examples under its own key, and computes nothing.
      const notebook = await runLmExperiment(settings, { workflows: ["Replace"], storeDir, cacheDir });
      assert.deepEqual(notebook.rows, rows);
      assert.deepEqual(notebook.examples, examples);
      const key = path.split("/").at(-1)!.replace(".parquet", "");
      assert.deepEqual([...Deno.readDirSync(`${storeDir}/lm`)].map((e) => e.name).sort(), [
        `${key}.${EXAMPLES}`,
        `${key}.parquet`,
      ]);
    });
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});
