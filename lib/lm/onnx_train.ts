/**
 * Training the {@linkcode GptModel} architecture on onnxruntime-node (native,
 * multi-threaded MLAS) instead of TensorFlow.js: one ONNX graph, written with
 * `onnx-proto`, computes the forward pass AND the hand-derived backward pass of
 * the masked mean cross-entropy, from standard ONNX operators only (the npm
 * build of onnxruntime has no training API and no gradient operators). It
 * takes the weights, `input_ids`, `targets` and `mask` as inputs and returns
 * `loss` and one `grad.<weight name>` per weight. AdamW (decoupled weight decay
 * on matrices only), the warm-up schedule and clipping by global norm run in
 * plain Float32Array loops, exactly as {@linkcode GptModel.trainStep} does them.
 *
 * The architecture (see model.ts): token embedding tied to the output layer,
 * learned positions, pre-norm blocks (LayerNorm eps 1e-5 -> causal multi-head
 * attention with a fused [d, 3d] qkv projection -> output projection; LayerNorm
 * -> MLP 4d with tanh-GELU), final LayerNorm, loss = -sum(mask * log p(target))
 * / sum(mask), right padding with id 0. The output layer and the loss run only
 * on the rows whose mask is non-zero (NonZero + Gather), which gives the same
 * loss and gradients as model.ts' masking of every row and skips the padding.
 *
 * onnxruntime-node is the copy that `@huggingface/transformers` depends on,
 * loaded with `require` from that package's location, so this module adds no
 * dependency and no lock-file entry.
 *
 * @module
 */

import { createRequire } from "node:module";
import onnxProto from "onnx-proto";
import type { Rng } from "../numerics/rng.ts";
import {
  type GptConfig,
  type GptWeights,
  trainEpoch,
  type TrainOptions,
  validateGptConfig,
  weightShapes,
} from "./weights.ts";

const { onnx } = onnxProto as unknown as typeof import("onnx-proto");
type NodeProto = import("onnx-proto").onnx.INodeProto;
type TensorProto = import("onnx-proto").onnx.ITensorProto;
type ValueInfoProto = import("onnx-proto").onnx.IValueInfoProto;

const FLOAT = 1;
const INT64 = 7;
const LN_EPSILON = 1e-5;
const GELU_A = 0.044715;
const GELU_C = Math.sqrt(2 / Math.PI);

// ---------------------------------------------------------------------------------------------------------------
// onnxruntime-node, typed by the few members used here.

/** An onnxruntime tensor (the members this module uses). */
interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** An onnxruntime inference session (the members this module uses). */
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
  endProfiling(): void;
}

interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: "float32" | "int64", data: Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
}

let ortModule: OrtModule | undefined;

function ort(): OrtModule {
  if (ortModule) return ortModule;
  try {
    const require = createRequire(import.meta.resolve("@huggingface/transformers"));
    ortModule = require("onnxruntime-node") as OrtModule;
  } catch (error) {
    throw new Error(`onnxruntime-node (a dependency of @huggingface/transformers) did not load: ${error}`);
  }
  return ortModule;
}

// ---------------------------------------------------------------------------------------------------------------
// Graph building.

type Attr = number | number[] | string;

/** A small ONNX graph writer: every node gets fresh output names. */
class Graph {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  #counter = 0;

  fresh(hint: string): string {
    return `${hint}_${this.#counter++}`;
  }

  /** Adds a node with `outputs` outputs; returns their names. */
  opN(opType: string, inputs: string[], attrs: Record<string, Attr>, outputs: number): string[] {
    const out = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    const attribute = Object.entries(attrs).map(([name, value]) =>
      typeof value === "string"
        ? { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) }
        : Array.isArray(value)
        ? { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value }
        : Number.isInteger(value)
        ? { name, type: onnx.AttributeProto.AttributeType.INT, i: value }
        : { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value }
    );
    this.nodes.push({ opType, input: inputs, output: out, name: out[0], attribute });
    return out;
  }

  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.opN(opType, inputs, attrs, 1)[0];
  }

  /** Copies `input` to the graph output `name`. */
  output(input: string, name: string): void {
    this.nodes.push({ opType: "Identity", input: [input], output: [name], name: `out_${name}` });
  }

  floats(dims: number[], values: Float32Array): string {
    const name = this.fresh("const");
    this.inits.push({ name, dims, dataType: FLOAT, rawData: new Uint8Array(values.slice().buffer) });
    return name;
  }

  scalar(value: number): string {
    return this.floats([], Float32Array.of(value));
  }

  ints(values: number[]): string {
    const name = this.fresh("ints");
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.inits.push({ name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  // Shorthands.
  add(a: string, b: string): string {
    return this.op("Add", [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op("Sub", [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op("Mul", [a, b]);
  }
  /** a [m,k] x b [k,n] (+ bias [n]), with optional transposes: Gemm. */
  gemm(a: string, b: string, options: { bias?: string; transA?: boolean; transB?: boolean } = {}): string {
    return this.op("Gemm", options.bias ? [a, b, options.bias] : [a, b], {
      transA: options.transA ? 1 : 0,
      transB: options.transB ? 1 : 0,
    });
  }
  /** Sum over the rows of a [n, k] tensor: [k]. */
  sumRows(x: string): string {
    return this.op("ReduceSum", [x, this.ints([0])], { keepdims: 0 });
  }
  transpose(x: string, perm: number[]): string {
    return this.op("Transpose", [x], { perm });
  }
}

/** What the forward pass of a LayerNorm keeps for the backward pass. */
interface LnSaved {
  x: string;
  mean: string;
  invStd: string;
  prefix: string;
}

function layerNorm(g: Graph, x: string, prefix: string): { y: string; saved: LnSaved } {
  const [y, mean, invStd] = g.opN(
    "LayerNormalization",
    [x, `${prefix}.g`, `${prefix}.b`],
    { axis: -1, epsilon: LN_EPSILON },
    3,
  );
  return { y, saved: { x, mean, invStd, prefix } };
}

/**
 * LayerNorm backward for rows x [n, d]: with xhat = (x - mean) invStd and y = g xhat + b,
 * dg = sum_rows(dy xhat), db = sum_rows(dy), dx = invStd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dxhat = dy g.
 */
function layerNormBackward(g: Graph, dy: string, ln: LnSaved, grads: Map<string, string>): string {
  const xhat = g.mul(g.sub(ln.x, ln.mean), ln.invStd);
  grads.set(`${ln.prefix}.g`, g.sumRows(g.mul(dy, xhat)));
  grads.set(`${ln.prefix}.b`, g.sumRows(dy));
  const dxhat = g.mul(dy, `${ln.prefix}.g`);
  const m1 = g.op("ReduceMean", [dxhat], { axes: [-1], keepdims: 1 });
  const m2 = g.op("ReduceMean", [g.mul(dxhat, xhat)], { axes: [-1], keepdims: 1 });
  return g.mul(g.sub(g.sub(dxhat, m1), g.mul(xhat, m2)), ln.invStd);
}

/** Options of {@linkcode buildTrainingGraph}. */
export interface TrainingGraphOptions {
  /**
   * true (default): outputs `loss` (mean over the mask) and `grad.<name>` per weight.
   * false: forward only, outputs `loss_sum` (summed over the mask) and `tokens` (the mask's sum), for evaluation.
   */
  gradients?: boolean;
}

/**
 * The ONNX model (opset 17) of one training step's forward and backward pass
 * for `config`. Inputs: every weight under its {@linkcode weightShapes} name,
 * `input_ids` and `targets` (int64 [batch, length]) and `mask` (float
 * [batch, length], 1 where a target counts); length <= contextLength. Outputs:
 * see {@linkcode TrainingGraphOptions}.
 */
export function buildTrainingGraph(config: GptConfig, options: TrainingGraphOptions = {}): Uint8Array {
  validateGptConfig(config);
  const { contextLength: ctx, dModel: d, nHeads: nh, nLayers } = config;
  const dh = d / nh;
  const withGrads = options.gradients ?? true;
  const g = new Graph();

  // Dynamic shapes: B sequences of T positions, N = B T rows.
  const tLen = g.op("Slice", [g.op("Shape", ["input_ids"]), g.ints([1]), g.ints([2])]); // [1]
  const rowsD = g.ints([-1, d]);
  const shapeBTD = g.op("Concat", [g.ints([-1]), tLen, g.ints([d])], { axis: 0 });
  const shapeQkv = g.op("Concat", [g.ints([-1]), tLen, g.ints([3, nh, dh])], { axis: 0 });
  const shapeHeads = g.op("Concat", [g.ints([-1]), tLen, g.ints([nh, dh])], { axis: 0 });

  // Embeddings: x0 [N, d] = wte[ids] + wpe[0..T-1].
  const pos = g.op("Slice", ["wpe", g.ints([0]), tLen, g.ints([0])]);
  let x = g.op("Reshape", [g.add(g.op("Gather", ["wte", "input_ids"], { axis: 0 }), pos), rowsD]);
  // Causal mask, added to the scores: 0 on and below the diagonal, -1e9 above (as model.ts).
  const maskValues = new Float32Array(ctx * ctx);
  for (let i = 0; i < ctx; i++) for (let j = i + 1; j < ctx; j++) maskValues[i * ctx + j] = -1e9;
  const causal = g.op("Slice", [
    g.floats([ctx, ctx], maskValues),
    g.ints([0, 0]),
    g.op("Concat", [tLen, tLen], { axis: 0 }),
    g.ints([0, 1]),
  ]);
  const scale = g.scalar(1 / Math.sqrt(dh));

  interface LayerSaved {
    ln1: LnSaved;
    h: string;
    q: string;
    k: string;
    vv: string;
    probs: string;
    attended: string;
    ln2: LnSaved;
    h2: string;
    fc: string;
    fcSquared: string;
    tanh: string;
    gelu: string;
  }
  const saved: LayerSaved[] = [];
  for (let l = 0; l < nLayers; l++) {
    const p = `h${l}`;
    const ln1 = layerNorm(g, x, `${p}.ln1`);
    const qkv = g.gemm(ln1.y, `${p}.attn.w_qkv`, { bias: `${p}.attn.b_qkv` }); // [N, 3d]
    // [B, T, 3, nh, dh] -> [3, B, nh, T, dh] -> q, k, v [B, nh, T, dh].
    const stacked = g.transpose(g.op("Reshape", [qkv, shapeQkv]), [2, 0, 3, 1, 4]);
    const [q, k, vv] = g.opN("Split", [stacked, g.ints([1, 1, 1])], { axis: 0 }, 3).map((t) =>
      g.op("Squeeze", [t, g.ints([0])])
    );
    const scores = g.add(g.mul(g.op("MatMul", [q, g.transpose(k, [0, 1, 3, 2])]), scale), causal);
    const probs = g.op("Softmax", [scores], { axis: -1 });
    const attended = g.op("Reshape", [g.transpose(g.op("MatMul", [probs, vv]), [0, 2, 1, 3]), rowsD]); // [N, d]
    x = g.add(x, g.gemm(attended, `${p}.attn.w_o`, { bias: `${p}.attn.b_o` }));
    const ln2 = layerNorm(g, x, `${p}.ln2`);
    const fc = g.gemm(ln2.y, `${p}.mlp.w_fc`, { bias: `${p}.mlp.b_fc` }); // [N, 4d]
    // GELU, tanh approximation, in model.ts' operation order: 0.5 x (1 + tanh(c (x + a x x x))).
    const fcSquared = g.mul(fc, fc);
    const inner = g.mul(g.add(fc, g.mul(g.mul(fcSquared, fc), g.scalar(GELU_A))), g.scalar(GELU_C));
    const tanh = g.op("Tanh", [inner]);
    const gelu = g.mul(g.mul(fc, g.scalar(0.5)), g.add(tanh, g.scalar(1)));
    x = g.add(x, g.gemm(gelu, `${p}.mlp.w_proj`, { bias: `${p}.mlp.b_proj` }));
    saved.push({
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
  const lnF = layerNorm(g, x, "ln_f");
  // The output layer and the loss only on the rows that count (mask != 0): padding rows cost nothing there.
  const maskFlat = g.op("Reshape", ["mask", g.ints([-1])]);
  const rows = g.op("Reshape", [g.op("NonZero", [maskFlat]), g.ints([-1])]); // [M]
  const hSel = g.op("Gather", [lnF.y, rows], { axis: 0 }); // [M, d]
  const targets = g.op("Unsqueeze", [
    g.op("Gather", [g.op("Reshape", ["targets", g.ints([-1])]), rows], { axis: 0 }),
    g.ints([1]),
  ]); // [M, 1]
  const weightCol = g.op("Unsqueeze", [g.op("Gather", [maskFlat, rows], { axis: 0 }), g.ints([1])]); // [M, 1]
  const logits = g.gemm(hSel, "wte", { transB: true }); // [M, V], tied output layer
  const logp = g.op("LogSoftmax", [logits], { axis: -1 });
  const picked = g.op("GatherElements", [logp, targets], { axis: 1 }); // [M, 1]
  const lossSum = g.op("Neg", [g.op("ReduceSum", [g.mul(picked, weightCol)], { keepdims: 0 })]);
  const tokens = g.op("ReduceSum", ["mask"], { keepdims: 0 });

  const outputs: ValueInfoProto[] = [];
  const dims = (...names: (string | number)[]) => ({
    dim: names.map((n) => typeof n === "number" ? { dimValue: n } : { dimParam: n }),
  });
  const floatInfo = (name: string, shape: (string | number)[]): ValueInfoProto => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: dims(...shape) } },
  });
  if (!withGrads) {
    g.output(lossSum, "loss_sum");
    g.output(tokens, "tokens");
    outputs.push(floatInfo("loss_sum", []), floatInfo("tokens", []));
  } else {
    g.output(g.op("Div", [lossSum, tokens]), "loss");
    outputs.push(floatInfo("loss", []));
    const grads = new Map<string, string>();
    // d loss / d logits = (softmax - onehot(target)) mask / tokens.
    const probs = g.op("Exp", [logp]);
    const adjusted = g.op("ScatterElements", [probs, targets, g.sub(g.op("Exp", [picked]), g.scalar(1))], {
      axis: 1,
    });
    const dLogits = g.mul(adjusted, g.op("Div", [weightCol, tokens])); // [M, V]
    // Output-layer part of d wte, as (h^T dLogits)^T: onnxruntime fuses the pair into one Gemm that ran
    // 1.9x faster (1.25 vs 2.35 ms) than Gemm(dLogits, h, transA) at the default preset's shape.
    const wteHead = g.transpose(g.gemm(hSel, dLogits, { transA: true }), [1, 0]); // [V, d]
    // Back to all N rows: zeros on padding rows (the rows are distinct, so a plain ScatterND).
    const dHidden = g.op("ScatterND", [
      g.op("ConstantOfShape", [g.op("Shape", [lnF.y])]),
      g.op("Unsqueeze", [rows, g.ints([1])]),
      g.op("MatMul", [dLogits, "wte"]),
    ]);
    let dx = layerNormBackward(g, dHidden, lnF.saved, grads);
    for (let l = nLayers - 1; l >= 0; l--) {
      const p = `h${l}`;
      const s = saved[l];
      // MLP.
      grads.set(`${p}.mlp.w_proj`, g.gemm(s.gelu, dx, { transA: true }));
      grads.set(`${p}.mlp.b_proj`, g.sumRows(dx));
      const dGelu = g.gemm(dx, `${p}.mlp.w_proj`, { transB: true });
      // gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 a x^2), t = tanh(c (x + a x^3)).
      const derivative = g.add(
        g.mul(g.add(s.tanh, g.scalar(1)), g.scalar(0.5)),
        g.mul(
          g.mul(g.mul(s.fc, g.scalar(0.5)), g.sub(g.scalar(1), g.mul(s.tanh, s.tanh))),
          g.add(g.scalar(GELU_C), g.mul(s.fcSquared, g.scalar(3 * GELU_A * GELU_C))),
        ),
      );
      const dFc = g.mul(dGelu, derivative);
      grads.set(`${p}.mlp.w_fc`, g.gemm(s.h2, dFc, { transA: true }));
      grads.set(`${p}.mlp.b_fc`, g.sumRows(dFc));
      dx = g.add(dx, layerNormBackward(g, g.gemm(dFc, `${p}.mlp.w_fc`, { transB: true }), s.ln2, grads));
      // Attention.
      grads.set(`${p}.attn.w_o`, g.gemm(s.attended, dx, { transA: true }));
      grads.set(`${p}.attn.b_o`, g.sumRows(dx));
      const dAttended = g.gemm(dx, `${p}.attn.w_o`, { transB: true }); // [N, d]
      const dHeads = g.transpose(g.op("Reshape", [dAttended, shapeHeads]), [0, 2, 1, 3]); // [B, nh, T, dh]
      const dProbs = g.op("MatMul", [dHeads, g.transpose(s.vv, [0, 1, 3, 2])]);
      const dV = g.op("MatMul", [g.transpose(s.probs, [0, 1, 3, 2]), dHeads]);
      // Softmax backward, then the 1/sqrt(dh) scale (the additive mask has no gradient).
      const rowDot = g.op("ReduceSum", [g.mul(dProbs, s.probs), g.ints([-1])], { keepdims: 1 });
      const dScores = g.mul(g.mul(s.probs, g.sub(dProbs, rowDot)), scale);
      const dQ = g.op("MatMul", [dScores, s.k]);
      const dK = g.op("MatMul", [g.transpose(dScores, [0, 1, 3, 2]), s.q]);
      const dStacked = g.op(
        "Concat",
        [dQ, dK, dV].map((t) => g.op("Unsqueeze", [t, g.ints([0])])),
        { axis: 0 },
      ); // [3, B, nh, T, dh]
      const dQkv = g.op("Reshape", [g.transpose(dStacked, [1, 3, 0, 2, 4]), g.ints([-1, 3 * d])]);
      grads.set(`${p}.attn.w_qkv`, g.gemm(s.h, dQkv, { transA: true }));
      grads.set(`${p}.attn.b_qkv`, g.sumRows(dQkv));
      dx = g.add(dx, layerNormBackward(g, g.gemm(dQkv, `${p}.attn.w_qkv`, { transB: true }), s.ln1, grads));
    }
    // Positions: sum over the batch, zero rows T..ctx-1.
    const dPos = g.op("ReduceSum", [g.op("Reshape", [dx, shapeBTD]), g.ints([0])], { keepdims: 0 }); // [T, d]
    const pads = g.op("Concat", [g.ints([0, 0]), g.sub(g.ints([ctx]), tLen), g.ints([0])], { axis: 0 });
    grads.set("wpe", g.op("Pad", [dPos, pads]));
    // Token embedding: the output-layer part plus the input rows added at their ids. ScatterElements'
    // "add" runs serially on the CPU (ScatterND's runs in parallel and would race on repeated ids).
    const idsFlat = g.op("Unsqueeze", [g.op("Reshape", ["input_ids", g.ints([-1])]), g.ints([1])]); // [N, 1]
    const idsRows = g.op("Expand", [idsFlat, g.op("Shape", [dx])]); // [N, d]
    grads.set("wte", g.op("ScatterElements", [wteHead, idsRows, dx], { axis: 0, reduction: "add" }));
    for (const [name, shape] of weightShapes(config)) {
      const grad = grads.get(name);
      if (!grad) throw new Error(`internal error: no gradient for "${name}"`);
      g.output(grad, `grad.${name}`);
      outputs.push(floatInfo(`grad.${name}`, shape));
    }
  }

  const inputs: ValueInfoProto[] = [
    ...weightShapes(config).map(([name, shape]) => floatInfo(name, shape)),
    { name: "input_ids", type: { tensorType: { elemType: INT64, shape: dims("batch", "length") } } },
    { name: "targets", type: { tensorType: { elemType: INT64, shape: dims("batch", "length") } } },
    floatInfo("mask", ["batch", "length"]),
  ];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "collapse-or-thrive lib/lm onnx_train",
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: withGrads ? "gpt_train" : "gpt_loss",
      node: g.nodes,
      initializer: g.inits,
      input: inputs,
      output: outputs,
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

// ---------------------------------------------------------------------------------------------------------------
// Sessions and batches.

/** Session options of {@linkcode OnnxGptTrainer}. */
export interface OnnxTrainerOptions {
  /** onnxruntime intra-op threads. Default: navigator.hardwareConcurrency. */
  threads?: number;
  /**
   * Whether idle intra-op threads spin between ops (onnxruntime's own default).
   * Default false here: on a shared 2-core machine spinning threads fight
   * other processes; a 2-thread step measured 70-120 ms spinning vs 35-45 ms
   * not (load average 2-3), and 20-27 ms either way at load average 1.
   */
  spinning?: boolean;
  /** Write an onnxruntime per-op profile (JSON) with this file prefix; the session is then not shared. */
  profilePrefix?: string;
}

const sessions = new Map<string, Promise<OrtSession>>();

function createSession(bytes: Uint8Array, options: OnnxTrainerOptions): Promise<OrtSession> {
  const threads = options.threads ?? navigator.hardwareConcurrency ?? 1;
  return ort().InferenceSession.create(bytes, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    extra: { session: { intra_op: { allow_spinning: options.spinning ? "1" : "0" } } },
    ...(options.profilePrefix ? { enableProfiling: true, profileFilePrefix: options.profilePrefix } : {}),
  });
}

/** A session for this config and kind, shared (sessions hold no weights) unless profiling. */
function session(config: GptConfig, gradients: boolean, options: OnnxTrainerOptions): Promise<OrtSession> {
  if (options.profilePrefix) return createSession(buildTrainingGraph(config, { gradients }), options);
  const key = JSON.stringify([config, gradients, options.threads ?? null, options.spinning ?? false]);
  let found = sessions.get(key);
  if (!found) {
    found = createSession(buildTrainingGraph(config, { gradients }), options);
    sessions.set(key, found);
    found.catch(() => sessions.delete(key));
  }
  return found;
}

/** Releases every shared onnxruntime session of this module (they are rebuilt on demand). */
export async function releaseOnnxTrainingSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  for (const s of all) await (await s).release();
}

/** Token ids, next-token targets and the loss mask of a padded batch, as model.ts' makeBatch builds them. */
interface Batch {
  ids: BigInt64Array;
  targets: BigInt64Array;
  mask: Float32Array;
  rows: number;
  length: number;
  tokens: number;
}

/**
 * Pads `sequences` (each its own inputs and next-token targets) with id 0 to a
 * common length and masks the padding: a copy of model.ts' (unexported)
 * makeBatch, plus checks that name the first bad sequence.
 */
function makeBatch(sequences: readonly (readonly number[])[], config: GptConfig): Batch {
  if (!Array.isArray(sequences) || sequences.length === 0) throw new RangeError("a batch needs at least one sequence");
  let longest = 0;
  sequences.forEach((s, row) => {
    if (!Array.isArray(s)) throw new TypeError(`sequence ${row} is not an array of token ids`);
    for (const id of s) {
      if (!Number.isInteger(id) || id < 0 || id >= config.vocabSize) {
        throw new RangeError(`sequence ${row} holds token id ${id}, outside 0..${config.vocabSize - 1}`);
      }
    }
    longest = Math.max(longest, s.length);
  });
  const length = longest - 1;
  if (length < 1) throw new RangeError("every sequence is shorter than 2 tokens: no next-token target to train on");
  if (length > config.contextLength) {
    throw new RangeError(
      `a sequence of ${longest} tokens gives ${length} positions, more than the context length ${config.contextLength}`,
    );
  }
  const rows = sequences.length;
  const ids = new BigInt64Array(rows * length);
  const targets = new BigInt64Array(rows * length);
  const mask = new Float32Array(rows * length);
  let tokens = 0;
  sequences.forEach((s, row) => {
    for (let i = 0; i + 1 < s.length; i++) {
      ids[row * length + i] = BigInt(s[i]);
      targets[row * length + i] = BigInt(s[i + 1]);
      mask[row * length + i] = 1;
      tokens++;
    }
  });
  return { ids, targets, mask, rows, length, tokens };
}

function checkWeights(config: GptConfig, weights: GptWeights): Map<string, { shape: number[]; values: Float32Array }> {
  const copy = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const [name, shape] of weightShapes(config)) {
    const w = weights.get(name);
    if (!w) throw new Error(`weights lack "${name}"`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (w.shape.join("x") !== shape.join("x") || w.values.length !== size) {
      throw new Error(`weight "${name}" has shape [${w.shape}] (${w.values.length} values), expected [${shape}]`);
    }
    copy.set(name, { shape: shape.slice(), values: Float32Array.from(w.values) });
  }
  return copy;
}

/** The batch's mean token loss and the gradient of every weight. */
export interface LossAndGradients {
  loss: number;
  /** Masked target tokens in the batch. */
  tokens: number;
  gradients: Map<string, Float32Array>;
}

// ---------------------------------------------------------------------------------------------------------------
// The trainer.

/**
 * The {@linkcode GptModel} training API (trainStep, trainEpoch, evaluate,
 * weights, dispose) with the forward and backward passes on onnxruntime-node.
 * The weights and AdamW state live in Float32Arrays.
 */
export class OnnxGptTrainer {
  readonly config: GptConfig;
  readonly #options: OnnxTrainerOptions;
  #weights: Map<string, { shape: number[]; values: Float32Array }>;
  #adam?: Map<string, { m: Float32Array; v: Float32Array }>;
  #step = 0;
  #profiled?: Promise<OrtSession>;

  /** A trainer holding a copy of `weights` (the caller's arrays are not kept); checks every name and shape. */
  constructor(config: GptConfig, weights: GptWeights, options: OnnxTrainerOptions = {}) {
    this.config = validateGptConfig(config);
    if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
      throw new RangeError(`threads must be an integer >= 1, got ${options.threads}`);
    }
    this.#options = { ...options };
    this.#weights = checkWeights(config, weights);
  }

  #live(): Map<string, { shape: number[]; values: Float32Array }> {
    if (this.#weights.size === 0) throw new Error("this OnnxGptTrainer was disposed");
    return this.#weights;
  }

  #session(gradients: boolean): Promise<OrtSession> {
    if (this.#options.profilePrefix && gradients) {
      return this.#profiled ??= session(this.config, true, this.#options);
    }
    return session(this.config, gradients, { ...this.#options, profilePrefix: undefined });
  }

  #feeds(batch: Batch): Record<string, OrtTensor> {
    const { Tensor } = ort();
    const feeds: Record<string, OrtTensor> = {};
    for (const [name, w] of this.#live()) feeds[name] = new Tensor("float32", w.values, w.shape);
    const dims = [batch.rows, batch.length];
    feeds.input_ids = new Tensor("int64", batch.ids, dims);
    feeds.targets = new Tensor("int64", batch.targets, dims);
    feeds.mask = new Tensor("float32", batch.mask, dims);
    return feeds;
  }

  /** The mean token loss of one batch and every weight's gradient, at the current weights. */
  async lossAndGradients(sequences: readonly (readonly number[])[]): Promise<LossAndGradients> {
    const batch = makeBatch(sequences, this.config);
    const out = await (await this.#session(true)).run(this.#feeds(batch));
    const gradients = new Map<string, Float32Array>();
    for (const name of this.#live().keys()) gradients.set(name, out[`grad.${name}`].data as Float32Array);
    return { loss: (out.loss.data as Float32Array)[0], tokens: batch.tokens, gradients };
  }

  /** One AdamW step on one batch at the given learning rate; returns the batch's mean token loss. */
  async trainStep(sequences: readonly (readonly number[])[], options: TrainOptions): Promise<number> {
    const { learningRate: lr, weightDecay, clipNorm } = options;
    const beta1 = options.beta1 ?? 0.9, beta2 = options.beta2 ?? 0.95, eps = options.epsilon ?? 1e-8;
    const { loss, gradients } = await this.lossAndGradients(sequences);
    const weights = this.#live();
    if (!this.#adam) {
      this.#adam = new Map();
      for (const [name, w] of weights) {
        this.#adam.set(name, { m: new Float32Array(w.values.length), v: new Float32Array(w.values.length) });
      }
    }
    this.#step++;
    const t = this.#step;
    let squares = 0;
    for (const grad of gradients.values()) for (let i = 0; i < grad.length; i++) squares += grad[i] * grad[i];
    const scale = Math.min(1, clipNorm / (Math.sqrt(squares) + 1e-6));
    const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
    for (const [name, w] of weights) {
      const grad = gradients.get(name)!;
      const { m, v } = this.#adam.get(name)!;
      const values = w.values;
      const decay = w.shape.length === 2 ? weightDecay : 0;
      for (let i = 0; i < values.length; i++) {
        const gi = grad[i] * scale;
        const mi = m[i] = beta1 * m[i] + (1 - beta1) * gi;
        const vi = v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        values[i] -= lr * (mi / c1 / (Math.sqrt(vi / c2) + eps) + decay * values[i]);
      }
    }
    return loss;
  }

  /**
   * One epoch over `sequences` in a seeded random order ({@linkcode trainEpoch}
   * in weights.ts, shared by both trainers). Returns the mean training loss.
   */
  trainEpoch(sequences: readonly (readonly number[])[], rng: Rng, options: TrainOptions): Promise<number> {
    return trainEpoch(this, sequences, { ...options, rng });
  }

  /** Mean token cross-entropy (nats) of `sequences` (each with its BOS and EOS), in batches (forward only). */
  async evaluate(
    sequences: readonly (readonly number[])[],
    options: { batchSize?: number; padId?: number } = {},
  ): Promise<number> {
    if ((options.padId ?? 0) !== 0) throw new RangeError("OnnxGptTrainer pads with id 0 only");
    const batchSize = options.batchSize ?? 64;
    const forward = await this.#session(false);
    let total = 0, count = 0;
    for (let start = 0; start < sequences.length; start += batchSize) {
      const out = await forward.run(this.#feeds(makeBatch(sequences.slice(start, start + batchSize), this.config)));
      total += (out.loss_sum.data as Float32Array)[0];
      count += (out.tokens.data as Float32Array)[0];
    }
    return total / count;
  }

  /** A copy of the current weights. */
  weights(): GptWeights {
    const out: GptWeights = new Map();
    for (const [name, w] of this.#live()) out.set(name, { shape: w.shape.slice(), values: w.values.slice() });
    return out;
  }

  /** Writes the profile of a trainer made with `profilePrefix`; returns nothing (onnxruntime names the file). */
  async endProfiling(): Promise<void> {
    if (!this.#profiled) throw new Error("this trainer was not made with profilePrefix, or has not run");
    (await this.#profiled).endProfiling();
  }

  /** Drops the weights and optimizer state (shared onnxruntime sessions stay; see releaseOnnxTrainingSessions). */
  dispose(): void {
    this.#weights = new Map();
    this.#adam = undefined;
    this.#profiled?.then((s) => s.release()).catch(() => undefined);
    this.#profiled = undefined;
  }
}
