import assert from "node:assert/strict";
import { GptModel, initBackend } from "../tfjs/mod.ts";
import { diffNorm, norm, TINY, tinyBatch, tinyWeights } from "../testing/tiny.ts";
import { OnnxGptTrainer } from "../onnx_train.ts";
import { weightShapes } from "../weights.ts";
import { buildTrainingGraph } from "./training_graph.ts";

// The reference runs on the CPU (wasm), whatever accelerator the machine has: the tolerances below are float32's.
await initBackend({ quiet: true, backend: "wasm" });

Deno.test("the training graph is a valid ONNX model with one gradient output per weight", () => {
  const bytes = buildTrainingGraph(TINY);
  assert.ok(bytes.length > 1000);
  const text = new TextDecoder("latin1").decode(bytes);
  for (const [name] of weightShapes(TINY)) assert.ok(text.includes(`grad.${name}`), `no output grad.${name}`);
  assert.throws(() => buildTrainingGraph({ ...TINY, nHeads: 3 }), /multiple of nHeads/);
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
    const tfModel = new GptModel(TINY, weights);
    const reference = await tfModel.lossAndGradients(batch);
    tfModel.dispose();
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
        const used = (batch.reduce((m, s) => Math.max(m, s.length), 0) - 1) * TINY.dModel;
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
