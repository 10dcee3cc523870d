/**
 * Fixtures the lib/lm tests share: a tiny configuration whose every dimension
 * differs, weights that exercise every path, and batches of mixed lengths.
 *
 * @module
 */

import { Rng } from "../../numerics/rng.ts";
import { type GptConfig, type GptWeights, initWeights } from "../weights.ts";

/** 2 layers, 2 heads of 8, MLP 64, vocabulary 40, context 12. */
export const TINY: GptConfig = { vocabSize: 40, contextLength: 12, dModel: 16, nLayers: 2, nHeads: 2 };

/**
 * Weights whose gains and biases are not 1 and 0 and whose matrices are
 * `scale` times GPT-2's, so every path matters.
 */
export function tinyWeights(seed: number, options: { config?: GptConfig; scale?: number } = {}): GptWeights {
  const weights = initWeights(options.config ?? TINY, new Rng(seed));
  const scale = options.scale ?? 5;
  const rng = new Rng(seed, "perturb");
  for (const w of weights.values()) {
    if (w.shape.length === 1) { for (let i = 0; i < w.values.length; i++) w.values[i] += 0.2 * rng.normal(); }
    else for (let i = 0; i < w.values.length; i++) w.values[i] *= scale;
  }
  return weights;
}

/** Sequences of different lengths (padding and masking matter), the longest filling the context, ids repeating. */
export function tinyBatch(seed: number, options: { rows?: number; config?: GptConfig } = {}): number[][] {
  const config = options.config ?? TINY;
  const rng = new Rng(seed, "batch");
  return Array.from({ length: options.rows ?? 6 }, (_, r) => {
    const length = r === 0 ? config.contextLength + 1 : 2 + rng.int(config.contextLength - 1);
    return Array.from({ length }, () => rng.int(config.vocabSize));
  });
}

/** The Euclidean norm. */
export function norm(a: Float32Array): number {
  let s = 0;
  for (const x of a) s += x * x;
  return Math.sqrt(s);
}

/** The Euclidean norm of a - b. */
export function diffNorm(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** float32's unit roundoff, 2^-24. */
export const UNIT_ROUNDOFF = 2 ** -24;

/**
 * The roundings along the longest chain of the forward pass to one logit:
 * the embedding sum; per block the two LayerNorms (2d + 4 each: the mean's and
 * the variance's d-term sums, then normalize and scale), the qkv, output, fc
 * and proj projections (d + 1, d + 1, d + 1, 4d + 1: a dot product and its
 * bias), a score (head_dim + 2: dot, scale, mask), the softmax (T + 2: its sum
 * over T positions, exp, divide), the attention sum (T), GELU (6) and the two
 * residual adds; the final LayerNorm and the output layer's d-term dot. The
 * classic first-order bound on such a chain is n u times the magnitudes
 * involved (Higham's gamma_n); tests compare against n u times the largest
 * logit of the row, and twice that when both sides carry rounding.
 */
export function forwardRoundings(config: GptConfig): number {
  const { dModel: d, nHeads, nLayers, contextLength: t } = config;
  const perBlock = 2 * (2 * d + 4) + (d + 1) + (d + 1) + (d + 1) + (4 * d + 1) + (d / nHeads + 2) + (t + 2) + t + 6 + 2;
  return 1 + nLayers * perBlock + (2 * d + 4) + d;
}
