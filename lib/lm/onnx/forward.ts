/**
 * The transformer's forward pass as ONNX nodes, written once for every graph
 * of lib/lm: the training graph (training_graph.ts, which also needs the
 * activations its backward pass reads) and the inference graph with a
 * key/value cache (inference_graph.ts, which transformers.js and the cached
 * sampler run).
 *
 * The architecture (the TensorFlow.js reference, tfjs/model.ts, computes the
 * same): token embedding tied to the output layer, learned positions, pre-norm
 * blocks (LayerNorm eps 1e-5 -> causal multi-head attention with a fused
 * [d, 3d] qkv projection -> output projection; LayerNorm -> MLP 4d with
 * tanh-GELU), final LayerNorm. Rows are the B x T positions flattened to
 * [N, d], so every projection is one Gemm with its bias.
 *
 * With a cache, the graph takes `past_key_values.{layer}.key|value`
 * ([batch, heads, past, head_dim], empty at the first step), attends to the
 * past positions and this call's, and returns the grown cache as
 * `present.{layer}.key|value`; the new tokens sit at positions past..past+T-1.
 *
 * Tests: training_graph_test.ts (loss and gradients against tfjs),
 * inference_graph_test.ts (logits against tfjs, cached steps against the
 * whole context).
 *
 * @module
 */

import { type GptConfig, validateGptConfig } from "../weights.ts";
import type { Graph } from "./graph.ts";

/** LayerNorm's epsilon, as GPT-2 and tfjs/model.ts. */
export const LN_EPSILON = 1e-5;
/** The cubic coefficient of GPT-2's tanh-GELU. */
export const GELU_A = 0.044715;
/** sqrt(2 / pi), GPT-2's tanh-GELU scale. */
export const GELU_C = Math.sqrt(2 / Math.PI);

/** What a LayerNorm keeps for the backward pass: its input, mean and 1 / std (empty names without saving). */
export interface LnSaved {
  x: string;
  mean: string;
  invStd: string;
  /** The weights' prefix: `<prefix>.g`, `<prefix>.b`. */
  prefix: string;
}

/** The activations of one block that the backward pass reads. */
export interface LayerActivations {
  ln1: LnSaved;
  /** ln1's output [N, d]. */
  h: string;
  /** Queries, keys, values [B, heads, T, head_dim]. */
  q: string;
  k: string;
  vv: string;
  /** Attention probabilities [B, heads, T, T]. */
  probs: string;
  /** Attention output before its projection [N, d]. */
  attended: string;
  ln2: LnSaved;
  /** ln2's output [N, d]. */
  h2: string;
  /** MLP pre-activation [N, 4d], its square, the tanh and the GELU output. */
  fc: string;
  fcSquared: string;
  tanh: string;
  gelu: string;
}

/** The forward pass's outputs and the names the graph assemblies and the backward pass use. */
export interface ForwardGraph {
  /** Final LayerNorm output [N, d], N = B x T rows in row-major (batch, position) order. */
  hidden: string;
  lnF: LnSaved;
  layers: LayerActivations[];
  /** This call's positions T, as an int64 [1]. */
  tLen: string;
  /** Shapes (int64) [-1, d], [-1, T, d] and [-1, T, heads, head_dim]. */
  rowsD: string;
  shapeBTD: string;
  shapeHeads: string;
  /** 1 / sqrt(head_dim), a float scalar. */
  scale: string;
  /** With a cache: `present.{l}.key|value`, in layer order (key, value). */
  present: string[];
}

/** Options of {@linkcode emitForward}. */
export interface ForwardOptions {
  /** Take `past_key_values.*` and produce `present.*` (default false: the positions start at 0). */
  cache?: boolean;
  /**
   * Keep LayerNorm's mean and 1 / std as outputs for the backward pass
   * (default false). The other activations are named either way.
   */
  saveForBackward?: boolean;
}

function layerNorm(g: Graph, x: string, options: { prefix: string; save: boolean }): { y: string; saved: LnSaved } {
  const { prefix, save } = options;
  const [y, mean = "", invStd = ""] = g.opN("LayerNormalization", [x, `${prefix}.g`, `${prefix}.b`], {
    outputs: save ? 3 : 1,
    attrs: { axis: -1, epsilon: LN_EPSILON },
  });
  return { y, saved: { x, mean, invStd, prefix } };
}

/**
 * Emits the forward pass of `config` into `g`, reading the weights under
 * their `weightShapes` names (weights.ts) and the token ids from `input_ids`
 * (int64 [B, T]); with a cache also `past_key_values.*`. Declares no graph
 * input or output: the assemblies do.
 */
export function emitForward(g: Graph, config: GptConfig, options: ForwardOptions = {}): ForwardGraph {
  validateGptConfig(config);
  const { contextLength: ctx, dModel: d, nHeads: nh, nLayers } = config;
  const dh = d / nh;
  const cache = options.cache ?? false;
  const save = options.saveForBackward ?? false;

  // Dynamic shapes: B sequences of T new positions after P cached ones, N = B T rows.
  const tLen = g.op("Slice", [g.op("Shape", ["input_ids"]), g.ints([1]), g.ints([2])]); // [1]
  const pastLen = cache
    ? g.op("Slice", [g.op("Shape", ["past_key_values.0.key"]), g.ints([2]), g.ints([3])]) // [1]
    : undefined;
  const totalLen = pastLen ? g.add(pastLen, tLen) : tLen;
  const rowsD = g.ints([-1, d]);
  const shapeBTD = g.op("Concat", [g.ints([-1]), tLen, g.ints([d])], { axis: 0 });
  const shapeQkv = g.op("Concat", [g.ints([-1]), tLen, g.ints([3, nh, dh])], { axis: 0 });
  const shapeHeads = g.op("Concat", [g.ints([-1]), tLen, g.ints([nh, dh])], { axis: 0 });

  // Embeddings: x0 [N, d] = wte[ids] + wpe[P..P+T-1].
  const pos = g.op("Slice", ["wpe", pastLen ?? g.ints([0]), totalLen, g.ints([0])]);
  let x = g.op("Reshape", [g.add(g.op("Gather", ["wte", "input_ids"], { axis: 0 }), pos), rowsD]);
  // Causal mask, added to the scores: 0 on and below the diagonal, -1e9 above (as tfjs/model.ts);
  // rows P..P+T-1, columns 0..P+T-1.
  const maskValues = new Float32Array(ctx * ctx);
  for (let i = 0; i < ctx; i++) for (let j = i + 1; j < ctx; j++) maskValues[i * ctx + j] = -1e9;
  const causal = g.op("Slice", [
    g.floats([ctx, ctx], maskValues),
    pastLen ? g.op("Concat", [pastLen, g.ints([0])], { axis: 0 }) : g.ints([0, 0]),
    g.op("Concat", [totalLen, totalLen], { axis: 0 }),
    g.ints([0, 1]),
  ]);
  const scale = g.scalar(1 / Math.sqrt(dh));

  const layers: LayerActivations[] = [];
  const present: string[] = [];
  for (let l = 0; l < nLayers; l++) {
    const p = `h${l}`;
    const ln1 = layerNorm(g, x, { prefix: `${p}.ln1`, save });
    const qkv = g.gemm(ln1.y, `${p}.attn.w_qkv`, { bias: `${p}.attn.b_qkv` }); // [N, 3d]
    // [B, T, 3, nh, dh] -> [3, B, nh, T, dh] -> q, k, v [B, nh, T, dh].
    const stacked = g.transpose(g.op("Reshape", [qkv, shapeQkv]), [2, 0, 3, 1, 4]);
    const [q, k, vv] = g.opN("Split", [stacked, g.ints([1, 1, 1])], { outputs: 3, attrs: { axis: 0 } }).map((t) =>
      g.op("Squeeze", [t, g.ints([0])])
    );
    let keys = k, values = vv;
    if (cache) {
      // The cache: past entries, then this call's; returned as present.*.
      keys = g.opN("Concat", [`past_key_values.${l}.key`, k], { outputs: [`present.${l}.key`], attrs: { axis: 2 } })[0];
      values = g.opN("Concat", [`past_key_values.${l}.value`, vv], {
        outputs: [`present.${l}.value`],
        attrs: { axis: 2 },
      })[0];
      present.push(keys, values);
    }
    const scores = g.add(g.mul(g.op("MatMul", [q, g.transpose(keys, [0, 1, 3, 2])]), scale), causal);
    const probs = g.op("Softmax", [scores], { axis: -1 });
    const attended = g.op("Reshape", [g.transpose(g.op("MatMul", [probs, values]), [0, 2, 1, 3]), rowsD]); // [N, d]
    x = g.add(x, g.gemm(attended, `${p}.attn.w_o`, { bias: `${p}.attn.b_o` }));
    const ln2 = layerNorm(g, x, { prefix: `${p}.ln2`, save });
    const fc = g.gemm(ln2.y, `${p}.mlp.w_fc`, { bias: `${p}.mlp.b_fc` }); // [N, 4d]
    // GELU, tanh approximation, in tfjs/model.ts' operation order: 0.5 x (1 + tanh(c (x + a x x x))).
    const fcSquared = g.mul(fc, fc);
    const inner = g.mul(g.add(fc, g.mul(g.mul(fcSquared, fc), g.scalar(GELU_A))), g.scalar(GELU_C));
    const tanh = g.op("Tanh", [inner]);
    const gelu = g.mul(g.mul(fc, g.scalar(0.5)), g.add(tanh, g.scalar(1)));
    x = g.add(x, g.gemm(gelu, `${p}.mlp.w_proj`, { bias: `${p}.mlp.b_proj` }));
    layers.push({
      ln1: ln1.saved,
      h: ln1.y,
      q,
      k,
      vv,
      probs,
      attended,
      ln2: ln2.saved,
      h2: ln2.y,
      fc,
      fcSquared,
      tanh,
      gelu,
    });
  }
  const lnF = layerNorm(g, x, { prefix: "ln_f", save });
  return { hidden: lnF.y, lnF: lnF.saved, layers, tLen, rowsD, shapeBTD, shapeHeads, scale, present };
}
