/**
 * The settings of the language-model experiment: its presets, the
 * fine-tuning and pre-training defaults, and their validation. Kept apart from
 * experiment.ts so that other experiments (lib/mixing_experiment.ts) can
 * derive their settings from these presets without loading the language-model
 * code (transformers.js, onnxruntime).
 *
 * @module
 */

import type { PresetName } from "../experiments/presets.ts";
import type { SamplingEngine } from "./sample.ts";

/**
 * What trains the model, part of the identity of cached base models and of
 * stored runs: results of another trainer (the TensorFlow.js `GptModel`, before
 * this field existed) differ in their float rounding and are not reused.
 */
export const LM_TRAINER = "onnxruntime-v1";

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

/** Everything one preset fixes. */
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
  iterations: number;
  seeds: number;
  fineTuneLearningRate: number;
  samplingEngine: SamplingEngine;
  /** Fixed seed of the data split and the base model (seeds vary the workflow runs). */
  dataSeed: number;
}

/** The default preset's settings (the paper preset scales them up). */
const DEFAULT_SETTINGS: LmSettings = {
  vocabSize: 1024,
  contextLength: 64,
  dModel: 64,
  nLayers: 2,
  nHeads: 4,
  pretrainChars: 0,
  pretrainEpochs: 1,
  pretrainChats: 0,
  trainPairs: 500,
  validationPairs: 256,
  maxGlossChars: 80,
  iterations: 5,
  seeds: 1,
  fineTuneLearningRate: 5e-3,
  samplingEngine: "forward",
  dataSeed: 0,
};

/**
 * The presets. Default, measured on 2 shared cores: pre-training ~25 s (451
 * steps), 30-40 ms per training step of 16 chats on onnxruntime, ~10 ms per
 * kept sample; the notebook took about 2 minutes (115 s).
 */
export const LM_PRESETS: Record<PresetName, LmSettings> = {
  smoke: {
    vocabSize: 512,
    contextLength: 64,
    dModel: 48,
    nLayers: 2,
    nHeads: 4,
    pretrainChars: 20_000,
    pretrainEpochs: 1,
    pretrainChats: 1000,
    trainPairs: 128,
    validationPairs: 48,
    maxGlossChars: 50,
    iterations: 2,
    seeds: 1,
    fineTuneLearningRate: 5e-3,
    samplingEngine: "generate",
    dataSeed: 0,
  },
  default: DEFAULT_SETTINGS,
  // The default model and data, at the paper's scale of training set, iterations and seeds.
  paper: { ...DEFAULT_SETTINGS, trainPairs: 2000, validationPairs: 500, iterations: 10, seeds: 3 },
};

/** Checks a settings object, naming the first bad field. */
export function validateLmSettings(settings: Record<string, unknown>): LmSettings {
  const allowed = Object.keys(LM_PRESETS.default);
  for (const key of Object.keys(settings)) {
    if (!allowed.includes(key)) throw new RangeError(`unknown field "${key}"; allowed fields: ${allowed.join(", ")}`);
  }
  for (const key of allowed) {
    if (key === "samplingEngine") continue;
    const value = settings[key];
    const min = ["pretrainChars", "pretrainChats", "dataSeed"].includes(key)
      ? 0
      : key === "fineTuneLearningRate"
      ? 1e-12
      : 1;
    const integer = key !== "fineTuneLearningRate";
    if (
      typeof value !== "number" || !(value >= min) || !Number.isFinite(value) || (integer && !Number.isInteger(value))
    ) {
      throw new RangeError(
        `${key} must be ${integer ? "an integer" : "a number"} >= ${min}, got ${JSON.stringify(value)}`,
      );
    }
  }
  if (settings.samplingEngine !== "generate" && settings.samplingEngine !== "forward") {
    throw new RangeError(
      `samplingEngine must be "generate" or "forward", got ${JSON.stringify(settings.samplingEngine)}`,
    );
  }
  if ((settings.dModel as number) % (settings.nHeads as number) !== 0) {
    throw new RangeError(`dModel must be a multiple of nHeads`);
  }
  return settings as LmSettings;
}
