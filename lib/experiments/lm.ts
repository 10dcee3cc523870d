/**
 * The paper's language-model experiment (section 4; original notebooks 01 and
 * 08) at laptop size: a small GPT pre-trained once on Moby-Dick (cached), then
 * in every model-fitting iteration a fresh copy of that base fine-tuned on the
 * iteration's chats, scored on real validation chats and sampled to make the
 * next synthetic set (the estimator is lib/lm/estimator.ts). One run is one
 * (settings, workflow, seed); its example texts (a few training chats and
 * samples per iteration) are stored beside its rows as "examples.json".
 *
 * This module loads no language-model code until a run starts, so the
 * registry stays light.
 *
 * @module
 */

import { type LmSettings, SAMPLING_ENGINES, TRAINERS } from "../lm/settings.ts";
import { WORKFLOWS } from "../workflows/mod.ts";
import { defineExperiment, type Grid, type RunRow } from "./define.ts";
import { choice, type Config, type Field, integer, real, seed } from "./fields.ts";
import type { PresetName } from "./presets.ts";

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

/** The settings of each preset: a model small enough for a laptop; the paper preset trains on more chats. */
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
    pretrainChats: 0,
    trainPairs: 500,
    validationPairs: 256,
    maxGlossChars: 80,
    fineTuneLearningRate: 5e-3,
    samplingEngine: "forward",
    trainer: "onnxruntime",
    dataSeed: 0,
  },
  paper: {} as LmSettings,
};
LM_PRESETS.paper = { ...LM_PRESETS.default, trainPairs: 2000, validationPairs: 500 };

/** A grid that fixes every setting to `settings`' value. */
export function fixedSettings(settings: LmSettings): Grid {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, { value: v }]));
}

const lmGrid = (preset: PresetName, iterations: number, seeds: number): Grid => ({
  ...fixedSettings(LM_PRESETS[preset]),
  workflow: { values: [...WORKFLOWS] },
  seed: { min: 0, max: seeds - 1 },
  iterations: { value: iterations },
});

/** The attachment of a run that holds its example texts (training chats and samples per iteration). */
export const EXAMPLES = "examples.json";

/** Example texts kept per iteration. */
export const EXAMPLES_PER_ITERATION = 4;

/** Also keys the shared first iterations (lib/lm/first_fit.ts): a new version fits them anew. */
const VERSION = 2;

const lm = defineExperiment({
  name: "lm",
  version: VERSION,
  module: import.meta.url,
  description: "a small transformer fine-tuned on WordNet chats, then on its own samples",
  fields: {
    ...LM_SETTINGS_FIELDS,
    workflow: choice(WORKFLOWS, { doc: "what each iteration fine-tunes on" }),
    seed: seed(),
    iterations: integer({ doc: "model-fitting iterations (the first fine-tunes on the real chats)" }),
  },
  check: checkLmSettings,
  grids: { main: { smoke: lmGrid("smoke", 2, 1), default: lmGrid("default", 5, 1), paper: lmGrid("paper", 10, 3) } },
  // Each run's onnxruntime sessions use every core; parallel workers would also each pre-train the same base.
  maxWorkers: 1,
  // 6 x parameters per trained token and 2 x per scored or sampled token; Accumulate fine-tunes on t x trainPairs
  // chats in iteration t. Pre-training (once per base, cached) is left out.
  cost: (c) => {
    const parameters = 12 * c.nLayers * c.dModel ** 2 + (c.vocabSize + c.contextLength) * c.dModel;
    const t = c.iterations, n = c.trainPairs;
    const trained = c.workflow === "Accumulate" ? (n * t * (t + 1)) / 2 : n * t;
    return c.contextLength * parameters * (6 * trained + 2 * (c.validationPairs * t + n * (t - 1)));
  },
  example: { ...LM_PRESETS.smoke, trainPairs: 32, validationPairs: 16, workflow: "Accumulate", seed: 0, iterations: 2 },
  run: async (c) => {
    const { runLmWorkflow } = await import("./lm_run.ts");
    const { rows, examples } = await runLmWorkflow(c, { examples: EXAMPLES_PER_ITERATION, version: VERSION });
    return { rows: rows.map((r): RunRow => ({ ...c, ...r })), attachments: { [EXAMPLES]: JSON.stringify(examples) } };
  },
});

export default lm;
