import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../numerics/rng.ts";
import { initBackend } from "./backend.ts";
import { type GptConfig, GptModel, type GptWeights, initWeights, type TrainOptions, weightShapes } from "./model.ts";
import { buildTrainingGraph, OnnxGptTrainer, releaseOnnxTrainingSessions } from "./onnx_train.ts";

await initBackend({ quiet: true });

// Tiny, but every dimension distinct: 2 layers, 2 heads of 8, MLP 64, vocabulary 40, context 12.
const TINY: GptConfig = { vocabSize: 40, contextLength: 12, dModel: 16, nLayers: 2, nHeads: 2 };

/** Weights whose gains and biases are not 1 and 0 and whose matrices are 5x GPT-2's scale, so every path matters. */
function tinyWeights(seed: number): GptWeights {
  const weights = initWeights(TINY, new Rng(seed));
  const rng = new Rng(seed, "perturb");
  for (const w of weights.values()) {
    if (w.shape.length === 1) { for (let i = 0; i < w.values.length; i++) w.values[i] += 0.2 * rng.normal(); }
    else for (let i = 0; i < w.values.length; i++) w.values[i] *= 5;
  }
  return weights;
}

/** Sequences of different lengths (padding and masking matter), the longest filling the context, ids repeating. */
function tinyBatch(seed: number, rows = 6): number[][] {
  const rng = new Rng(seed, "batch");
  return Array.from({ length: rows }, (_, r) => {
    const length = r === 0 ? TINY.contextLength + 1 : 2 + rng.int(TINY.contextLength - 1);
    return Array.from({ length }, () => rng.int(TINY.vocabSize));
  });
}

/**
 * tfjs reference: GptModel's loss on the batch (as its private #lossSum, from its public logits) and
 * tf.variableGrads of it with respect to the model's variables, mapped to weight names by creation order.
 */
function tfjsLossAndGradients(
  weights: GptWeights,
  sequences: number[][],
): { loss: number; gradients: Map<string, Float32Array> } {
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  const model = new GptModel(TINY, weights);
  const created = Object.entries(tf.engine().registeredVariables).filter(([name]) => !before.has(name));
  const shapes = weightShapes(TINY);
  assert.equal(created.length, shapes.length);
  created.forEach(([, v], i) => assert.deepEqual(v.shape, shapes[i][1]));
  const length = Math.max(...sequences.map((s) => s.length)) - 1;
  const ids = new Int32Array(sequences.length * length), targets = new Int32Array(ids.length);
  const mask = new Float32Array(ids.length);
  sequences.forEach((s, r) => {
    for (let i = 0; i + 1 < s.length; i++) {
      ids[r * length + i] = s[i];
      targets[r * length + i] = s[i + 1];
      mask[r * length + i] = 1;
    }
  });
  const tokens = mask.reduce((a, b) => a + b, 0);
  const result = tf.tidy(() => {
    const idsT = tf.tensor2d(ids, [sequences.length, length], "int32");
    const maskT = tf.tensor2d(mask, [sequences.length, length]);
    const onehot = tf.oneHot(tf.tensor2d(targets, [sequences.length, length], "int32"), TINY.vocabSize).toFloat();
    const { value, grads } = tf.variableGrads(
      () => tf.logSoftmax(model.logits(idsT)).mul(onehot).sum(-1).mul(maskT).sum().neg().div(tokens) as tf.Scalar,
      created.map(([, v]) => v),
    );
    return { value, grads: created.map(([name]) => grads[name]) };
  });
  const loss = result.value.dataSync()[0];
  const gradients = new Map(shapes.map(([name], i) => [name, result.grads[i].dataSync() as Float32Array]));
  tf.dispose([result.value, ...result.grads]);
  model.dispose();
  return { loss, gradients };
}

function norm(a: Float32Array): number {
  let s = 0;
  for (const x of a) s += x * x;
  return Math.sqrt(s);
}

function diffNorm(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

Deno.test("the training graph is a valid ONNX model with one gradient output per weight", () => {
  const bytes = buildTrainingGraph(TINY);
  assert.ok(bytes.length > 1000);
  const text = new TextDecoder("latin1").decode(bytes);
  for (const [name] of weightShapes(TINY)) assert.ok(text.includes(`grad.${name}`), `no output grad.${name}`);
});

Deno.test("loss equals GptModel's (tfjs) loss on the same weights and batch", async () => {
  for (const seed of [1, 2]) {
    const weights = tinyWeights(seed);
    const batch = tinyBatch(seed);
    const tfModel = new GptModel(TINY, weights);
    const tfLoss = await tfModel.evaluate(batch, { batchSize: 64 });
    tfModel.dispose();
    const trainer = new OnnxGptTrainer(TINY, weights);
    const { loss, tokens } = await trainer.lossAndGradients(batch);
    const evalLoss = await trainer.evaluate(batch, { batchSize: 4 }); // forward-only graph, two batches
    assert.equal(tokens, batch.reduce((s, x) => s + x.length - 1, 0));
    // float32: the loss is a mean of ~40 log-probabilities of magnitude ~4, each accurate to ~1e-6 relative.
    assert.ok(Math.abs(loss - tfLoss) <= 2e-6 * tfLoss, `onnx ${loss} vs tfjs ${tfLoss}`);
    assert.ok(Math.abs(evalLoss - tfLoss) <= 2e-6 * tfLoss, `onnx evaluate ${evalLoss} vs tfjs ${tfLoss}`);
  }
});

Deno.test("every gradient equals tfjs's (tf.variableGrads) within float32 tolerance", async () => {
  for (const seed of [3, 4]) {
    const weights = tinyWeights(seed);
    const batch = tinyBatch(seed);
    const reference = tfjsLossAndGradients(weights, batch);
    const trainer = new OnnxGptTrainer(TINY, weights);
    const { loss, gradients } = await trainer.lossAndGradients(batch);
    assert.ok(Math.abs(loss - reference.loss) <= 2e-6 * reference.loss);
    for (const [name, shape] of weightShapes(TINY)) {
      const ours = gradients.get(name)!, theirs = reference.gradients.get(name)!;
      assert.equal(ours.length, shape.reduce((a, b) => a * b, 1), name);
      const scale = norm(theirs);
      if (name.endsWith("attn.b_qkv")) {
        // The key bias adds q.b to every score of a row: softmax ignores it, so its true gradient is 0
        // and both sides hold rounding noise there. Check the query and value parts; the key part must be ~0.
        const d = TINY.dModel;
        const qv = (g: Float32Array) => Float32Array.from([...g.subarray(0, d), ...g.subarray(2 * d)]);
        const keyPart = (g: Float32Array) => norm(g.subarray(d, 2 * d));
        assert.ok(diffNorm(qv(ours), qv(theirs)) <= 1e-5 * norm(qv(theirs)), `${name} (query/value part)`);
        assert.ok(keyPart(ours) <= 1e-6 * scale && keyPart(theirs) <= 1e-6 * scale, `${name} key part not ~0`);
        continue;
      }
      if (name === "wpe") {
        // Rows past the longest sequence get no gradient at all.
        const used = (tinyBatch(seed).reduce((m, s) => Math.max(m, s.length), 0) - 1) * TINY.dModel;
        assert.ok(ours.subarray(used).every((x) => x === 0));
      }
      // Whole-tensor relative error. float32 rounding (6e-8) accumulated through ~10 layers of
      // sums over <= 64 terms stays near 1e-6; 1e-5 leaves margin and still catches any wrong term
      // (a missing or mis-scaled path changes the gradient by >= 1e-2 relative).
      const relative = diffNorm(ours, theirs) / scale;
      assert.ok(scale > 0 && relative <= 1e-5, `${name}: relative error ${relative.toExponential(2)}`);
      // Elementwise, against the tensor's scale: no single element is off either.
      for (let i = 0; i < ours.length; i++) {
        assert.ok(Math.abs(ours[i] - theirs[i]) <= 1e-5 * scale, `${name}[${i}]: ${ours[i]} vs ${theirs[i]}`);
      }
    }
  }
});

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
  const sequences = [...tinyBatch(6, 8), ...tinyBatch(7, 8)];
  const tfLoss = await tfModel.trainEpoch(sequences, new Rng(9), options);
  const onnxLoss = await trainer.trainEpoch(sequences, new Rng(9), options); // 4 steps, the same batches
  assert.ok(Math.abs(tfLoss - onnxLoss) <= 1e-5 * tfLoss, `mean loss ${onnxLoss} vs ${tfLoss}`);
  const a = await tfModel.weights(), b = trainer.weights();
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
      // gradient that is truly 0 (the key bias, see above) may move a weight by up to lr per step either way.
      // Elsewhere float32 rounding leaves ~3e-7 here; 5e-3 lr (0.5% of one step's largest move) leaves margin
      // for other CPUs' kernels and still fails on any wrong gradient or optimizer term (which costs ~lr).
      const tol = keyBias ? 2 * lr * steps : 5e-3 * lr;
      assert.ok(Math.abs(x[i] - y[i]) <= tol, `${name}[${i}]: tfjs ${x[i]} vs onnx ${y[i]}`);
    }
  }
});

Deno.test("gradients are deterministic across runs and agree between 1 and 2 threads (repeated token ids)", async () => {
  const weights = tinyWeights(8);
  // 16 x 12 positions over a 40-token vocabulary: every id repeats, so a racy scatter-add would show.
  const batch = Array.from({ length: 16 }, (_, r) => tinyBatch(8 + r, 1)[0].concat(1, 2, 3).slice(0, 13));
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
  assert.throws(() => buildTrainingGraph({ ...TINY, nHeads: 3 }), /multiple of nHeads/);
  assert.throws(() => new OnnxGptTrainer(TINY, weights, { threads: 0 }), /threads/);
  const trainer = new OnnxGptTrainer(TINY, weights);
  const tooLong = [Array.from({ length: TINY.contextLength + 2 }, () => 1)];
  await assert.rejects(trainer.lossAndGradients(tooLong), /more than the context length 12/);
  await assert.rejects(trainer.lossAndGradients([[1, 2, TINY.vocabSize]]), /token id 40, outside 0\.\.39/);
  await assert.rejects(trainer.lossAndGradients([[1, 2.5, 3]]), /token id 2.5/);
  await assert.rejects(trainer.lossAndGradients([]), /at least one sequence/);
  await assert.rejects(trainer.lossAndGradients([[1], [2]]), /shorter than 2 tokens/);
  trainer.dispose();
  assert.throws(() => trainer.weights(), /disposed/);
  await releaseOnnxTrainingSessions();
});
