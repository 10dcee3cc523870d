/**
 * The ONNX graph of one training step: the forward pass (forward.ts), the
 * masked mean cross-entropy, and the backward pass (backward.ts), or the
 * forward pass and the summed loss alone for evaluation. It takes the weights
 * as inputs (so one session serves every model of a shape) with `input_ids`,
 * `targets` and `mask`. The output layer and the loss run only on the rows
 * whose mask is non-zero (NonZero + Gather), which gives the same loss and
 * gradients as masking every row (tfjs/model.ts) and skips the padding.
 *
 * Tests: training_graph_test.ts.
 *
 * @module
 */

import { type GptConfig, validateGptConfig, weightShapes } from "../weights.ts";
import { emitBackward } from "./backward.ts";
import { emitForward } from "./forward.ts";
import { Graph, INT64 } from "./graph.ts";

/** Options of {@linkcode buildTrainingGraph}. */
export interface TrainingGraphOptions {
  /**
   * true (default): outputs `loss` (mean over the mask) and `grad.<name>` per weight.
   * false: forward only, for evaluation: `loss_sum` (summed over the mask), `tokens` (the mask's sum), and per
   * sequence (row) of the batch `row_loss_sum` and `row_tokens` (float [batch]).
   */
  gradients?: boolean;
}

/**
 * The ONNX model (opset 17) of one training step's forward and backward pass
 * for `config`. Inputs: every weight under its `weightShapes` name,
 * `input_ids` and `targets` (int64 [batch, length]) and `mask` (float
 * [batch, length], 1 where a target counts); length <= contextLength. Outputs:
 * see {@linkcode TrainingGraphOptions}.
 */
export function buildTrainingGraph(config: GptConfig, options: TrainingGraphOptions = {}): Uint8Array {
  validateGptConfig(config);
  const withGrads = options.gradients ?? true;
  const g = new Graph();
  const forward = emitForward(g, config, { saveForBackward: withGrads });

  // The output layer and the loss only on the rows that count (mask != 0): padding rows cost nothing there.
  const maskFlat = g.op("Reshape", ["mask", g.ints([-1])]);
  const rows = g.op("Reshape", [g.op("NonZero", [maskFlat]), g.ints([-1])]); // [M]
  const hSel = g.op("Gather", [forward.hidden, rows], { axis: 0 }); // [M, d]
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

  if (!withGrads) {
    g.output(lossSum, { name: "loss_sum", shape: [] });
    g.output(tokens, { name: "tokens", shape: [] });
    // Per row: the selected positions' losses scattered back into [batch * length] zeros, summed per row.
    const positions = g.op("ScatterND", [
      g.op("ConstantOfShape", [g.op("Shape", [maskFlat])]),
      g.op("Unsqueeze", [rows, g.ints([1])]),
      g.op("Reshape", [g.mul(picked, weightCol), g.ints([-1])]),
    ]);
    const perRow = g.op("Reshape", [positions, g.op("Shape", ["mask"])]);
    g.output(g.op("Neg", [g.op("ReduceSum", [perRow, g.ints([1])], { keepdims: 0 })]), {
      name: "row_loss_sum",
      shape: ["batch"],
    });
    g.output(g.op("ReduceSum", ["mask", g.ints([1])], { keepdims: 0 }), { name: "row_tokens", shape: ["batch"] });
  } else {
    g.output(g.op("Div", [lossSum, tokens]), { name: "loss", shape: [] });
    // d loss / d logits = (softmax - onehot(target)) mask / tokens.
    const probs = g.op("Exp", [logp]);
    const adjusted = g.op("ScatterElements", [probs, targets, g.sub(g.op("Exp", [picked]), g.scalar(1))], {
      axis: 1,
    });
    const dLogits = g.mul(adjusted, g.op("Div", [weightCol, tokens])); // [M, V]
    // Output-layer part of d wte, as (h^T dLogits)^T: onnxruntime fuses the pair into one Gemm that ran
    // faster than Gemm(dLogits, h, transA) at the default preset's shape.
    const wteHead = g.transpose(g.gemm(hSel, dLogits, { transA: true }), [1, 0]); // [V, d]
    // Back to all N rows: zeros on padding rows (the rows are distinct, so a plain ScatterND).
    const dHidden = g.op("ScatterND", [
      g.op("ConstantOfShape", [g.op("Shape", [forward.hidden])]),
      g.op("Unsqueeze", [rows, g.ints([1])]),
      g.op("MatMul", [dLogits, "wte"]),
    ]);
    const grads = emitBackward(g, config, { forward, dHidden, wteHead });
    for (const [name, shape] of weightShapes(config)) g.output(grads.get(name)!, { name: `grad.${name}`, shape });
  }

  for (const [name, shape] of weightShapes(config)) g.input(name, { shape });
  g.input("input_ids", { shape: ["batch", "length"], type: INT64 });
  g.input("targets", { shape: ["batch", "length"], type: INT64 });
  g.input("mask", { shape: ["batch", "length"] });
  return g.encode({ name: withGrads ? "gpt_train" : "gpt_loss", producer: "collapse-or-thrive lib/lm onnx_train" });
}
