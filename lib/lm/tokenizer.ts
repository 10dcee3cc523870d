/**
 * A byte-level BPE tokenizer (GPT-2's scheme) trained reproducibly from a
 * corpus, written in Hugging Face `tokenizer.json` format and loaded with
 * `@huggingface/transformers`' AutoTokenizer, offline.
 *
 * Tests: lm_test.ts.
 *
 * @module
 */

import { AutoTokenizer, env, type PreTrainedTokenizer } from "@huggingface/transformers";

/** The one special token: beginning and end of sequence and padding, as in GPT-2. */
export const EOS_TOKEN = "<|endoftext|>";

/** GPT-2's pre-tokenization pattern (what ByteLevel with use_regex applies). */
const PRETOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2's reversible map from bytes to printable characters. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return table;
}

/** Options of {@linkcode trainBpe}. */
export interface TrainBpeOptions {
  /** Final vocabulary size including the 256 byte symbols and the special token. */
  vocabSize: number;
  /** Model length recorded in tokenizer_config.json. Default 64. */
  maxLength?: number;
}

/** A tokenizer in Hugging Face layout: the two JSON files of its folder. */
export interface TokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

/**
 * Trains a byte-level BPE on `texts`: counts pre-tokenized words, then merges
 * the most frequent adjacent pair until the vocabulary is full (ties broken by
 * the pair's text, so the result is deterministic). Id 0 is {@linkcode EOS_TOKEN},
 * ids 1-256 the bytes in order, then one id per merge.
 */
export function trainBpe(texts: readonly string[], options: TrainBpeOptions): TokenizerFiles {
  const { vocabSize } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < 258) {
    throw new RangeError(`vocabSize must be an integer >= 258, got ${vocabSize}`);
  }
  const byteChar = bytesToUnicode();
  const encoder = new TextEncoder();
  const wordCounts = new Map<string, number>();
  for (const text of texts) {
    for (const match of text.matchAll(PRETOKENIZE)) {
      let mapped = "";
      for (const byte of encoder.encode(match[0])) mapped += byteChar[byte];
      wordCounts.set(mapped, (wordCounts.get(mapped) ?? 0) + 1);
    }
  }
  const words = [...wordCounts.entries()].map(([w, count]) => ({ symbols: [...w], count }));
  const pairCounts = new Map<string, number>();
  const pairWords = new Map<string, Set<number>>();
  const SEP = " ";
  const addWord = (index: number, sign: number): void => {
    const { symbols, count } = words[index];
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = symbols[i] + SEP + symbols[i + 1];
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + sign * count);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, set = new Set());
        set.add(index);
      }
    }
  };
  for (let i = 0; i < words.length; i++) addWord(i, 1);

  const vocab: Record<string, number> = { [EOS_TOKEN]: 0 };
  for (let b = 0; b < 256; b++) vocab[byteChar[b]] = b + 1;
  const merges: string[] = [];
  let nextId = 257;
  while (nextId < vocabSize) {
    let best = "";
    let bestCount = 0;
    for (const [key, count] of pairCounts) {
      if (count > bestCount || (count === bestCount && count > 0 && key < best)) {
        best = key;
        bestCount = count;
      }
    }
    if (bestCount <= 0) break;
    const [left, right] = best.split(SEP);
    const merged = left + right;
    merges.push(best);
    vocab[merged] = nextId++;
    for (const index of pairWords.get(best) ?? []) {
      const word = words[index];
      addWord(index, -1);
      const out: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (i + 1 < word.symbols.length && word.symbols[i] === left && word.symbols[i + 1] === right) {
          out.push(merged);
          i++;
        } else out.push(word.symbols[i]);
      }
      word.symbols = out;
      addWord(index, 1);
    }
    pairCounts.delete(best);
    pairWords.delete(best);
  }

  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    tokenizerJson: {
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: [{
        id: 0,
        content: EOS_TOKEN,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      }],
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: { ...byteLevel, trim_offsets: false },
      decoder: byteLevel,
      model: {
        type: "BPE",
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: "",
        end_of_word_suffix: "",
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges,
      },
    },
    tokenizerConfig: {
      tokenizer_class: "GPT2Tokenizer",
      bos_token: EOS_TOKEN,
      eos_token: EOS_TOKEN,
      unk_token: EOS_TOKEN,
      pad_token: EOS_TOKEN,
      add_bos_token: false,
      add_prefix_space: false,
      clean_up_tokenization_spaces: false,
      model_max_length: options.maxLength ?? 64,
    },
  };
}

/** Writes tokenizer.json and tokenizer_config.json into `dir` (created). */
export function writeTokenizer(dir: string, files: TokenizerFiles): void {
  Deno.mkdirSync(dir, { recursive: true });
  Deno.writeTextFileSync(`${dir}/tokenizer.json`, JSON.stringify(files.tokenizerJson));
  Deno.writeTextFileSync(`${dir}/tokenizer_config.json`, JSON.stringify(files.tokenizerConfig, null, 2));
}

/** Checks that `dir` holds the named files as valid JSON, with a clear error otherwise. */
export function assertModelFolder(dir: string, names: readonly string[]): void {
  for (const name of names) {
    const path = `${dir}/${name}`;
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch {
      throw new Error(`model folder ${dir} lacks ${name} (expected ${names.join(", ")})`);
    }
    if (name.endsWith(".json")) {
      try {
        JSON.parse(text);
      } catch (error) {
        throw new Error(`model folder ${dir}: ${name} is not valid JSON (corrupt?): ${error}`);
      }
    }
  }
}

/** Points @huggingface/transformers at local folders only; returns the folder's name as a model id. */
export function useLocalFolder(dir: string): string {
  const clean = dir.replace(/\/+$/, "");
  const slash = clean.lastIndexOf("/");
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = slash < 0 ? "./" : clean.slice(0, slash + 1);
  return slash < 0 ? clean : clean.slice(slash + 1);
}

/** Loads the tokenizer in `dir` with AutoTokenizer, offline; fails clearly on a missing or corrupt folder. */
export async function loadTokenizer(dir: string): Promise<PreTrainedTokenizer> {
  assertModelFolder(dir, ["tokenizer.json", "tokenizer_config.json"]);
  const id = useLocalFolder(dir);
  try {
    return await AutoTokenizer.from_pretrained(id, { local_files_only: true });
  } catch (error) {
    throw new Error(`cannot load the tokenizer in ${dir}: ${error}`);
  }
}

/** Token ids of `text` without special tokens. */
export function encode(tokenizer: PreTrainedTokenizer, text: string): number[] {
  return tokenizer.encode(text, { add_special_tokens: false });
}
