/**
 * The trainer the experiment runs: the transformer trained on onnxruntime-node
 * (native, multi-threaded MLAS). Each step runs the training graph
 * (onnx/training_graph.ts: forward + hand-derived backward pass, one ONNX
 * graph taking the weights as inputs), then the project's one AdamW
 * (adamw.ts) on Float32Arrays; the epoch loop is `trainEpoch` (weights.ts),
 * shared with the TensorFlow.js reference (tfjs/model.ts), so both see the
 * same batches in the same order.
 *
 * Tests: onnx_train_test.ts (AdamW steps against tfjs, determinism across
 * threads, bad input); the graph's loss and gradients in
 * onnx/training_graph_test.ts.
 *
 * @module
 */

import type { Rng } from "../numerics/rng.ts";
import { AdamW } from "./adamw.ts";
import { padBatch } from "./batch.ts";
import {
  assertThreads,
  createSession,
  ort,
  type OrtSession,
  type OrtTensor,
  type SessionOptions,
} from "./onnx/runtime.ts";
import { buildTrainingGraph } from "./onnx/training_graph.ts";
import {
  copyWeights,
  type GptConfig,
  type GptWeights,
  type LossAndGradients,
  type SequenceLosses,
  trainEpoch,
  type TrainOptions,
  validateGptConfig,
} from "./weights.ts";

export { buildTrainingGraph, type TrainingGraphOptions } from "./onnx/training_graph.ts";
export type { LossAndGradients } from "./weights.ts";

/** Session options of {@linkcode OnnxGptTrainer} (threads, spinning, profiling). */
export type OnnxTrainerOptions = SessionOptions;

const sessions = new Map<string, Promise<OrtSession>>();

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

/**
 * The training API of the experiment (trainStep, trainEpoch, evaluate,
 * weights, dispose) with the forward and backward passes on onnxruntime-node.
 * The weights and AdamW state live in Float32Arrays.
 */
export class OnnxGptTrainer {
  readonly config: GptConfig;
  readonly #options: OnnxTrainerOptions;
  #weights: GptWeights;
  #adam = new AdamW();
  #profiled?: Promise<OrtSession>;

  /** A trainer holding a copy of `weights` (the caller's arrays are not kept); checks every name and shape. */
  constructor(config: GptConfig, weights: GptWeights, options: OnnxTrainerOptions = {}) {
    this.config = validateGptConfig(config);
    assertThreads(options.threads);
    this.#options = { ...options };
    this.#weights = copyWeights(config, weights);
  }

  #live(): GptWeights {
    if (this.#weights.size === 0) throw new Error("this OnnxGptTrainer was disposed");
    return this.#weights;
  }

  #session(gradients: boolean): Promise<OrtSession> {
    if (this.#options.profilePrefix && gradients) {
      return this.#profiled ??= session(this.config, true, this.#options);
    }
    return session(this.config, gradients, { ...this.#options, profilePrefix: undefined });
  }

  #feeds(sequences: readonly (readonly number[])[]): { feeds: Record<string, OrtTensor>; tokens: number } {
    const batch = padBatch(sequences, this.config);
    const { Tensor } = ort();
    const feeds: Record<string, OrtTensor> = {};
    for (const [name, w] of this.#live()) feeds[name] = new Tensor("float32", w.values, w.shape);
    const dims = [batch.rows, batch.length];
    feeds.input_ids = new Tensor("int64", BigInt64Array.from(batch.ids, BigInt), dims);
    feeds.targets = new Tensor("int64", BigInt64Array.from(batch.targets, BigInt), dims);
    feeds.mask = new Tensor("float32", batch.mask, dims);
    return { feeds, tokens: batch.tokens };
  }

  /** The mean token loss of one batch and every weight's gradient, at the current weights. */
  async lossAndGradients(sequences: readonly (readonly number[])[]): Promise<LossAndGradients> {
    const { feeds, tokens } = this.#feeds(sequences);
    const out = await (await this.#session(true)).run(feeds);
    const gradients = new Map<string, Float32Array>();
    for (const name of this.#live().keys()) gradients.set(name, out[`grad.${name}`].data as Float32Array);
    return { loss: (out.loss.data as Float32Array)[0], tokens, gradients };
  }

  /** One AdamW step on one batch at the given learning rate; returns the batch's mean token loss. */
  async trainStep(sequences: readonly (readonly number[])[], options: TrainOptions): Promise<number> {
    const { loss, gradients } = await this.lossAndGradients(sequences);
    this.#adam.step(this.#live(), gradients, options);
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
      const out = await forward.run(this.#feeds(sequences.slice(start, start + batchSize)).feeds);
      total += (out.loss_sum.data as Float32Array)[0];
      count += (out.tokens.data as Float32Array)[0];
    }
    return total / count;
  }

  /** Each sequence's summed token loss and token count, in batches of `batchSize` (default 64; forward only). */
  async sequenceLosses(
    sequences: readonly (readonly number[])[],
    options: { batchSize?: number } = {},
  ): Promise<SequenceLosses> {
    const batchSize = options.batchSize ?? 64;
    const forward = await this.#session(false);
    const sums = new Float64Array(sequences.length), tokens = new Float64Array(sequences.length);
    for (let start = 0; start < sequences.length; start += batchSize) {
      const out = await forward.run(this.#feeds(sequences.slice(start, start + batchSize)).feeds);
      sums.set(out.row_loss_sum.data as Float32Array, start);
      tokens.set(out.row_tokens.data as Float32Array, start);
    }
    return { sums, tokens };
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
    this.#adam = new AdamW();
    this.#profiled?.then((s) => s.release()).catch(() => undefined);
    this.#profiled = undefined;
  }
}
