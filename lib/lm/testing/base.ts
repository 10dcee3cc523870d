/**
 * A small base model for the tests of the estimator and the shared first
 * iteration: the test tokenizer (testing/tokenizer.ts), GPT-2-initialised
 * weights of a 2-layer, width-32 model, and real WordNet chats, with the
 * settings an estimator reads. Nothing is pre-trained: the tests compare
 * computations, not their quality.
 *
 * @module
 */

import { Rng } from "../../numerics/rng.ts";
import type { BaseModel } from "../base.ts";
import { formatPair, splitPairs, wordnetPairs } from "../data.ts";
import type { LmSettings } from "../settings.ts";
import { loadTokenizer } from "../tokenizer.ts";
import { type GptConfig, initWeights } from "../weights.ts";
import { TINY_TOKENIZER_VOCAB, tinyTokenizerDir } from "./tokenizer.ts";

/** The test base's shape. */
export const TEST_BASE_CONFIG: GptConfig = {
  vocabSize: TINY_TOKENIZER_VOCAB,
  contextLength: 32,
  dModel: 32,
  nLayers: 2,
  nHeads: 4,
};

/** Settings of the test base (the fields the estimator reads are the ones that matter). */
export const TEST_SETTINGS: LmSettings = {
  ...TEST_BASE_CONFIG,
  pretrainChars: 0,
  pretrainEpochs: 1,
  pretrainChats: 0,
  trainPairs: 48,
  validationPairs: 24,
  maxGlossChars: 40,
  fineTuneLearningRate: 5e-3,
  samplingEngine: "cached",
  trainer: "onnxruntime",
  dataSeed: 0,
};

/** The test base (its folder is the tokenizer's, which nothing writes to) and real train and validation chats. */
export async function testBase(): Promise<{ base: BaseModel; train: string[]; validation: string[] }> {
  const tokenizerDir = tinyTokenizerDir();
  const split = splitPairs(wordnetPairs({ maxGlossChars: TEST_SETTINGS.maxGlossChars }), {
    train: TEST_SETTINGS.trainPairs,
    validation: TEST_SETTINGS.validationPairs,
    seed: 5,
  });
  const base: BaseModel = {
    dir: tokenizerDir,
    tokenizerDir,
    tokenizer: await loadTokenizer(tokenizerDir),
    config: TEST_BASE_CONFIG,
    weights: initWeights(TEST_BASE_CONFIG, new Rng(11, "test-base")),
    info: { pretrainLoss: NaN, pretrainSeconds: 0, pretrainTokens: 0, steps: 0 },
  };
  return { base, train: split.train.map(formatPair), validation: split.validation.map(formatPair) };
}
