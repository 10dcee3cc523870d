import assert from "node:assert/strict";
import { Rng } from "../numerics/rng.ts";
import { toSequences } from "./base.ts";
import { lmEstimator, type LmFit } from "./estimator.ts";
import { TRAINERS } from "./settings.ts";
import { TEST_SETTINGS, testBase } from "./testing/base.ts";
import { forwardRoundings, UNIT_ROUNDOFF } from "./testing/tiny.ts";
import { initBackend } from "./tfjs/mod.ts";

// The tfjs trainer on the CPU (wasm) whatever the machine has: the tolerances below are float32's.
await initBackend({ quiet: true, backend: "wasm" });

Deno.test("the experiment's estimator fine-tunes and scores alike on both trainers (settings.trainer)", async () => {
  const { base, train, validation } = await testBase();
  const results: { metrics: Record<string, number>; chatLosses: number[] }[] = [];
  for (const trainer of TRAINERS) {
    const estimator = lmEstimator({
      settings: { ...TEST_SETTINGS, trainer },
      base,
      validation,
      workDir: `${Deno.makeTempDirSync({ prefix: "lm_estimator_" })}/work`,
      fitRng: (k) => new Rng(3, "fit", k),
      sampleSeed: () => 0,
    });
    const model: LmFit = await estimator.fit(train); // 3 AdamW steps of 16 chats, the same batches
    assert.equal(model.trainer.constructor.name, trainer === "tfjs" ? "GptModel" : "OnnxGptTrainer");
    const metrics = await estimator.evaluate(model);
    const sequences = toSequences(base.tokenizer, validation, { contextLength: base.config.contextLength });
    const { sums, tokens } = await model.trainer.sequenceLosses(sequences);
    results.push({ metrics, chatLosses: Array.from(sums, (s, i) => s / tokens[i]) });
    estimator.dispose?.(model);
    estimator.close();
  }
  const [onnx, tfjs] = results;
  // As in trainer_test.ts: each loss is within n u of the exact one at the same weights, the weights differ only
  // by their gradients' rounding (the same AdamW steps both); an sd moves by at most the largest per-chat change.
  const config = base.config;
  const n = forwardRoundings(config) + config.vocabSize + 2 + 16 * config.contextLength;
  const tolerance = (x: number): number => 2 * n * UNIT_ROUNDOFF * x;
  for (const key of ["trainLoss", "evalLoss"]) {
    const [a, b] = [onnx.metrics[key], tfjs.metrics[key]];
    assert.ok(Math.abs(a - b) <= tolerance(a), `${key}: onnxruntime ${a} vs tfjs ${b}`);
  }
  const worst = Math.max(...onnx.chatLosses);
  const [seA, seB] = [onnx.metrics.evalLossSe, tfjs.metrics.evalLossSe];
  assert.ok(seA > 0 && Math.abs(seA - seB) <= tolerance(worst), `evalLossSe: ${seA} vs ${seB}`);
  // The SE is the per-chat losses' sd over sqrt(chats).
  const mean = onnx.chatLosses.reduce((s, x) => s + x, 0) / onnx.chatLosses.length;
  const sd = Math.sqrt(onnx.chatLosses.reduce((s, x) => s + (x - mean) ** 2, 0) / (onnx.chatLosses.length - 1));
  assert.ok(Math.abs(seA - sd / Math.sqrt(validation.length)) <= 1e-12 * seA);
});
