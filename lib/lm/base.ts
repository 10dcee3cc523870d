/**
 * The language model's data and its pre-trained base: the fixed, seeded split
 * of WordNet chats, and a small GPT pre-trained once on Moby-Dick (tokenizer
 * trained on Moby-Dick plus the real training chats), cached under
 * `.cache/lm/base-<hash of what shapes it>/` and shared by every run, process
 * and experiment with the same settings.
 *
 * Tests: lib/experiments/lm_test.ts, estimator_test.ts.
 *
 * @module
 */

import "./worker_location.ts"; // first: before any module that loads transformers.js
import { fnv1a64 } from "../numerics/hash.ts";
import { Rng } from "../numerics/rng.ts";
import { Progress } from "../util/progress.ts";
import { cachedFolder } from "./cache.ts";
import { type ChatPair, formatPair, mobyDickText, splitPairs, wordnetPairs } from "./data.ts";
import { type LmSettings, PRETRAIN_DEFAULTS, TRAINER_IDENTITY } from "./settings.ts";
import { createTrainer } from "./trainer.ts";
import { encode, loadTokenizer, trainBpe, writeTokenizer } from "./tokenizer.ts";
import { type GptConfig, type GptWeights, initWeights, loadWeights, saveWeights } from "./weights.ts";
import type { PreTrainedTokenizer } from "@huggingface/transformers";

/** The shared cache folder: `COLLAPSE_LM_CACHE`, else `.cache/lm/` in the project. */
export function lmCacheDir(): string {
  return Deno.env.get("COLLAPSE_LM_CACHE") ?? new URL("../../.cache/lm", import.meta.url).pathname;
}

/** The real data of a preset: train/validation chats (formatted) and their pairs. */
export interface LmData {
  train: string[];
  validation: string[];
  trainPairs: ChatPair[];
  /** Chats mixed into pre-training (see {@linkcode LmSettings.pretrainChats}). */
  pretrain: string[];
  /**
   * The real chats in none of the above (nor equal to one of them), in a
   * fixed order: where the "Fresh" workflow draws its fresh real data.
   */
  unseen: string[];
}

/** The fixed, seeded split of WordNet chats for these settings. */
export function lmData(settings: LmSettings): LmData {
  const pairs = wordnetPairs({ maxGlossChars: settings.maxGlossChars });
  // The draw's prefix does not depend on its length, so extra pre-training chats
  // leave the train/validation split unchanged.
  const split = splitPairs(pairs, {
    train: settings.trainPairs,
    validation: settings.validationPairs + settings.pretrainChats,
    seed: settings.dataSeed,
  });
  const validation = split.validation.slice(0, settings.validationPairs);
  const data = {
    train: split.train.map(formatPair),
    validation: validation.map(formatPair),
    trainPairs: split.train,
    pretrain: split.validation.slice(settings.validationPairs).map(formatPair),
  };
  // Two pairs may format to the same chat: a fresh chat must differ from every chat a model has seen or is scored on.
  const seen = new Set([...data.train, ...data.validation, ...data.pretrain]);
  return { ...data, unseen: split.rest.map(formatPair).filter((chat) => !seen.has(chat)) };
}

/** The pre-trained base: its folder, tokenizer, shape and weights. */
export interface BaseModel {
  dir: string;
  tokenizerDir: string;
  tokenizer: PreTrainedTokenizer;
  config: GptConfig;
  weights: GptWeights;
  /** Mean token loss of the last pre-training epoch, and its wall time. */
  info: { pretrainLoss: number; pretrainSeconds: number; pretrainTokens: number; steps: number };
}

/** [BOS] tokens [EOS] of each text, cut to contextLength + 1 tokens. */
export function toSequences(
  tokenizer: PreTrainedTokenizer,
  texts: readonly string[],
  options: { contextLength: number },
): number[][] {
  const { contextLength } = options;
  return texts.map((t) => [0, ...encode(tokenizer, t), 0].slice(0, contextLength + 1));
}

/** The settings that shape the base (and so name its cache folder). */
const BASE_KEYS = [
  "vocabSize",
  "contextLength",
  "dModel",
  "nLayers",
  "nHeads",
  "pretrainChars",
  "pretrainEpochs",
  "pretrainChats",
  "trainPairs",
  "validationPairs",
  "maxGlossChars",
  "dataSeed",
] as const;

/** The transformer's shape in these settings. */
export function gptConfig(settings: LmSettings): GptConfig {
  const { vocabSize, contextLength, dModel, nLayers, nHeads } = settings;
  return { vocabSize, contextLength, dModel, nLayers, nHeads };
}

/** The cache folder of the base model of these settings: `<cacheDir>/base-<hash of what shapes the base>`. */
export function baseDir(settings: LmSettings, options: { cacheDir?: string } = {}): string {
  // The trainer is part of the identity: a base pre-trained by another one is not reused.
  const identity = JSON.stringify({
    trainer: trainerIdentity(settings),
    ...Object.fromEntries(BASE_KEYS.map((k) => [k, settings[k]])),
  });
  return `${options.cacheDir ?? lmCacheDir()}/base-${fnv1a64(identity + JSON.stringify(PRETRAIN_DEFAULTS))}`;
}

/** The cache identity of the settings' trainer (onnxruntime when the settings name none). */
export function trainerIdentity(settings: LmSettings): string {
  return TRAINER_IDENTITY[settings.trainer ?? "onnxruntime"];
}

/**
 * The base model of these settings, from the cache, or built and cached
 * (safe to call from several processes at once: see lib/lm/cache.ts).
 */
export function prepareBase(
  settings: LmSettings,
  data: LmData,
  options: { cacheDir?: string } = {},
): Promise<BaseModel> {
  const dir = baseDir(settings, options);
  const config = gptConfig(settings);
  // Loaded once per process while its folder stands: a worker runs many runs of one base.
  const known = loaded.get(dir);
  if (known && isFile(`${dir}/base.json`)) return Promise.resolve(known);
  return cachedFolder(dir, {
    marker: "base.json",
    build: (folder) => buildBase(folder, { settings, data, config }),
    load: async (path) => {
      const tokenizerDir = `${path}/tokenizer`;
      const { info } = JSON.parse(Deno.readTextFileSync(`${path}/base.json`));
      console.log(
        `base model: ${info.pretrainSeconds.toFixed(0)} s of pre-training, loss ${info.pretrainLoss.toFixed(3)}`,
      );
      const base: BaseModel = {
        dir: path,
        tokenizerDir,
        tokenizer: await loadTokenizer(tokenizerDir),
        config,
        weights: loadWeights(path),
        info,
      };
      loaded.set(dir, base);
      return base;
    },
  });
}

const loaded = new Map<string, BaseModel>();

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

async function buildBase(
  folder: string,
  context: { settings: LmSettings; data: LmData; config: GptConfig },
): Promise<void> {
  const { settings, data, config } = context;
  const moby = mobyDickText();
  const corpus = settings.pretrainChars > 0 ? moby.slice(0, settings.pretrainChars) : moby;
  writeTokenizer(
    `${folder}/tokenizer`,
    trainBpe([corpus, ...data.train, ...data.pretrain], { vocabSize: settings.vocabSize }),
  );
  const tokenizer = await loadTokenizer(`${folder}/tokenizer`);
  const ids: number[] = [];
  for (const paragraph of corpus.split(/\n\s*\n/)) {
    if (paragraph.trim().length === 0) continue;
    ids.push(...encode(tokenizer, paragraph.trim() + "\n\n"));
  }
  const chunk = settings.contextLength + 1;
  const sequences: number[][] = [];
  for (let i = 0; i + chunk <= ids.length; i += settings.contextLength) sequences.push(ids.slice(i, i + chunk));
  sequences.push(...toSequences(tokenizer, data.pretrain, { contextLength: settings.contextLength }));
  const model = await createTrainer(config, initWeights(config, new Rng(settings.dataSeed, "lm-init")), {
    trainer: settings.trainer,
  });
  const rng = new Rng(settings.dataSeed, "lm-pretrain");
  const started = performance.now();
  let loss = NaN;
  let steps = 0;
  for (let epoch = 0; epoch < settings.pretrainEpochs; epoch++) {
    const progress = new Progress(`pre-training on Moby-Dick, epoch ${epoch + 1}`, Math.ceil(sequences.length / 16));
    loss = await model.trainEpoch(sequences, rng, {
      ...PRETRAIN_DEFAULTS,
      onStep: () => {
        steps++;
        progress.tick();
      },
    });
  }
  const weights: GptWeights = model.weights();
  model.dispose();
  const info = {
    pretrainLoss: loss,
    pretrainSeconds: (performance.now() - started) / 1000,
    pretrainTokens: sequences.length * settings.contextLength,
    steps,
  };
  saveWeights(folder, weights);
  Deno.writeTextFileSync(
    `${folder}/base.json`,
    JSON.stringify({ trainer: trainerIdentity(settings), settings, config, info }, null, 2),
  );
}
