/**
 * The sampling rule every engine of this project that draws its own tokens
 * shares ("forward" and "cached", sample.ts and cached_sampler.ts): one
 * uniform from the project's seeded Rng per row and step, inverted through the
 * cumulative softmax of the row's logits (float64, temperature-scaled,
 * shifted by the row's maximum). Same logits and the same Rng state give the
 * same token.
 *
 * Tests: categorical_test.ts.
 *
 * @module
 */

import type { Rng } from "../numerics/rng.ts";

/** Options of {@linkcode drawToken}. */
export interface DrawOptions {
  /** The row's first logit in `logits`. Default 0. */
  offset?: number;
  /** Logits per row. */
  vocab: number;
  rng: Rng;
  /** Default 1. */
  temperature?: number;
  /** Scratch space of at least `vocab` entries, reused across calls. */
  scratch?: Float64Array;
}

/** Draws one token id from softmax(logits[offset..offset+vocab) / temperature). */
export function drawToken(logits: Float32Array, options: DrawOptions): number {
  const { vocab, rng } = options;
  const offset = options.offset ?? 0;
  const temperature = options.temperature ?? 1;
  const probs = options.scratch ?? new Float64Array(vocab);
  let max = -Infinity;
  for (let v = 0; v < vocab; v++) max = Math.max(max, logits[offset + v]);
  let sum = 0;
  for (let v = 0; v < vocab; v++) sum += probs[v] = Math.exp((logits[offset + v] - max) / temperature);
  let u = rng.random() * sum;
  for (let v = 0; v < vocab; v++) {
    u -= probs[v];
    if (u < 0) return v;
  }
  return vocab - 1;
}
