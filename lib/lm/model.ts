/**
 * A small GPT-style decoder-only transformer in TensorFlow.js: learned token
 * and position embeddings (token embedding tied to the output layer), pre-norm
 * blocks of causal multi-head self-attention and a GELU MLP, a final layer norm.
 * Trained with AdamW (decoupled weight decay), warm-up then constant learning
 * rate, and gradient clipping by global norm.
 *
 * The wasm backend lacks the gradient of `tf.gather`, so tokens are embedded
 * as one-hot rows times the embedding matrix.
 *
 * The experiment trains this architecture with `OnnxGptTrainer`
 * (onnx_train.ts, on onnxruntime, several times faster); this TensorFlow.js
 * model is the reference its tests check against, and a row of the benchmark.
 * The configuration, weight shapes, initialisation and weight files live in
 * weights.ts (re-exported here), which does not load TensorFlow.js.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../numerics/rng.ts";
import {
  type GptConfig,
  type GptWeights,
  trainEpoch,
  type TrainOptions,
  validateGptConfig,
  weightShapes,
} from "./weights.ts";

export * from "./weights.ts";

/** A batch of token sequences, padded to a common length, with a loss mask. */
interface Batch {
  inputs: tf.Tensor2D;
  targets: tf.Tensor2D;
  mask: tf.Tensor2D;
}

function makeBatch(sequences: readonly (readonly number[])[], padId: number): Batch {
  const length = Math.max(...sequences.map((s) => s.length)) - 1;
  const b = sequences.length;
  const inputs = new Int32Array(b * length).fill(padId);
  const targets = new Int32Array(b * length).fill(padId);
  const mask = new Float32Array(b * length);
  sequences.forEach((s, row) => {
    for (let i = 0; i + 1 < s.length; i++) {
      inputs[row * length + i] = s[i];
      targets[row * length + i] = s[i + 1];
      mask[row * length + i] = 1;
    }
  });
  return {
    inputs: tf.tensor2d(inputs, [b, length], "int32"),
    targets: tf.tensor2d(targets, [b, length], "int32"),
    mask: tf.tensor2d(mask, [b, length]),
  };
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
  #adam?: Map<string, { m: tf.Variable; v: tf.Variable }>;
  #step = 0;

  /** A model holding a copy of `weights` (the caller's arrays are not kept). */
  constructor(config: GptConfig, weights: GptWeights) {
    this.config = validateGptConfig(config);
    for (const [name, shape] of weightShapes(config)) {
      const w = weights.get(name);
      if (!w) throw new Error(`weights lack "${name}"`);
      if (w.shape.join("x") !== shape.join("x")) {
        throw new Error(`weight "${name}" has shape [${w.shape}], expected [${shape}]`);
      }
      this.#vars.set(name, tf.variable(tf.tensor(w.values, shape), true, undefined));
    }
  }

  #w(name: string): tf.Variable {
    return this.#vars.get(name)!;
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

  /** Sum of token cross-entropies (nats) over the mask, and the mask's size. */
  #lossSum(batch: Batch): tf.Scalar {
    const { inputs, targets, mask } = batch;
    const logits = this.logits(inputs);
    const logp = tf.logSoftmax(logits);
    const picked = logp.mul(tf.oneHot(targets, this.config.vocabSize).toFloat()).sum(-1);
    return picked.mul(mask).sum().neg() as tf.Scalar;
  }

  /** Mean token cross-entropy (nats) of `sequences` (each with its BOS and EOS), in batches. */
  async evaluate(
    sequences: readonly (readonly number[])[],
    options: { batchSize?: number; padId?: number } = {},
  ): Promise<number> {
    const batchSize = options.batchSize ?? 64;
    let total = 0, count = 0;
    for (let start = 0; start < sequences.length; start += batchSize) {
      const batch = makeBatch(sequences.slice(start, start + batchSize), options.padId ?? 0);
      const loss = tf.tidy(() => this.#lossSum(batch));
      total += (await loss.data())[0];
      count += (await batch.mask.sum().data())[0];
      tf.dispose([loss, batch.inputs, batch.targets, batch.mask]);
    }
    return total / count;
  }

  /**
   * One epoch over `sequences` in a seeded random order ({@linkcode trainEpoch}
   * in weights.ts, shared by both trainers). Returns the mean training loss.
   */
  trainEpoch(sequences: readonly (readonly number[])[], rng: Rng, options: TrainOptions): Promise<number> {
    return trainEpoch(this, sequences, { ...options, rng });
  }

  /** One AdamW step on one batch at the given learning rate; returns the batch's mean token loss. */
  async trainStep(sequences: readonly (readonly number[])[], options: TrainOptions): Promise<number> {
    const { learningRate: lr, weightDecay, clipNorm } = options;
    const beta1 = options.beta1 ?? 0.9, beta2 = options.beta2 ?? 0.95, eps = options.epsilon ?? 1e-8;
    if (!this.#adam) {
      this.#adam = new Map();
      for (const [name, v] of this.#vars) {
        this.#adam.set(name, { m: tf.variable(tf.zerosLike(v)), v: tf.variable(tf.zerosLike(v)) });
      }
    }
    const batch = makeBatch(sequences, 0);
    const tokens = (await batch.mask.sum().data())[0];
    this.#step++;
    const t = this.#step;
    const lossTensor = tf.tidy(() => {
      const vars = [...this.#vars.values()];
      const { value, grads: byVarName } = tf.variableGrads(() => this.#lossSum(batch).div(tokens) as tf.Scalar, vars);
      const grads: Record<string, tf.Tensor> = {};
      for (const [name, v] of this.#vars) grads[name] = byVarName[v.name];
      const names = Object.keys(grads);
      const norm = tf.sqrt(tf.addN(names.map((n) => grads[n].square().sum())));
      const scale = tf.minimum(1, tf.div(clipNorm, norm.add(1e-6)));
      const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
      for (const name of names) {
        const g = grads[name].mul(scale);
        const state = this.#adam!.get(name)!;
        const w = this.#vars.get(name)!;
        state.m.assign(state.m.mul(beta1).add(g.mul(1 - beta1)));
        state.v.assign(state.v.mul(beta2).add(g.square().mul(1 - beta2)));
        let update = state.m.div(c1).div(state.v.div(c2).sqrt().add(eps));
        if (w.shape.length === 2) update = update.add(w.mul(weightDecay));
        w.assign(w.sub(update.mul(lr)));
      }
      return value;
    });
    const loss = (await lossTensor.data())[0];
    tf.dispose([lossTensor, batch.inputs, batch.targets, batch.mask]);
    return loss;
  }

  /** A copy of the current weights. */
  async weights(): Promise<GptWeights> {
    const out: GptWeights = new Map();
    for (const [name, v] of this.#vars) {
      out.set(name, { shape: v.shape.slice(), values: new Float32Array(await v.data()) });
    }
    return out;
  }

  /** Frees every tensor of the model and its optimizer. */
  dispose(): void {
    for (const v of this.#vars.values()) v.dispose();
    for (const s of this.#adam?.values() ?? []) tf.dispose([s.m, s.v]);
    this.#vars.clear();
    this.#adam = undefined;
  }
}
