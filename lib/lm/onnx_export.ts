/**
 * Exports a {@linkcode GptModel}'s weights as an ONNX graph (opset 17, written
 * with `onnx-proto`) in a Hugging Face model folder (config.json with
 * model_type "gpt2", generation_config.json, onnx/model.onnx, and the
 * tokenizer files), so that `@huggingface/transformers` can load it offline and
 * `generate` from it on onnxruntime's native CPU runtime. The graph takes
 * `input_ids` [batch, sequence] and `num_logits_to_keep` (a scalar: 0 keeps
 * every position, k the last k) and a key/value cache in transformers.js'
 * names (`past_key_values.{layer}.key|value` [batch, heads, past, head_dim], empty
 * at the first step) and returns `logits` [batch, kept, vocab] and the grown
 * cache as `present.{layer}.key|value`. transformers.js' `generate` feeds only
 * the newest token after the first step, so a graph without this cache would
 * silently sample each token from a one-token context.
 *
 * @module
 */

import onnxProto from "onnx-proto";
import type { GptConfig, GptWeights } from "./model.ts";
import { EOS_TOKEN } from "./tokenizer.ts";

const { onnx } = onnxProto as unknown as typeof import("onnx-proto");
type NodeProto = import("onnx-proto").onnx.INodeProto;
type TensorProto = import("onnx-proto").onnx.ITensorProto;

const FLOAT = 1;
const INT64 = 7;

function floatTensor(name: string, dims: number[], values: Float32Array): TensorProto {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(values.slice().buffer) };
}

function int64Tensor(name: string, dims: number[], values: number[]): TensorProto {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims, dataType: INT64, rawData: new Uint8Array(data.buffer) };
}

/** Builds the ONNX model bytes of a GPT with these weights. */
export function gptToOnnx(config: GptConfig, weights: GptWeights): Uint8Array {
  const { vocabSize: v, contextLength: ctx, dModel: d, nHeads: nh, nLayers } = config;
  const dh = d / nh;
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  let counter = 0;
  const fresh = (hint: string): string => `${hint}_${counter++}`;
  const node = (opType: string, inputs: string[], attrs: Record<string, number | number[]> = {}): string => {
    const out = fresh(opType.toLowerCase());
    const attribute = Object.entries(attrs).map(([name, value]) =>
      Array.isArray(value)
        ? { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value }
        : Number.isInteger(value)
        ? { name, type: onnx.AttributeProto.AttributeType.INT, i: value }
        : { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value }
    );
    nodes.push({ opType, input: inputs, output: [out], name: out, attribute });
    return out;
  };
  const weight = (name: string): string => {
    const w = weights.get(name);
    if (!w) throw new Error(`weights lack "${name}"`);
    inits.push(floatTensor(name, w.shape, w.values));
    return name;
  };
  const scalar = (value: number): string => {
    const name = fresh("const");
    inits.push(floatTensor(name, [], Float32Array.of(value)));
    return name;
  };
  const ints = (values: number[]): string => {
    const name = fresh("ints");
    inits.push(int64Tensor(name, [values.length], values));
    return name;
  };
  const layerNorm = (x: string, prefix: string): string =>
    node("LayerNormalization", [x, weight(`${prefix}.g`), weight(`${prefix}.b`)], { axis: -1, epsilon: 1e-5 });

  // Embeddings: tokens plus positions P..P+T-1, P the cached (past) length.
  const wteT = weights.get("wte")!;
  const seqLen = node("Gather", [node("Shape", ["input_ids"]), ints([1])], { axis: 0 }); // [1]
  const pastLen = node("Gather", [node("Shape", ["past_key_values.0.key"]), ints([2])], { axis: 0 }); // [1]
  const totalLen = node("Add", [pastLen, seqLen]);
  const positions = node("Range", [
    node("Squeeze", [pastLen]),
    node("Squeeze", [totalLen]),
    node("Squeeze", [ints([1])]),
  ]);
  let x = node("Add", [node("Gather", [weight("wte"), "input_ids"]), node("Gather", [weight("wpe"), positions])]);

  // Causal mask: 0 on and below the diagonal, -1e9 above; rows P..P+T-1, columns 0..P+T-1.
  const maskValues = new Float32Array(ctx * ctx);
  for (let i = 0; i < ctx; i++) for (let j = i + 1; j < ctx; j++) maskValues[i * ctx + j] = -1e9;
  inits.push(floatTensor("causal_mask", [ctx, ctx], maskValues));
  const starts = node("Concat", [pastLen, ints([0])], { axis: 0 });
  const ends = node("Concat", [totalLen, totalLen], { axis: 0 });
  const mask = node("Slice", ["causal_mask", starts, ends, ints([0, 1])]);
  const headShape = ints([0, 0, nh, dh]);
  const mergedShape = ints([0, 0, d]);
  const splitSizes = ints([d, d, d]);

  for (let l = 0; l < nLayers; l++) {
    const p = `h${l}`;
    const h = layerNorm(x, `${p}.ln1`);
    const qkv = node("Add", [node("MatMul", [h, weight(`${p}.attn.w_qkv`)]), weight(`${p}.attn.b_qkv`)]);
    const q = fresh("q"), k = fresh("k"), vv = fresh("v");
    nodes.push({
      opType: "Split",
      input: [qkv, splitSizes],
      output: [q, k, vv],
      name: fresh("split"),
      attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 2 }],
    });
    const heads = (t: string, perm: number[]): string => node("Transpose", [node("Reshape", [t, headShape])], { perm });
    // The key/value cache: past entries, then this call's; returned as present.*.
    const keys = `present.${l}.key`, values = `present.${l}.value`;
    nodes.push({
      opType: "Concat",
      input: [`past_key_values.${l}.key`, heads(k, [0, 2, 1, 3])],
      output: [keys],
      name: fresh("concat"),
      attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 2 }],
    });
    nodes.push({
      opType: "Concat",
      input: [`past_key_values.${l}.value`, heads(vv, [0, 2, 1, 3])],
      output: [values],
      name: fresh("concat"),
      attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 2 }],
    });
    const keysT = node("Transpose", [keys], { perm: [0, 1, 3, 2] });
    const scores = node("Add", [
      node("Mul", [node("MatMul", [heads(q, [0, 2, 1, 3]), keysT]), scalar(1 / Math.sqrt(dh))]),
      mask,
    ]);
    const attended = node("MatMul", [node("Softmax", [scores], { axis: -1 }), values]);
    const merged = node("Reshape", [node("Transpose", [attended], { perm: [0, 2, 1, 3] }), mergedShape]);
    const out = node("Add", [node("MatMul", [merged, weight(`${p}.attn.w_o`)]), weight(`${p}.attn.b_o`)]);
    x = node("Add", [x, out]);
    const h2 = layerNorm(x, `${p}.ln2`);
    const fc = node("Add", [node("MatMul", [h2, weight(`${p}.mlp.w_fc`)]), weight(`${p}.mlp.b_fc`)]);
    // GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    const cube = node("Mul", [node("Mul", [fc, fc]), fc]);
    const inner = node("Mul", [
      node("Add", [fc, node("Mul", [cube, scalar(0.044715)])]),
      scalar(Math.sqrt(2 / Math.PI)),
    ]);
    const gelu = node("Mul", [node("Mul", [fc, scalar(0.5)]), node("Add", [node("Tanh", [inner]), scalar(1)])]);
    const proj = node("Add", [node("MatMul", [gelu, weight(`${p}.mlp.w_proj`)]), weight(`${p}.mlp.b_proj`)]);
    x = node("Add", [x, proj]);
  }
  // Keep the last num_logits_to_keep positions (0 keeps all), as transformers.js asks
  // during generation: the output layer then runs on one position per sequence.
  const keepScalar = node("Squeeze", ["num_logits_to_keep"]);
  const lenScalar = node("Squeeze", [seqLen]);
  const keep = node("Where", [node("Equal", [keepScalar, node("Squeeze", [ints([0])])]), lenScalar, keepScalar]);
  const start = node("Unsqueeze", [node("Sub", [lenScalar, keep]), ints([0])]);
  const kept = node("Slice", [x, start, seqLen, ints([1])]);
  const final = layerNorm(kept, "ln_f");
  // Tied output layer: logits = h wte^T, stored transposed.
  const transposed = new Float32Array(v * d);
  for (let i = 0; i < v; i++) for (let j = 0; j < d; j++) transposed[j * v + i] = wteT.values[i * d + j];
  inits.push(floatTensor("lm_head", [d, v], transposed));
  nodes.push({ opType: "MatMul", input: [final, "lm_head"], output: ["logits"], name: "lm_head_matmul" });

  const dims = (...names: (string | number)[]) => ({
    dim: names.map((n) => typeof n === "number" ? { dimValue: n } : { dimParam: n }),
  });
  const cacheInfo = (prefix: string, length: string) =>
    Array.from({ length: nLayers }, (_, l) =>
      ["key", "value"].map((kind) => ({
        name: `${prefix}.${l}.${kind}`,
        type: { tensorType: { elemType: FLOAT, shape: dims("batch_size", nh, length, dh) } },
      }))).flat();
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "collapse-or-thrive lib/lm",
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "gpt",
      node: nodes,
      initializer: inits,
      input: [{
        name: "input_ids",
        type: { tensorType: { elemType: INT64, shape: dims("batch_size", "sequence_length") } },
      }, {
        name: "num_logits_to_keep",
        type: { tensorType: { elemType: INT64, shape: dims() } },
      }, ...cacheInfo("past_key_values", "past_sequence_length")],
      output: [{
        name: "logits",
        type: { tensorType: { elemType: FLOAT, shape: dims("batch_size", "kept_length", v) } },
      }, ...cacheInfo("present", "total_sequence_length")],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

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
