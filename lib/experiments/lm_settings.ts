/**
 * The language model's settings as experiment fields, and each preset's
 * values: shared by the language-model experiment (`lm.ts`) and its mixing
 * study (`mixing_lm.ts`). No language-model code is loaded here.
 *
 * Tests: lm_test.ts, mixing_lm_test.ts (through the experiments).
 *
 * @module
 */

import { type LmSettings, SAMPLING_ENGINES, TRAINERS } from "../lm/settings.ts";
import { LARGE_GPT_CONFIG } from "../lm/weights.ts";
import { WORKFLOWS } from "../workflows/mod.ts";
import type { Grid } from "./define.ts";
import { choice, type Config, type Field, integer, real } from "./fields.ts";
import { PRESET_NAMES, type PresetName } from "./presets.ts";

/** The settings' fields, shared with the language model's mixing study. */
export const LM_SETTINGS_FIELDS = {
  vocabSize: integer({ min: 2, doc: "BPE vocabulary size" }),
  contextLength: integer({ doc: "tokens per sequence" }),
  dModel: integer({ doc: "transformer width (a multiple of nHeads)" }),
  nLayers: integer({ doc: "transformer blocks" }),
  nHeads: integer({ doc: "attention heads" }),
  pretrainChars: integer({ min: 0, doc: "characters of Moby-Dick pre-trained on (0: all)" }),
  pretrainEpochs: integer({ doc: "pre-training epochs" }),
  pretrainChats: integer({ min: 0, doc: "WordNet chats (disjoint from train and validation) mixed into pre-training" }),
  trainPairs: integer({ doc: "real training chats" }),
  validationPairs: integer({ doc: "real validation chats every model is scored on" }),
  maxGlossChars: integer({ doc: "longest WordNet gloss kept, in characters" }),
  fineTuneLearningRate: real({ greaterThan: 0, doc: "fine-tuning learning rate" }),
  samplingEngine: choice(SAMPLING_ENGINES, {
    doc: "how chats are sampled (all on onnxruntime; see lib/lm/settings.ts)",
  }),
  trainer: choice(TRAINERS, {
    default: "onnxruntime",
    doc: "what pre-trains, fine-tunes and scores the model: onnxruntime (CPU), or tfjs (tfjs-node-gpu on CUDA, " +
      "else WebGPU on a real adapter, else wasm; see lib/lm/trainer.ts)",
  }),
  dataSeed: integer({ min: 0, doc: "seed of the data split and of the base model" }),
} satisfies Record<keyof LmSettings & string, Field>;

/** Throws unless dModel is a multiple of nHeads. */
export function checkLmSettings(c: { dModel: number; nHeads: number }): void {
  if (c.dModel % c.nHeads !== 0) {
    throw new RangeError(`dModel must be a multiple of nHeads, got ${c.dModel} and ${c.nHeads}`);
  }
}

/** The settings of a configuration (its settings fields only). */
export function lmSettingsOf(config: Config): LmSettings {
  return Object.fromEntries(Object.keys(LM_SETTINGS_FIELDS).map((k) => [k, config[k]])) as LmSettings;
}

/**
 * The settings of each preset. Default: a 0.17 M-parameter model whose base
 * is pre-trained on Moby-Dick plus 1000 WordNet chats disjoint from the train
 * and validation chats (so it knows the chat layout: a Moby-Dick-only base's
 * samples under Replace decayed until too few passed the filter), fine-tuned
 * on 250 real chats at 2e-3 (in trials with a base that had seen 2000 chats,
 * 5e-3 left the fine-tuned model worse than the base), scored on 128
 * validation chats (notebook 05 reports the loss's standard error) and
 * sampled with the key/value-cache engine. The paper preset trains and
 * scores on more chats; smoke is the CI size.
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
    fineTuneLearningRate: 5e-3,
    samplingEngine: "generate",
    trainer: "onnxruntime",
    dataSeed: 0,
  },
  default: {
    vocabSize: 1024,
    contextLength: 64,
    dModel: 64,
    nLayers: 2,
    nHeads: 4,
    pretrainChars: 0,
    pretrainEpochs: 1,
    pretrainChats: 1000,
    trainPairs: 250,
    validationPairs: 128,
    maxGlossChars: 80,
    fineTuneLearningRate: 2e-3,
    samplingEngine: "cached",
    trainer: "onnxruntime",
    dataSeed: 0,
  },
  paper: {} as LmSettings,
};
LM_PRESETS.paper = { ...LM_PRESETS.default, trainPairs: 1000, validationPairs: 512 };

/** Iterations and seeds of each preset's main grid: the paper's 20 iterations and 3 seeds at the paper preset. */
export const LM_RUNS: Record<PresetName, { iterations: number; seeds: number }> = {
  smoke: { iterations: 2, seeds: 1 },
  default: { iterations: 10, seeds: 3 },
  paper: { iterations: 20, seeds: 3 },
};

/**
 * The larger model (`LARGE_GPT_CONFIG`: 4 layers of width 256, 3.4 M
 * parameters) in each preset's settings, for a machine with a GPU (set
 * `trainer: tfjs` where tfjs-node-gpu loads) or a patient CPU: the grid
 * "large", run by `deno task sweep sweeps/lm_large.yaml`, never by the
 * notebook.
 */
export function largeSettings(preset: PresetName): LmSettings {
  const { vocabSize, dModel, nLayers, nHeads } = LARGE_GPT_CONFIG;
  return { ...LM_PRESETS[preset], vocabSize, dModel, nLayers, nHeads };
}

/** A grid that fixes every setting to `settings`' value. */
export function fixedSettings(settings: LmSettings): Grid {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, { value: v }]));
}

/** The grid of every workflow over `runs.seeds` seeds, `runs.iterations` iterations each, at `settings`. */
export const lmGrid = (settings: LmSettings, runs: { iterations: number; seeds: number }): Grid => ({
  ...fixedSettings(settings),
  workflow: { values: [...WORKFLOWS] },
  seed: { min: 0, max: runs.seeds - 1 },
  iterations: { value: runs.iterations },
});
/** One grid per preset. */
export const perPreset = (grid: (preset: PresetName) => Grid): Record<PresetName, Grid> =>
  Object.fromEntries(PRESET_NAMES.map((p) => [p, grid(p)])) as Record<PresetName, Grid>;
