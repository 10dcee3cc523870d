/**
 * The hand-derived backward pass of forward.ts, as ONNX nodes from standard
 * operators only (the npm build of onnxruntime has no training API and no
 * gradient operators): from the gradient of the final LayerNorm's output to
 * the gradient of every weight. The loss and its gradient with respect to the
 * hidden rows (the output layer's part) are the caller's: training_graph.ts.
 *
 * Tests: training_graph_test.ts (every gradient against tf.variableGrads).
 *
 * @module
 */

import { type GptConfig, weightShapes } from "../weights.ts";
import { type ForwardGraph, GELU_A, GELU_C, type LnSaved } from "./forward.ts";
import type { Graph } from "./graph.ts";

/**
 * LayerNorm backward for rows x [n, d]: with xhat = (x - mean) invStd and y = g xhat + b,
 * dg = sum_rows(dy xhat), db = sum_rows(dy), dx = invStd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dxhat = dy g.
 */
function layerNormBackward(g: Graph, dy: string, options: { ln: LnSaved; grads: Map<string, string> }): string {
  const { ln, grads } = options;
  if (!ln.mean || !ln.invStd) throw new Error("internal error: the forward pass did not save LayerNorm statistics");
  const xhat = g.mul(g.sub(ln.x, ln.mean), ln.invStd);
  grads.set(`${ln.prefix}.g`, g.sumRows(g.mul(dy, xhat)));
  grads.set(`${ln.prefix}.b`, g.sumRows(dy));
  const dxhat = g.mul(dy, `${ln.prefix}.g`);
  const m1 = g.op("ReduceMean", [dxhat], { axes: [-1], keepdims: 1 });
  const m2 = g.op("ReduceMean", [g.mul(dxhat, xhat)], { axes: [-1], keepdims: 1 });
  return g.mul(g.sub(g.sub(dxhat, m1), g.mul(xhat, m2)), ln.invStd);
}

/** Inputs of {@linkcode emitBackward}. */
export interface BackwardInputs {
  /** The forward pass, emitted with `saveForBackward` and without a cache. */
  forward: ForwardGraph;
  /** d loss / d hidden [N, d] (the final LayerNorm's output). */
  dHidden: string;
  /** The output layer's part of d loss / d wte [vocab, d]; the input embedding's part is added to it. */
  wteHead: string;
}

/** Emits the backward pass into `g`; returns the gradient's name for every weight name. */
export function emitBackward(g: Graph, config: GptConfig, inputs: BackwardInputs): Map<string, string> {
  const { contextLength: ctx, dModel: d, nLayers } = config;
  const { forward: f, dHidden, wteHead } = inputs;
  const grads = new Map<string, string>();
  let dx = layerNormBackward(g, dHidden, { ln: f.lnF, grads });
  for (let l = nLayers - 1; l >= 0; l--) {
    const p = `h${l}`;
    const s = f.layers[l];
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
    dx = g.add(dx, layerNormBackward(g, g.gemm(dFc, `${p}.mlp.w_fc`, { transB: true }), { ln: s.ln2, grads }));
    // Attention.
    grads.set(`${p}.attn.w_o`, g.gemm(s.attended, dx, { transA: true }));
    grads.set(`${p}.attn.b_o`, g.sumRows(dx));
    const dAttended = g.gemm(dx, `${p}.attn.w_o`, { transB: true }); // [N, d]
    const dHeads = g.transpose(g.op("Reshape", [dAttended, f.shapeHeads]), [0, 2, 1, 3]); // [B, nh, T, dh]
    const dProbs = g.op("MatMul", [dHeads, g.transpose(s.vv, [0, 1, 3, 2])]);
    const dV = g.op("MatMul", [g.transpose(s.probs, [0, 1, 3, 2]), dHeads]);
    // Softmax backward, then the 1/sqrt(dh) scale (the additive mask has no gradient).
    const rowDot = g.op("ReduceSum", [g.mul(dProbs, s.probs), g.ints([-1])], { keepdims: 1 });
    const dScores = g.mul(g.mul(s.probs, g.sub(dProbs, rowDot)), f.scale);
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
    dx = g.add(dx, layerNormBackward(g, g.gemm(dQkv, `${p}.attn.w_qkv`, { transB: true }), { ln: s.ln1, grads }));
  }
  // Positions: sum over the batch, zero rows T..ctx-1.
  const dPos = g.op("ReduceSum", [g.op("Reshape", [dx, f.shapeBTD]), g.ints([0])], { keepdims: 0 }); // [T, d]
  const pads = g.op("Concat", [g.ints([0, 0]), g.sub(g.ints([ctx]), f.tLen), g.ints([0])], { axis: 0 });
  grads.set("wpe", g.op("Pad", [dPos, pads]));
  // Token embedding: the output-layer part plus the input rows added at their ids. ScatterElements'
  // "add" runs serially on the CPU (ScatterND's runs in parallel and would race on repeated ids).
  const idsFlat = g.op("Unsqueeze", [g.op("Reshape", ["input_ids", g.ints([-1])]), g.ints([1])]); // [N, 1]
  const idsRows = g.op("Expand", [idsFlat, g.op("Shape", [dx])]); // [N, d]
  grads.set("wte", g.op("ScatterElements", [wteHead, idsRows, dx], { axis: 0, reduction: "add" }));
  for (const [name] of weightShapes(config)) {
    if (!grads.has(name)) throw new Error(`internal error: no gradient for "${name}"`);
  }
  return grads;
}
