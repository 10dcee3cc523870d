/**
 * The "cached" sampling engine: the exported inference graph
 * (onnx/inference_graph.ts, in a folder written by `writeHfFolder`) run
 * directly on onnxruntime-node with its key/value cache, a batch of rows at a
 * time. Every row starts at BOS; each step feeds one new token per row and the
 * cache of the previous steps, so a step costs one position instead of the
 * whole prefix (the "forward" engine's). Tokens are drawn with the forward
 * engine's rule and Rng stream (categorical.ts), rows leaving the batch (and
 * the cache) when they emit EOS.
 *
 * The logits equal the forward engine's to float32 rounding, not bit for bit:
 * attention over a cached prefix sums its terms in another order than over
 * the masked full context. A draw flips only when its uniform falls within
 * that rounding of a boundary of the cumulative distribution.
 *
 * Tests: cached_sampler_test.ts.
 *
 * @module
 */

import type { Rng } from "../numerics/rng.ts";
import { drawToken } from "./categorical.ts";
import { createSession, ort, type OrtSession, type OrtTensor, type SessionOptions } from "./onnx/runtime.ts";

/** An exported model opened for cached sampling. */
export interface CachedModel {
  session: OrtSession;
  nLayers: number;
  nHeads: number;
  headDim: number;
  vocabSize: number;
  contextLength: number;
}

/** Opens `<dir>/onnx/model.onnx` of a folder written by `writeHfFolder`; release it with {@linkcode closeCachedModel}. */
export async function openCachedModel(dir: string, options: SessionOptions = {}): Promise<CachedModel> {
  let config: Record<string, number>;
  try {
    config = JSON.parse(Deno.readTextFileSync(`${dir}/config.json`));
  } catch (error) {
    throw new Error(`cannot read ${dir}/config.json: ${error}`);
  }
  const nLayers = config.n_layer, nHeads = config.n_head, dModel = config.n_embd;
  if (![nLayers, nHeads, dModel, config.vocab_size, config.n_positions].every((n) => Number.isInteger(n) && n > 0)) {
    throw new Error(`${dir}/config.json lacks n_layer, n_head, n_embd, vocab_size or n_positions`);
  }
  let session: OrtSession;
  try {
    session = await createSession(`${dir}/onnx/model.onnx`, options);
  } catch (error) {
    throw new Error(`cannot load the ONNX model in ${dir} (is onnx/model.onnx corrupt?): ${error}`);
  }
  if (!session.inputNames.includes("past_key_values.0.key")) {
    await session.release();
    throw new Error(`${dir}/onnx/model.onnx has no key/value cache inputs (past_key_values.*)`);
  }
  return {
    session,
    nLayers,
    nHeads,
    headDim: dModel / nHeads,
    vocabSize: config.vocab_size,
    contextLength: config.n_positions,
  };
}

/** Releases the session of {@linkcode openCachedModel}. */
export async function closeCachedModel(model: CachedModel): Promise<void> {
  await model.session.release();
}

/** Options of {@linkcode cachedTokens}. */
export interface CachedSampleOptions {
  rng: Rng;
  /** New tokens per row at most (after BOS); at most contextLength - 1. */
  maxNewTokens: number;
  /** Default 1. */
  temperature?: number;
  /** Called before each step's draws with the rows still active and their logits [rows, vocab]. */
  onStep?: (step: number, rows: readonly number[], logits: Float32Array) => void;
}

/** Keeps the cache rows `keep` (indices into the current batch) of a [batch, heads, length, dim] tensor. */
function keepRows(tensor: OrtTensor, keep: readonly number[]): OrtTensor {
  const [batch, ...rest] = tensor.dims;
  if (keep.length === batch) return tensor;
  const block = rest.reduce((a, b) => a * b, 1);
  const data = tensor.data as Float32Array;
  const out = new Float32Array(keep.length * block);
  keep.forEach((row, i) => out.set(data.subarray(row * block, (row + 1) * block), i * block));
  return new (ort().Tensor)("float32", out, [keep.length, ...rest]);
}

/**
 * Samples `batchSize` sequences from BOS (id 0) with the cache; returns each
 * row's ids, BOS first, up to and including its EOS (or `maxNewTokens` new).
 */
export async function cachedTokens(
  model: CachedModel,
  batchSize: number,
  options: CachedSampleOptions,
): Promise<number[][]> {
  const { session, nLayers, nHeads, headDim, vocabSize: vocab } = model;
  if (options.maxNewTokens > model.contextLength - 1) {
    throw new RangeError(
      `maxNewTokens ${options.maxNewTokens} exceeds the context length - 1 (${model.contextLength - 1})`,
    );
  }
  const { Tensor } = ort();
  const rows: number[][] = Array.from({ length: batchSize }, () => [0]);
  let active = rows.map((_, i) => i);
  const keep = new Tensor("int64", BigInt64Array.of(1n), []);
  let past: Record<string, OrtTensor> = {};
  for (let l = 0; l < nLayers; l++) {
    for (const kind of ["key", "value"]) {
      past[`past_key_values.${l}.${kind}`] = new Tensor("float32", new Float32Array(0), [
        batchSize,
        nHeads,
        0,
        headDim,
      ]);
    }
  }
  const scratch = new Float64Array(vocab);
  for (let step = 0; step < options.maxNewTokens && active.length > 0; step++) {
    const ids = BigInt64Array.from(active, (r) => BigInt(rows[r].at(-1)!));
    const out = await session.run({
      input_ids: new Tensor("int64", ids, [active.length, 1]),
      num_logits_to_keep: keep,
      ...past,
    });
    const logits = out.logits.data as Float32Array;
    options.onStep?.(step, active, logits);
    const still: number[] = [];
    const kept: number[] = [];
    active.forEach((r, i) => {
      const token = drawToken(logits, {
        offset: i * vocab,
        vocab,
        rng: options.rng,
        temperature: options.temperature,
        scratch,
      });
      rows[r].push(token);
      if (token !== 0) {
        still.push(r);
        kept.push(i);
      }
    });
    active = still;
    past = {};
    for (let l = 0; l < nLayers; l++) {
      for (const kind of ["key", "value"]) {
        past[`past_key_values.${l}.${kind}`] = keepRows(out[`present.${l}.${kind}`], kept);
      }
    }
  }
  return rows;
}
