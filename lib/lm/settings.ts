/**
 * The settings of the small language model (its shape, data and training)
 * and the fine-tuning and pre-training recipes. Kept apart from the modules
 * that train and sample, so that the experiment definitions can declare
 * their fields without loading the language-model
 * code (transformers.js, onnxruntime).
 *
 * Tests: estimator_test.ts.
 *
 * @module
 */

/**
 * How samples are drawn, all through the exported ONNX model on onnxruntime:
 * - "generate": transformers.js' `generate` (do_sample, temperature 1, top_k 0).
 * - "forward": the same model's forward pass through transformers.js on the
 *   whole context at every step, sampled in this module from the full softmax
 *   with the project's seeded Rng, rows leaving the batch when they emit EOS.
 *   Same distribution; faster than `generate`, which runs one onnxruntime
 *   TopK call per row and step.
 * - "cached": the forward engine's rule and Rng stream, the graph run directly
 *   on onnxruntime with its key/value cache (one position per step). Its
 *   logits equal the forward engine's to float32 rounding (see
 *   cached_sampler.ts), so the two give the same tokens but for a draw that
 *   lands within rounding of a boundary.
 */
export type SamplingEngine = typeof SAMPLING_ENGINES[number];

/** Every {@linkcode SamplingEngine}. */
export const SAMPLING_ENGINES = ["generate", "forward", "cached"] as const;

/**
 * What trains the model (trainer.ts): onnxruntime's native CPU runtime (the
 * fastest here), or TensorFlow.js (tfjs-node-gpu on a CUDA machine, WebGPU on
 * a real adapter, else wasm). The default first.
 */
export const TRAINERS = ["onnxruntime", "tfjs"] as const;

/** One of {@linkcode TRAINERS}. */
export type TrainerKind = typeof TRAINERS[number];

/**
 * The identity of each trainer in the cache keys of base models and first
 * fits: results of another trainer differ in their float rounding and are not
 * reused. ("onnxruntime-v1" is the name the onnxruntime bases always had.)
 */
export const TRAINER_IDENTITY: Readonly<Record<TrainerKind, string>> = {
  onnxruntime: "onnxruntime-v1",
  tfjs: "tfjs-v1",
};

/** Fine-tuning defaults (the paper: AdamW, 1 epoch, constant LR with 5% warm-up, clip 1.0). */
export const FINE_TUNE_DEFAULTS = {
  learningRate: 5e-3,
  batchSize: 16,
  warmupFraction: 0.05,
  weightDecay: 0.01,
  clipNorm: 1.0,
} as const;

/** Pre-training defaults (one pass over the corpus). */
export const PRETRAIN_DEFAULTS = {
  learningRate: 3e-3,
  batchSize: 16,
  warmupFraction: 0.05,
  weightDecay: 0.01,
  clipNorm: 1.0,
} as const;

/** What shapes the model, its data and its training (the experiments add the workflow, seed and iterations). */
export interface LmSettings {
  [key: string]: string | number;
  vocabSize: number;
  contextLength: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  /** Characters of Moby-Dick used for pre-training (0 = all). */
  pretrainChars: number;
  pretrainEpochs: number;
  /**
   * WordNet chats, disjoint from the train and validation chats, mixed into
   * pre-training (0 = general English only, as in the default and paper
   * presets). The smoke preset uses them so that a base pre-trained in seconds
   * already knows the chat layout and one short fine-tuning epoch yields
   * well-formed samples.
   */
  pretrainChats: number;
  trainPairs: number;
  validationPairs: number;
  /** Longest WordNet gloss kept, in characters. */
  maxGlossChars: number;
  fineTuneLearningRate: number;
  samplingEngine: SamplingEngine;
  /** Pre-trains, fine-tunes and scores the model. */
  trainer: TrainerKind;
  /** Fixed seed of the data split and the base model (seeds vary the workflow runs). */
  dataSeed: number;
}
