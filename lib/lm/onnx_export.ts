/**
 * Exports a trained model as a Hugging Face model folder (config.json with
 * model_type "gpt2", generation_config.json, onnx/model.onnx, and the
 * tokenizer files), so that `@huggingface/transformers` loads it offline and
 * `generate`s from it on onnxruntime's native CPU runtime, and the cached
 * sampler (cached_sampler.ts) runs its graph directly. The graph, with its
 * key/value cache, is onnx/inference_graph.ts' (re-exported here).
 *
 * Tests: lm_test.ts (the folder loads, its logits equal tfjs', generate runs),
 * onnx/inference_graph_test.ts (the graph).
 *
 * @module
 */

import { gptToOnnx } from "./onnx/inference_graph.ts";
import type { GptConfig, GptWeights } from "./weights.ts";
import { EOS_TOKEN } from "./tokenizer.ts";

export { gptToOnnx } from "./onnx/inference_graph.ts";

/** The config.json of the Hugging Face folder (GPT-2 names). */
export function hfConfig(config: GptConfig): Record<string, unknown> {
  return {
    model_type: "gpt2",
    architectures: ["GPT2LMHeadModel"],
    vocab_size: config.vocabSize,
    n_positions: config.contextLength,
    n_ctx: config.contextLength,
    n_embd: config.dModel,
    n_layer: config.nLayers,
    n_head: config.nHeads,
    bos_token_id: 0,
    eos_token_id: 0,
    pad_token_id: 0,
    use_cache: false,
  };
}

/**
 * Writes a complete Hugging Face model folder at `dir`: config.json,
 * generation_config.json, onnx/model.onnx, and the tokenizer files copied from
 * `tokenizerDir`.
 */
export function writeHfFolder(
  dir: string,
  model: { config: GptConfig; weights: GptWeights },
  options: { tokenizerDir: string },
): void {
  Deno.mkdirSync(`${dir}/onnx`, { recursive: true });
  for (const name of ["tokenizer.json", "tokenizer_config.json"]) {
    Deno.copyFileSync(`${options.tokenizerDir}/${name}`, `${dir}/${name}`);
  }
  Deno.writeTextFileSync(`${dir}/config.json`, JSON.stringify(hfConfig(model.config), null, 2));
  Deno.writeTextFileSync(
    `${dir}/generation_config.json`,
    JSON.stringify({ bos_token_id: 0, eos_token_id: 0, pad_token_id: 0, _comment: EOS_TOKEN }, null, 2),
  );
  Deno.writeFileSync(`${dir}/onnx/model.onnx`, gptToOnnx(model.config, model.weights));
}
