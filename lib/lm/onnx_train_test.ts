import assert from "node:assert/strict";
import { Rng } from "../numerics/rng.ts";
import { GptModel, initBackend } from "./tfjs/mod.ts";
import { diffNorm, norm, TINY, tinyBatch, tinyWeights } from "./testing/tiny.ts";
import { OnnxGptTrainer, releaseOnnxTrainingSessions } from "./onnx_train.ts";
import { type GptWeights, type TrainOptions, weightShapes } from "./weights.ts";

await initBackend({ quiet: true, backend: "wasm" });

Deno.test("N AdamW steps (warm-up, clipping, decay) from the same weights agree with GptModel's", async () => {
  const weights = tinyWeights(5);
  const tfModel = new GptModel(TINY, weights);
  const trainer = new OnnxGptTrainer(TINY, weights);
  // clipNorm 1 with these large weights clips every step; warm-up via trainEpoch's schedule.
  const options: TrainOptions = {
    learningRate: 1e-3,
    batchSize: 4,
    warmupFraction: 0.5,
    weightDecay: 0.1,
    clipNorm: 1,
  };
  const sequences = [...tinyBatch(6, { rows: 8 }), ...tinyBatch(7, { rows: 8 })];
  const tfLoss = await tfModel.trainEpoch(sequences, new Rng(9), options);
  const onnxLoss = await trainer.trainEpoch(sequences, new Rng(9), options); // 4 steps, the same batches
  assert.ok(Math.abs(tfLoss - onnxLoss) <= 1e-5 * tfLoss, `mean loss ${onnxLoss} vs ${tfLoss}`);
  const a = tfModel.weights(), b = trainer.weights();
  tfModel.dispose();
  trainer.dispose();
  const steps = 4, lr = options.learningRate;
  const initial = tinyWeights(5);
  for (const [name] of weightShapes(TINY)) {
    const x = a.get(name)!.values, y = b.get(name)!.values, w0 = initial.get(name)!.values;
    const moved = diffNorm(x, w0);
    assert.ok(moved > 0, `${name} did not move`);
    for (let i = 0; i < x.length; i++) {
      const keyBias = name.endsWith("attn.b_qkv") && i >= TINY.dModel && i < 2 * TINY.dModel;
      // Adam divides by sqrt(v): an update is lr * m / sqrt(v), bounded by ~lr, so rounding noise in a
      // gradient that is truly 0 (the key bias, see onnx/training_graph_test.ts) may move a weight by up to
      // lr per step either way. Elsewhere float32 rounding leaves ~3e-7 here; 5e-3 lr (0.5% of one step's
      // largest move) leaves margin for other CPUs' kernels and still fails on any wrong gradient (~lr).
      const tol = keyBias ? 2 * lr * steps : 5e-3 * lr;
      assert.ok(Math.abs(x[i] - y[i]) <= tol, `${name}[${i}]: tfjs ${x[i]} vs onnx ${y[i]}`);
    }
  }
});

Deno.test("gradients are deterministic across runs and agree between 1 and 2 threads (repeated token ids)", async () => {
  const weights = tinyWeights(8);
  // 16 x 12 positions over a 40-token vocabulary: every id repeats, so a racy scatter-add would show.
  const batch = Array.from({ length: 16 }, (_, r) => tinyBatch(8 + r, { rows: 1 })[0].concat(1, 2, 3).slice(0, 13));
  const one = await new OnnxGptTrainer(TINY, weights, { threads: 1 }).lossAndGradients(batch);
  const two = new OnnxGptTrainer(TINY, weights, { threads: 2 });
  const first = await two.lossAndGradients(batch);
  for (let run = 0; run < 5; run++) {
    const again = await two.lossAndGradients(batch);
    for (const [name, g] of again.gradients) assert.deepEqual(g, first.gradients.get(name), `${name}, run ${run}`);
  }
  for (const [name, g] of first.gradients) {
    const ref = one.gradients.get(name)!;
    assert.ok(diffNorm(g, ref) <= 1e-5 * norm(ref), `${name}: 2 threads vs 1`);
  }
});

Deno.test("bad input fails with a clear error", async () => {
  const weights = tinyWeights(1);
  const wrong: GptWeights = new Map(weights);
  wrong.set("h0.attn.w_qkv", { shape: [16, 16], values: new Float32Array(256) });
  assert.throws(() => new OnnxGptTrainer(TINY, wrong), /"h0.attn.w_qkv" has shape \[16,16\].*expected \[16,48\]/);
  const missing: GptWeights = new Map(weights);
  missing.delete("ln_f.b");
  assert.throws(() => new OnnxGptTrainer(TINY, missing), /weights lack "ln_f.b"/);
  assert.throws(() => new OnnxGptTrainer(TINY, weights, { threads: 0 }), /threads/);
  const trainer = new OnnxGptTrainer(TINY, weights);
  const tooLong = [Array.from({ length: TINY.contextLength + 2 }, () => 1)];
  await assert.rejects(trainer.lossAndGradients(tooLong), /more than the context length 12/);
  await assert.rejects(trainer.lossAndGradients([[1, 2, TINY.vocabSize]]), /token id 40, outside 0\.\.39/);
  await assert.rejects(trainer.lossAndGradients([[1, 2.5, 3]]), /token id 2.5/);
  await assert.rejects(trainer.lossAndGradients([]), /at least one sequence/);
  await assert.rejects(trainer.lossAndGradients([[1], [2]]), /shorter than 2 tokens/);
  await assert.rejects(trainer.evaluate([[1, 2]], { padId: 3 }), /pads with id 0 only/);
  trainer.dispose();
  assert.throws(() => trainer.weights(), /disposed/);
  await releaseOnnxTrainingSessions();
});
