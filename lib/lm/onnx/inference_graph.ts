/**
 * The inference graph of a trained model (opset 17), its weights stored in it:
 * the forward pass of forward.ts with a key/value cache, and the tied output
 * layer on the last positions. The inputs and outputs follow transformers.js'
 * GPT-2 names, so `@huggingface/transformers` loads it (onnx_export.ts writes
 * the folder) and the cached sampler (cached_sampler.ts) runs it directly:
 * `input_ids` [batch, sequence], `num_logits_to_keep` (a scalar: 0 keeps every
 * position, k the last k), `past_key_values.{layer}.key|value`
 * [batch, heads, past, head_dim] (empty at the first step); outputs `logits`
 * [batch, kept, vocab] and `present.{layer}.key|value`. transformers.js'
 * `generate` feeds only the newest token after the first step, so a graph
 * without this cache would silently sample each token from a one-token context.
 *
 * Tests: inference_graph_test.ts.
 *
 * @module
 */

import { type GptConfig, type GptWeights, validateGptConfig, weightShapes } from "../weights.ts";
import { emitForward } from "./forward.ts";
import { Graph, INT64 } from "./graph.ts";

/** The ONNX model bytes of a GPT with these weights (checked against `config`'s names and shapes). */
export function gptToOnnx(config: GptConfig, weights: GptWeights): Uint8Array {
  validateGptConfig(config);
  const { vocabSize: v, dModel: d, nHeads: nh, nLayers } = config;
  const dh = d / nh;
  const g = new Graph();
  for (const [name, shape] of weightShapes(config)) {
    const w = weights.get(name);
    if (!w) throw new Error(`weights lack "${name}"`);
    if (w.shape.join("x") !== shape.join("x") || w.values.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new Error(`weight "${name}" has shape [${w.shape}] (${w.values.length} values), expected [${shape}]`);
    }
    g.floats(shape, w.values, { name });
  }
  const forward = emitForward(g, config, { cache: true });

  // Keep the last num_logits_to_keep positions (0 keeps all), as transformers.js asks
  // during generation: the output layer then runs on one position per sequence.
  const keepScalar = g.op("Squeeze", ["num_logits_to_keep"]);
  const lenScalar = g.op("Squeeze", [forward.tLen]);
  const keep = g.op("Where", [g.op("Equal", [keepScalar, g.op("Squeeze", [g.ints([0])])]), lenScalar, keepScalar]);
  const start = g.op("Unsqueeze", [g.sub(lenScalar, keep), g.ints([0])]);
  const kept = g.op("Slice", [g.op("Reshape", [forward.hidden, forward.shapeBTD]), start, forward.tLen, g.ints([1])]);
  // Tied output layer: logits = h wte^T, stored transposed.
  const wte = weights.get("wte")!.values;
  const transposed = new Float32Array(v * d);
  for (let i = 0; i < v; i++) for (let j = 0; j < d; j++) transposed[j * v + i] = wte[i * d + j];
  g.opN("MatMul", [kept, g.floats([d, v], transposed, { name: "lm_head" })], { outputs: ["logits"] });

  g.input("input_ids", { shape: ["batch_size", "sequence_length"], type: INT64 });
  g.input("num_logits_to_keep", { shape: [], type: INT64 });
  for (let l = 0; l < nLayers; l++) {
    for (const kind of ["key", "value"]) {
      g.input(`past_key_values.${l}.${kind}`, { shape: ["batch_size", nh, "past_sequence_length", dh] });
    }
  }
  g.output("logits", { name: "logits", shape: ["batch_size", "kept_length", v] });
  for (const name of forward.present) {
    g.output(name, { name, shape: ["batch_size", nh, "total_sequence_length", dh] });
  }
  return g.encode({ name: "gpt", producer: "collapse-or-thrive lib/lm" });
}
