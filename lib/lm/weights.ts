/**
 * The shape and weights of the small GPT that lib/lm trains (see
 * onnx/forward.ts for the architecture): configuration, weight names and
 * shapes, GPT-2's initialisation, the training options, the epoch loop both
 * trainers share, and the weight files of the cache. No TensorFlow.js here, so
 * the experiment and the onnxruntime trainer (onnx_train.ts) load without it.
 *
 * Tests: lib/experiments/lm_test.ts, cached_sampler_test.ts, first_fit_test.ts, lm_test.ts, others.
 *
 * @module
 */

import type { Rng } from "../numerics/rng.ts";

/** The shape of the transformer. */
export interface GptConfig {
  vocabSize: number;
  /** Longest sequence (positions) the model handles. */
  contextLength: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
}

/** Named weight arrays in a fixed order; the format of caches and ONNX export. */
export type GptWeights = Map<string, { shape: number[]; values: Float32Array }>;

/**
 * A larger shape for users with a GPU or a patient CPU: 4 layers of width 256
 * (8 heads of 32), the default preset's vocabulary and context; 3.4 M
 * parameters, 20x the default preset's. `deno run -A bench/lm_bench.ts` times
 * its training step on both trainers.
 */
export const LARGE_GPT_CONFIG: Readonly<GptConfig> = Object.freeze({
  vocabSize: 1024,
  contextLength: 64,
  dModel: 256,
  nLayers: 4,
  nHeads: 8,
});

/** Names and shapes of every weight, in order. */
export function weightShapes(config: GptConfig): [string, number[]][] {
  const { vocabSize: v, contextLength: t, dModel: d, nLayers } = config;
  const shapes: [string, number[]][] = [["wte", [v, d]], ["wpe", [t, d]]];
  for (let l = 0; l < nLayers; l++) {
    shapes.push(
      [`h${l}.ln1.g`, [d]],
      [`h${l}.ln1.b`, [d]],
      [`h${l}.attn.w_qkv`, [d, 3 * d]],
      [`h${l}.attn.b_qkv`, [3 * d]],
      [`h${l}.attn.w_o`, [d, d]],
      [`h${l}.attn.b_o`, [d]],
      [`h${l}.ln2.g`, [d]],
      [`h${l}.ln2.b`, [d]],
      [`h${l}.mlp.w_fc`, [d, 4 * d]],
      [`h${l}.mlp.b_fc`, [4 * d]],
      [`h${l}.mlp.w_proj`, [4 * d, d]],
      [`h${l}.mlp.b_proj`, [d]],
    );
  }
  shapes.push(["ln_f.g", [d]], ["ln_f.b", [d]]);
  return shapes;
}

/** Checks a configuration, naming the first bad field. */
export function validateGptConfig(config: GptConfig): GptConfig {
  for (const field of ["vocabSize", "contextLength", "dModel", "nLayers", "nHeads"] as const) {
    const value = config[field];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${field} must be an integer >= 1, got ${JSON.stringify(value)}`);
    }
  }
  if (config.dModel % config.nHeads !== 0) {
    throw new RangeError(`dModel (${config.dModel}) must be a multiple of nHeads (${config.nHeads})`);
  }
  return config;
}

/** The number of trainable parameters. */
export function parameterCount(config: GptConfig): number {
  return weightShapes(config).reduce((sum, [, shape]) => sum + shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * A copy of `weights` with exactly `config`'s names, shapes and sizes, in
 * `weightShapes` order; fails naming the first missing or misshapen weight.
 */
export function copyWeights(config: GptConfig, weights: GptWeights): GptWeights {
  const copy: GptWeights = new Map();
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

/** GPT-2's initialisation: normal(0, 0.02), residual projections scaled by 1/sqrt(2 layers); norms 1, biases 0. */
export function initWeights(config: GptConfig, rng: Rng): GptWeights {
  validateGptConfig(config);
  const weights: GptWeights = new Map();
  for (const [name, shape] of weightShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (name.endsWith(".g")) values.fill(1);
    else if (shape.length === 2) {
      const std = name.endsWith("w_o") || name.endsWith("w_proj") ? 0.02 / Math.sqrt(2 * config.nLayers) : 0.02;
      for (let i = 0; i < size; i++) values[i] = std * rng.normal();
    }
    weights.set(name, { shape, values });
  }
  return weights;
}

/** Options of `trainEpoch` (GptModel, OnnxGptTrainer) and pre-training. */
export interface TrainOptions {
  /** Peak learning rate. */
  learningRate: number;
  /** Sequences per step. */
  batchSize: number;
  /** Fraction of the steps spent warming the learning rate up linearly. */
  warmupFraction: number;
  /** Decoupled weight decay (AdamW), on matrices only. */
  weightDecay: number;
  /** Gradient clipping by global norm. */
  clipNorm: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Called after every step with its loss (for progress bars). */
  onStep?: (step: number, steps: number, loss: number) => void;
}

/** A batch's mean token loss and the gradient of every weight. */
export interface LossAndGradients {
  loss: number;
  /** Masked target tokens in the batch. */
  tokens: number;
  gradients: Map<string, Float32Array>;
}

/** Per sequence of an evaluated set, in its order: the summed token loss (nats) and the tokens scored. */
export interface SequenceLosses {
  sums: Float64Array;
  tokens: Float64Array;
}

/**
 * The mean token loss over every sequence (total loss / total tokens, as
 * `evaluate` gives it) and its standard error as the spread of the
 * sequences' own mean token losses over the square root of their number.
 */
export function meanLossAndSe(losses: SequenceLosses): { mean: number; se: number } {
  const { sums, tokens } = losses;
  const n = sums.length;
  let total = 0, count = 0, m = 0, m2 = 0;
  for (let i = 0; i < n; i++) {
    total += sums[i];
    count += tokens[i];
    // Welford's update of the per-sequence means' mean and squared deviations.
    const x = sums[i] / tokens[i];
    const delta = x - m;
    m += delta / (i + 1);
    m2 += delta * (x - m);
  }
  return { mean: total / count, se: n > 1 ? Math.sqrt(m2 / (n - 1) / n) : NaN };
}

/** A model that takes one optimiser step on a batch of token sequences, returning the batch's loss. */
export interface StepTrainer {
  trainStep(sequences: readonly (readonly number[])[], options: TrainOptions): Promise<number>;
}

/**
 * One epoch of `trainer` over `sequences` in a seeded random order, sequences
 * of similar length batched together (chunks of 50 batches sorted by length:
 * little padding, still random batches), the learning rate warmed up linearly
 * over the first `warmupFraction` of the steps. Returns the mean training loss.
 * Both trainers (tfjs's GptModel, onnxruntime's OnnxGptTrainer) run their
 * epochs through it, so they see the same batches in the same order.
 */
export async function trainEpoch(
  trainer: StepTrainer,
  sequences: readonly (readonly number[])[],
  options: TrainOptions & { rng: Rng },
): Promise<number> {
  const { rng, ...train } = options;
  const order = Array.from(rng.sampleWithoutReplacement(sequences.length, sequences.length));
  const chunk = train.batchSize * 50;
  for (let i = 0; i < order.length; i += chunk) {
    const part = order.slice(i, i + chunk).sort((a, b) => sequences[a].length - sequences[b].length);
    order.splice(i, part.length, ...part);
  }
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += train.batchSize) batches.push(order.slice(i, i + train.batchSize));
  const shuffled = Array.from(rng.sampleWithoutReplacement(batches.length, batches.length), (k) => batches[k]);
  const warmup = Math.max(1, Math.round(train.warmupFraction * shuffled.length));
  let sum = 0;
  for (let s = 0; s < shuffled.length; s++) {
    const learningRate = train.learningRate * Math.min(1, (s + 1) / warmup);
    const loss = await trainer.trainStep(shuffled[s].map((k) => sequences[k]), { ...train, learningRate });
    sum += loss;
    train.onStep?.(s + 1, shuffled.length, loss);
  }
  return sum / shuffled.length;
}

/** Writes weights as `weights.bin` (float32, in {@linkcode weightShapes} order) plus `weights.json`. */
export function saveWeights(dir: string, weights: GptWeights): void {
  Deno.mkdirSync(dir, { recursive: true });
  const manifest: { name: string; shape: number[] }[] = [];
  const total = [...weights.values()].reduce((s, w) => s + w.values.length, 0);
  const all = new Float32Array(total);
  let offset = 0;
  for (const [name, w] of weights) {
    manifest.push({ name, shape: w.shape });
    all.set(w.values, offset);
    offset += w.values.length;
  }
  Deno.writeFileSync(`${dir}/weights.bin`, new Uint8Array(all.buffer));
  Deno.writeTextFileSync(`${dir}/weights.json`, JSON.stringify(manifest));
}

/** Reads weights written by {@linkcode saveWeights}; fails clearly on a missing or corrupt file. */
export function loadWeights(dir: string): GptWeights {
  let manifest: { name: string; shape: number[] }[];
  let bytes: Uint8Array;
  try {
    manifest = JSON.parse(Deno.readTextFileSync(`${dir}/weights.json`));
    bytes = Deno.readFileSync(`${dir}/weights.bin`);
  } catch (error) {
    throw new Error(`cannot read model weights in ${dir} (weights.json, weights.bin): ${error}`);
  }
  const expected = manifest.reduce((s, m) => s + m.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.byteLength !== expected * 4) {
    throw new Error(`${dir}/weights.bin holds ${bytes.byteLength} bytes, expected ${expected * 4}: corrupt file`);
  }
  const all = new Float32Array(bytes.slice().buffer);
  const weights: GptWeights = new Map();
  let offset = 0;
  for (const { name, shape } of manifest) {
    const size = shape.reduce((a, b) => a * b, 1);
    weights.set(name, { shape, values: all.slice(offset, offset + size) });
    offset += size;
  }
  return weights;
}
