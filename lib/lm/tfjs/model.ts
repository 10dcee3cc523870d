/**
 * The TensorFlow.js reference of the transformer that lib/lm trains (the
 * architecture is onnx/forward.ts'; the experiment trains it on onnxruntime,
 * onnx_train.ts): the same forward pass in tfjs ops, gradients from
 * `tf.variableGrads`, and the project's one AdamW (adamw.ts) on Float32Array
 * copies of the weights, written back into the variables after each step. The
 * tests check the onnxruntime graphs against it; `createTrainer(config,
 * weights, { trainer: "tfjs" })` (trainer.ts) trains with it, on tfjs-node-gpu,
 * WebGPU or wasm (backend.ts).
 *
 * The wasm backend lacks the gradient of `tf.gather`, so tokens are embedded
 * as one-hot rows times the embedding matrix.
 *
 * Tests: model_test.ts; onnx/training_graph_test.ts and trainer_test.ts
 * compare the two trainers.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../../numerics/rng.ts";
import { AdamW } from "../adamw.ts";
import { padBatch } from "../batch.ts";
import {
  copyWeights,
  type GptConfig,
  type GptWeights,
  type LossAndGradients,
  type SequenceLosses,
  trainEpoch,
  type TrainOptions,
  validateGptConfig,
} from "../weights.ts";

/** A padded batch as tensors. */
interface Batch {
  inputs: tf.Tensor2D;
  targets: tf.Tensor2D;
  mask: tf.Tensor2D;
  tokens: number;
}

function makeBatch(sequences: readonly (readonly number[])[], config: GptConfig): Batch {
  const b = padBatch(sequences, config);
  return {
    inputs: tf.tensor2d(b.ids, [b.rows, b.length], "int32"),
    targets: tf.tensor2d(b.targets, [b.rows, b.length], "int32"),
    mask: tf.tensor2d(b.mask, [b.rows, b.length]),
    tokens: b.tokens,
  };
}

function disposeBatch(batch: Batch): void {
  tf.dispose([batch.inputs, batch.targets, batch.mask]);
}

/**
 * A 2-D matrix product whose gradient uses explicit transposes: the wasm
 * backend's transposed matMul kernels are 10-20x slower than transpose + matMul.
 */
const mm = tf.customGrad(
  ((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([a, b]);
    return {
      value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        tf.matMul(dy as tf.Tensor2D, saved[1].transpose()),
        tf.matMul(saved[0].transpose(), dy as tf.Tensor2D),
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(g).add(b);
}

/** GELU, tanh approximation (GPT-2's). */
function gelu(x: tf.Tensor): tf.Tensor {
  const inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
  return x.mul(0.5).mul(inner.tanh().add(1));
}

/** The transformer with its weights as TensorFlow.js variables. */
export class GptModel {
  readonly config: GptConfig;
  readonly #vars = new Map<string, tf.Variable>();
  /** The weights AdamW updates; the variables hold copies. */
  #weights: GptWeights;
  #adam = new AdamW();

  /** A model holding a copy of `weights` (the caller's arrays are not kept); checks every name and shape. */
  constructor(config: GptConfig, weights: GptWeights) {
    this.config = validateGptConfig(config);
    this.#weights = copyWeights(config, weights);
    for (const [name, w] of this.#weights) {
      const initial = tf.tensor(w.values, w.shape);
      this.#vars.set(name, tf.variable(initial, true));
      initial.dispose(); // the variable holds its own reference to the data
    }
  }

  #w(name: string): tf.Variable {
    const v = this.#vars.get(name);
    if (!v) throw new Error("this GptModel was disposed");
    return v;
  }

  /** Logits [batch, length, vocab] for token ids [batch, length] (length <= contextLength). */
  logits(ids: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, t] = ids.shape;
      const { vocabSize: v, dModel: d, nHeads: nh, nLayers } = this.config;
      if (t > this.config.contextLength) {
        throw new RangeError(`sequence length ${t} exceeds the context length ${this.config.contextLength}`);
      }
      const dh = d / nh;
      const wte = this.#w("wte");
      const oneHot = tf.oneHot(ids.reshape([b * t]), v).toFloat();
      let x = mm(oneHot, wte).reshape([b, t, d]).add(this.#w("wpe").slice([0, 0], [t, d]));
      const causal = tf.linalg.bandPart(tf.ones([t, t]), -1, 0);
      const bias = tf.sub(1, causal).mul(-1e9);
      for (let l = 0; l < nLayers; l++) {
        const p = `h${l}.`;
        const h = layerNorm(x, this.#w(p + "ln1.g"), this.#w(p + "ln1.b")).reshape([b * t, d]);
        const qkv = mm(h, this.#w(p + "attn.w_qkv")).add(this.#w(p + "attn.b_qkv"));
        const heads = (k: number): tf.Tensor =>
          qkv.slice([0, k * d], [b * t, d]).reshape([b, t, nh, dh]).transpose([0, 2, 1, 3]);
        const scores = tf.matMul(heads(0), heads(1).transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(dh)).add(bias);
        const attended = tf.matMul(tf.softmax(scores), heads(2)).transpose([0, 2, 1, 3]).reshape([b * t, d]);
        const out = mm(attended, this.#w(p + "attn.w_o")).add(this.#w(p + "attn.b_o"));
        x = x.add(out.reshape([b, t, d]));
        const h2 = layerNorm(x, this.#w(p + "ln2.g"), this.#w(p + "ln2.b")).reshape([b * t, d]);
        const fc = gelu(mm(h2, this.#w(p + "mlp.w_fc")).add(this.#w(p + "mlp.b_fc")));
        const proj = mm(fc, this.#w(p + "mlp.w_proj")).add(this.#w(p + "mlp.b_proj"));
        x = x.add(proj.reshape([b, t, d]));
      }
      const final = layerNorm(x, this.#w("ln_f.g"), this.#w("ln_f.b")).reshape([b * t, d]);
      return mm(final, wte.transpose()).reshape([b, t, v]) as tf.Tensor3D;
    });
  }

  /** Sum of token cross-entropies (nats) over the mask. */
  #lossSum(batch: Batch): tf.Scalar {
    return this.#rowLossSums(batch).sum() as tf.Scalar;
  }

  /** Each row's sum of token cross-entropies (nats) over the mask: [batch]. */
  #rowLossSums(batch: Batch): tf.Tensor1D {
    const { inputs, targets, mask } = batch;
    const logits = this.logits(inputs);
    const logp = tf.logSoftmax(logits);
    const picked = logp.mul(tf.oneHot(targets, this.config.vocabSize).toFloat()).sum(-1);
    return picked.mul(mask).sum(-1).neg() as tf.Tensor1D;
  }

  /** Each sequence's summed token loss and token count, in batches of `batchSize` (default 64). */
  async sequenceLosses(
    sequences: readonly (readonly number[])[],
    options: { batchSize?: number } = {},
  ): Promise<SequenceLosses> {
    const batchSize = options.batchSize ?? 64;
    const sums = new Float64Array(sequences.length), tokens = new Float64Array(sequences.length);
    for (let start = 0; start < sequences.length; start += batchSize) {
      const part = sequences.slice(start, start + batchSize);
      const batch = makeBatch(part, this.config);
      const rows = tf.tidy(() => this.#rowLossSums(batch));
      sums.set(await rows.data() as Float32Array, start);
      part.forEach((s, i) => tokens[start + i] = s.length - 1);
      rows.dispose();
      disposeBatch(batch);
    }
    return { sums, tokens };
  }

  /** Mean token cross-entropy (nats) of `sequences` (each with its BOS and EOS), in batches. */
  async evaluate(
    sequences: readonly (readonly number[])[],
    options: { batchSize?: number; padId?: number } = {},
  ): Promise<number> {
    if ((options.padId ?? 0) !== 0) throw new RangeError("GptModel pads with id 0 only");
    const batchSize = options.batchSize ?? 64;
    let total = 0, count = 0;
    for (let start = 0; start < sequences.length; start += batchSize) {
      const batch = makeBatch(sequences.slice(start, start + batchSize), this.config);
      const loss = tf.tidy(() => this.#lossSum(batch));
      total += (await loss.data())[0];
      count += batch.tokens;
      loss.dispose();
      disposeBatch(batch);
    }
    return total / count;
  }

  /** The mean token loss of one batch and every weight's gradient (`tf.variableGrads`), at the current weights. */
  async lossAndGradients(sequences: readonly (readonly number[])[]): Promise<LossAndGradients> {
    const batch = makeBatch(sequences, this.config);
    const names = [...this.#weights.keys()];
    const { value, grads } = tf.tidy(() => {
      const vars = names.map((n) => this.#w(n));
      const result = tf.variableGrads(() => this.#lossSum(batch).div(batch.tokens) as tf.Scalar, vars);
      return { value: result.value, grads: vars.map((v) => result.grads[v.name]) };
    });
    const gradients = new Map<string, Float32Array>();
    for (let i = 0; i < names.length; i++) gradients.set(names[i], (await grads[i].data()) as Float32Array);
    const loss = (await value.data())[0];
    tf.dispose([value, ...grads]);
    disposeBatch(batch);
    return { loss, tokens: batch.tokens, gradients };
  }

  /** One AdamW step (adamw.ts) on one batch at the given learning rate; returns the batch's mean token loss. */
  async trainStep(sequences: readonly (readonly number[])[], options: TrainOptions): Promise<number> {
    const { loss, gradients } = await this.lossAndGradients(sequences);
    this.#adam.step(this.#weights, gradients, options);
    for (const [name, w] of this.#weights) {
      const update = tf.tensor(w.values, w.shape);
      this.#w(name).assign(update);
      update.dispose();
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

  /** A copy of the current weights. */
  weights(): GptWeights {
    if (this.#vars.size === 0) throw new Error("this GptModel was disposed");
    const out: GptWeights = new Map();
    for (const [name, w] of this.#weights) out.set(name, { shape: w.shape.slice(), values: w.values.slice() });
    return out;
  }

  /** Frees every tensor of the model and its optimizer state. */
  dispose(): void {
    for (const v of this.#vars.values()) v.dispose();
    this.#vars.clear();
    this.#weights = new Map();
    this.#adam = new AdamW();
  }
}
