/**
 * Sampling chats from an exported model folder (onnxruntime's native CPU
 * runtime, offline), as the original does with vLLM: from an empty prompt
 * (the BOS token only), temperature 1.0, no top-k or top-p, keeping only
 * outputs that start with `user: ` and contain exactly one `assistant: `,
 * until the quota is met. Three engines ({@linkcode SamplingEngine}):
 * transformers.js' `generate`, and two that draw with the project's seeded
 * Rng (categorical.ts): the whole-context forward pass, and the key/value
 * cache (cached_sampler.ts).
 *
 * Tests: lm_test.ts, cached_sampler_test.ts.
 *
 * @module
 */

import { SAMPLING_ENGINES, type SamplingEngine } from "./settings.ts";
import {
  AutoModelForCausalLM,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  random,
  Tensor,
} from "@huggingface/transformers";
import { Rng } from "../numerics/rng.ts";
import { cachedTokens, closeCachedModel, openCachedModel } from "./cached_sampler.ts";
import { drawToken } from "./categorical.ts";
import { assertModelFolder, loadTokenizer, useLocalFolder } from "./tokenizer.ts";

/** Whether a generated text is a well-formed chat: starts with `user: `, exactly one `assistant: `. */
export function keepSample(text: string): boolean {
  return text.startsWith("user: ") && text.split("assistant: ").length === 2;
}

/** A loaded model folder: the causal LM and its tokenizer. */
export interface LoadedLm {
  model: PreTrainedModel;
  tokenizer: PreTrainedTokenizer;
  dir: string;
}

/**
 * What {@linkcode sampleChats} samples from: a model folder and its
 * tokenizer, with the transformers.js model loaded ({@linkcode LoadedLm}); the
 * "cached" engine runs the folder's graph itself and needs no loaded model.
 */
export type SampleSource = Omit<LoadedLm, "model"> & { model?: PreTrainedModel };

/** Loads a model folder written by writeHfFolder, offline; fails clearly when files are missing or corrupt. */
export async function loadHfFolder(dir: string): Promise<LoadedLm> {
  assertModelFolder(dir, ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"]);
  const tokenizer = await loadTokenizer(dir);
  const id = useLocalFolder(dir);
  try {
    const model = await AutoModelForCausalLM.from_pretrained(id, {
      local_files_only: true,
      dtype: "fp32",
      device: "cpu",
    });
    return { model, tokenizer, dir };
  } catch (error) {
    throw new Error(`cannot load the ONNX model in ${dir} (is onnx/model.onnx corrupt?): ${error}`);
  }
}

/** Logits [batch, length, vocab] of the ONNX model for `ids` (rows of equal length), flat. */
export async function onnxLogits(lm: LoadedLm, ids: number[][]): Promise<Float32Array> {
  const flat = BigInt64Array.from(ids.flat().map((v) => BigInt(v)));
  const input_ids = new Tensor("int64", flat, [ids.length, ids[0].length]);
  const num_logits_to_keep = new Tensor("int64", new BigInt64Array(1), []);
  const out = await lm.model({ input_ids, num_logits_to_keep }) as { logits: Tensor };
  return out.logits.data as Float32Array;
}

/** Options of {@linkcode sampleChats}. */
export interface SampleOptions {
  /** Seeds the sampler (transformers.js' Mersenne Twister, or the Rng stream of "forward" and "cached"). */
  seed: number;
  /** Default "generate". */
  engine?: SamplingEngine;
  /** Sequences generated per `generate` call. Default 64. */
  batchSize?: number;
  /** Longest generation, in tokens after BOS. */
  maxNewTokens: number;
  /** Gives up after this many generated sequences. Default 20 x count. */
  maxAttempts?: number;
  /** Called after each batch with (kept, attempted). */
  onBatch?: (kept: number, attempted: number) => void;
  /** "cached" only: onnxruntime intra-op threads (default: every core). */
  threads?: number;
}

/** Kept samples, and how many were generated to get them. */
export interface SampleResult {
  texts: string[];
  attempted: number;
  /** Well-formed sequences among the attempted ones (the kept ones plus any surplus of the last batch). */
  wellFormed: number;
}

/**
 * Generates until `count` samples pass {@linkcode keepSample} (temperature 1,
 * full distribution, BOS-only prompt). Throws when `maxAttempts` sequences did
 * not yield enough well-formed chats.
 */
export async function sampleChats(lm: SampleSource, count: number, options: SampleOptions): Promise<SampleResult> {
  const batchSize = options.batchSize ?? 64;
  const maxAttempts = options.maxAttempts ?? 20 * count;
  const engine = options.engine ?? "generate";
  if (!SAMPLING_ENGINES.includes(engine)) {
    throw new RangeError(`engine must be one of ${SAMPLING_ENGINES.join(", ")}, got ${JSON.stringify(engine)}`);
  }
  const { model } = lm;
  if (engine !== "cached" && !model) throw new RangeError(`engine "${engine}" needs the loaded model (loadHfFolder)`);
  random.seed(options.seed);
  const rng = new Rng(options.seed, "lm-sampling");
  const cached = engine === "cached" ? await openCachedModel(lm.dir, { threads: options.threads }) : undefined;
  const texts: string[] = [];
  let attempted = 0;
  let wellFormed = 0;
  try {
    while (texts.length < count) {
      if (attempted >= maxAttempts) {
        throw new Error(
          `sampling: only ${texts.length} of ${count} samples were well-formed after ${attempted} attempts`,
        );
      }
      const { maxNewTokens } = options;
      const decoded = cached
        ? decodeRows(lm, await cachedTokens(cached, batchSize, { rng, maxNewTokens }))
        : engine === "forward"
        ? await forwardBatch({ ...lm, model: model! }, batchSize, { rng, maxNewTokens })
        : await generateBatch({ ...lm, model: model! }, batchSize, maxNewTokens);
      attempted += batchSize;
      for (const text of decoded) {
        if (!keepSample(text)) continue;
        wellFormed++;
        if (texts.length < count) texts.push(text);
      }
      options.onBatch?.(texts.length, attempted);
    }
  } finally {
    if (cached) await closeCachedModel(cached);
  }
  return { texts, attempted, wellFormed };
}

/** Decodes sampled rows (BOS first, then up to an EOS), dropping the special token. */
function decodeRows(lm: SampleSource, rows: readonly number[][]): string[] {
  return rows.map((ids) => lm.tokenizer.decode(ids, { skip_special_tokens: true }));
}

async function generateBatch(lm: LoadedLm, batchSize: number, maxNewTokens: number): Promise<string[]> {
  const input_ids = new Tensor("int64", new BigInt64Array(batchSize), [batchSize, 1]);
  const output = await lm.model.generate({
    inputs: input_ids,
    do_sample: true,
    temperature: 1.0,
    top_k: 0,
    top_p: 1.0,
    max_new_tokens: maxNewTokens,
    eos_token_id: 0,
    pad_token_id: 0,
    bos_token_id: 0,
  } as Record<string, unknown>) as Tensor;
  // transformers.js keeps sampling rows that already emitted EOS (it stops only when every row
  // has): a sequence ends at its first EOS after the BOS, so cut it there before decoding.
  const [rows, length] = output.dims;
  const data = output.data as BigInt64Array;
  const texts: string[] = [];
  for (let r = 0; r < rows; r++) {
    const ids: number[] = [];
    for (let j = 1; j < length; j++) {
      const id = Number(data[r * length + j]);
      if (id === 0) break;
      ids.push(id);
    }
    // A row whose first token is EOS is an empty text (the tokenizer refuses to decode no tokens).
    texts.push(ids.length === 0 ? "" : lm.tokenizer.decode(ids, { skip_special_tokens: true }));
  }
  return texts;
}

/** Options of {@linkcode forwardTokens} and {@linkcode forwardBatch}. */
export interface ForwardSampleOptions {
  rng: Rng;
  /** New tokens per row at most (after BOS). */
  maxNewTokens: number;
  /** Default 1. */
  temperature?: number;
  /** Called before each step's draws with the rows still active and their logits [rows, vocab]. */
  onStep?: (step: number, rows: readonly number[], logits: Float32Array) => void;
}

/**
 * Samples `batchSize` sequences from BOS with the model's forward pass on the
 * whole context at every step and a seeded categorical draw; returns each
 * row's ids, BOS first, up to and including its EOS (or `maxNewTokens` new).
 */
export async function forwardTokens(
  lm: LoadedLm,
  batchSize: number,
  options: ForwardSampleOptions,
): Promise<number[][]> {
  const rows: number[][] = Array.from({ length: batchSize }, () => [0]);
  let active = rows.map((_, i) => i);
  const keep = new Tensor("int64", BigInt64Array.of(1n), []);
  let scratch = new Float64Array(0);
  for (let step = 0; step < options.maxNewTokens && active.length > 0; step++) {
    const length = rows[active[0]].length;
    const flat = new BigInt64Array(active.length * length);
    active.forEach((r, i) => rows[r].forEach((id, j) => flat[i * length + j] = BigInt(id)));
    const input_ids = new Tensor("int64", flat, [active.length, length]);
    const out = await lm.model({ input_ids, num_logits_to_keep: keep }) as { logits: Tensor };
    const logits = out.logits.data as Float32Array;
    const vocab = logits.length / active.length;
    if (scratch.length !== vocab) scratch = new Float64Array(vocab);
    options.onStep?.(step, active, logits);
    const still: number[] = [];
    active.forEach((r, i) => {
      const token = drawToken(logits, {
        offset: i * vocab,
        vocab,
        rng: options.rng,
        temperature: options.temperature,
        scratch,
      });
      rows[r].push(token);
      if (token !== 0) still.push(r);
    });
    active = still;
  }
  return rows;
}

/** {@linkcode forwardTokens}, decoded (the special token dropped). */
export async function forwardBatch(lm: LoadedLm, batchSize: number, options: ForwardSampleOptions): Promise<string[]> {
  return decodeRows(lm, await forwardTokens(lm, batchSize, options));
}

export { SAMPLING_ENGINES, type SamplingEngine } from "./settings.ts";
