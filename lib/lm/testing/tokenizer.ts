/**
 * A small real tokenizer for the lib/lm tests (300 ids, trained on a slice of
 * Moby-Dick and 200 WordNet chats), written once per process to a temporary
 * folder, and a model folder of random weights around it.
 *
 * @module
 */

import { formatPair, mobyDickText, wordnetPairs } from "../data.ts";
import { writeHfFolder } from "../onnx_export.ts";
import { trainBpe, writeTokenizer } from "../tokenizer.ts";
import type { GptConfig, GptWeights } from "../weights.ts";

/** The vocabulary size of {@linkcode tinyTokenizerDir}'s tokenizer. */
export const TINY_TOKENIZER_VOCAB = 300;

let tokenizerDir: string | undefined;

/** The folder of the test tokenizer (tokenizer.json, tokenizer_config.json). */
export function tinyTokenizerDir(): string {
  if (tokenizerDir) return tokenizerDir;
  tokenizerDir = Deno.makeTempDirSync({ prefix: "lm_tok_" });
  const pairs = wordnetPairs({ maxGlossChars: 60 });
  writeTokenizer(
    tokenizerDir,
    trainBpe([mobyDickText().slice(0, 30_000), ...pairs.slice(0, 200).map(formatPair)], {
      vocabSize: TINY_TOKENIZER_VOCAB,
    }),
  );
  return tokenizerDir;
}

/** Writes a Hugging Face folder of this model (vocabulary {@linkcode TINY_TOKENIZER_VOCAB}) to a fresh temporary folder. */
export function tinyModelFolder(config: GptConfig, weights: GptWeights): string {
  const dir = `${Deno.makeTempDirSync({ prefix: "lm_model_" })}/m`;
  writeHfFolder(dir, { config, weights }, { tokenizerDir: tinyTokenizerDir() });
  return dir;
}
