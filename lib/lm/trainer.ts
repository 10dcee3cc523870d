/**
 * One interface over lib/lm's two trainers, and the factory that picks one:
 * - "onnxruntime" (the default, and what the experiment runs):
 *   `OnnxGptTrainer` (onnx_train.ts), the hand-derived training graph on
 *   onnxruntime's native CPU runtime, the fastest here.
 * - "tfjs": the TensorFlow.js reference `GptModel` (tfjs/model.ts), on
 *   tfjs-node-gpu when a CUDA machine has it, WebGPU on a real adapter, else
 *   wasm (tfjs/backend.ts). TensorFlow.js is imported only when asked for.
 *
 * Both share the batching (batch.ts), the epoch loop (`trainEpoch`,
 * weights.ts) and the optimizer (adamw.ts), so from the same weights and data
 * they take the same steps up to float32 rounding of their gradients.
 *
 * Tests: trainer_test.ts.
 *
 * @module
 */

import type { Rng } from "../numerics/rng.ts";
import { OnnxGptTrainer } from "./onnx_train.ts";
import type { SessionOptions } from "./onnx/runtime.ts";
import { type TrainerKind, TRAINERS } from "./settings.ts";
import type { BackendName } from "./tfjs/backend.ts";
import type { GptConfig, GptWeights, LossAndGradients, SequenceLosses, TrainOptions } from "./weights.ts";

export { type TrainerKind, TRAINERS } from "./settings.ts";

/** What every trainer does. */
export interface LmTrainer {
  readonly config: GptConfig;
  /** The mean token loss of one batch and every weight's gradient, at the current weights. */
  lossAndGradients(sequences: readonly (readonly number[])[]): Promise<LossAndGradients>;
  /** One AdamW step on one batch; returns the batch's mean token loss. */
  trainStep(sequences: readonly (readonly number[])[], options: TrainOptions): Promise<number>;
  /** One epoch in a seeded random order; returns the mean training loss. */
  trainEpoch(sequences: readonly (readonly number[])[], rng: Rng, options: TrainOptions): Promise<number>;
  /** Mean token cross-entropy (nats) of `sequences`, in batches of `batchSize` (default 64). */
  evaluate(sequences: readonly (readonly number[])[], options?: { batchSize?: number }): Promise<number>;
  /** Each sequence's summed token loss (nats) and token count, in batches of `batchSize` (default 64). */
  sequenceLosses(sequences: readonly (readonly number[])[], options?: { batchSize?: number }): Promise<SequenceLosses>;
  /** A copy of the current weights. */
  weights(): GptWeights;
  /** Frees the weights and optimizer state. */
  dispose(): void;
}

/** Options of {@linkcode createTrainer}. */
export interface CreateTrainerOptions extends SessionOptions {
  /** Default "onnxruntime". */
  trainer?: TrainerKind;
  /** "tfjs" only: the backend to try first (default: tfjs/backend.ts' choice). */
  tfjsBackend?: BackendName;
  /** "tfjs" only: do not print the backend chosen. */
  quiet?: boolean;
}

/** Checks a trainer name, listing the valid ones. */
export function assertTrainer(kind: unknown): TrainerKind {
  if (!TRAINERS.includes(kind as TrainerKind)) {
    throw new RangeError(`trainer must be one of ${TRAINERS.join(", ")}, got ${JSON.stringify(kind)}`);
  }
  return kind as TrainerKind;
}

/**
 * A trainer of `options.trainer`'s kind holding a copy of `weights`; the
 * onnxruntime session options (threads, spinning, profilePrefix) apply to
 * "onnxruntime" only.
 */
export async function createTrainer(
  config: GptConfig,
  weights: GptWeights,
  options: CreateTrainerOptions = {},
): Promise<LmTrainer> {
  const kind = assertTrainer(options.trainer ?? "onnxruntime");
  if (kind === "onnxruntime") {
    const { threads, spinning, profilePrefix } = options;
    return new OnnxGptTrainer(config, weights, { threads, spinning, profilePrefix });
  }
  const { GptModel, initBackend } = await import("./tfjs/mod.ts");
  await initBackend({ backend: options.tfjsBackend, quiet: options.quiet });
  return new GptModel(config, weights);
}
