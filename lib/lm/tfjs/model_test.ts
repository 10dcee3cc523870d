import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { TINY, tinyBatch, tinyWeights } from "../testing/tiny.ts";
import type { GptWeights } from "../weights.ts";
import { initBackend } from "./backend.ts";
import { GptModel } from "./model.ts";

await initBackend({ quiet: true, backend: "wasm" });

Deno.test("causal masking: a later token never changes an earlier position's logits", () => {
  const model = new GptModel(TINY, tinyWeights(1, { scale: 10 }));
  const a = [[3, 14, 15, 9, 6, 35, 8, 7]];
  const b = [[3, 14, 15, 9, 20, 7, 1, 2]];
  const la = model.logits(tf.tensor2d(a, undefined, "int32")).arraySync()[0];
  const lb = model.logits(tf.tensor2d(b, undefined, "int32")).arraySync()[0];
  model.dispose();
  for (let t = 0; t < 4; t++) {
    for (let v = 0; v < TINY.vocabSize; v++) assert.ok(Math.abs(la[t][v] - lb[t][v]) < 1e-5);
  }
  assert.ok(la[4].some((x, v) => Math.abs(x - lb[4][v]) > 1e-3), "position 4 must see its own token");
});

Deno.test("a training step writes AdamW's update into the variables: logits follow weights()", async () => {
  const model = new GptModel(TINY, tinyWeights(2));
  const batch = tinyBatch(2);
  await model.trainStep(batch, { learningRate: 1e-2, batchSize: 6, warmupFraction: 0, weightDecay: 0.1, clipNorm: 1 });
  // A fresh model built from the returned weights computes bit-identical logits: the variables hold them.
  const copy = new GptModel(TINY, model.weights());
  const ids = tf.tensor2d([batch[0].slice(0, TINY.contextLength)], undefined, "int32");
  assert.deepEqual(model.logits(ids).dataSync(), copy.logits(ids).dataSync());
  model.dispose();
  copy.dispose();
});

Deno.test("GptModel checks its weights and fails clearly once disposed", () => {
  const wrong: GptWeights = new Map(tinyWeights(1));
  wrong.set("wpe", { shape: [3, 16], values: new Float32Array(48) });
  assert.throws(() => new GptModel(TINY, wrong), /"wpe" has shape \[3,16\].*expected \[12,16\]/);
  const model = new GptModel(TINY, tinyWeights(1));
  model.dispose();
  assert.throws(() => model.weights(), /disposed/);
});
