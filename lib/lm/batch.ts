/**
 * A training batch as both trainers see it: token sequences (each its own
 * inputs and, shifted by one, its next-token targets) right-padded with id 0
 * to a common length, and the mask of the positions whose target counts.
 *
 * Tests: batch_test.ts.
 *
 * @module
 */

import type { GptConfig } from "./weights.ts";

/** A padded batch, row-major [rows, length]. */
export interface PaddedBatch {
  ids: Int32Array;
  targets: Int32Array;
  /** 1 where a target counts, 0 on padding. */
  mask: Float32Array;
  rows: number;
  length: number;
  /** Targets that count: the mask's sum. */
  tokens: number;
}

/**
 * Pads `sequences` with id 0 to a common length (the longest minus one) and
 * masks the padding; fails naming the first bad sequence (not an array, an id
 * outside the vocabulary, too long for the context, nothing to predict).
 */
export function padBatch(
  sequences: readonly (readonly number[])[],
  config: Pick<GptConfig, "vocabSize" | "contextLength">,
): PaddedBatch {
  if (!Array.isArray(sequences) || sequences.length === 0) throw new RangeError("a batch needs at least one sequence");
  let longest = 0;
  sequences.forEach((s, row) => {
    if (!Array.isArray(s)) throw new TypeError(`sequence ${row} is not an array of token ids`);
    for (const id of s) {
      if (!Number.isInteger(id) || id < 0 || id >= config.vocabSize) {
        throw new RangeError(`sequence ${row} holds token id ${id}, outside 0..${config.vocabSize - 1}`);
      }
    }
    longest = Math.max(longest, s.length);
  });
  const length = longest - 1;
  if (length < 1) throw new RangeError("every sequence is shorter than 2 tokens: no next-token target to train on");
  if (length > config.contextLength) {
    throw new RangeError(
      `a sequence of ${longest} tokens gives ${length} positions, more than the context length ${config.contextLength}`,
    );
  }
  const rows = sequences.length;
  const ids = new Int32Array(rows * length);
  const targets = new Int32Array(rows * length);
  const mask = new Float32Array(rows * length);
  let tokens = 0;
  sequences.forEach((s, row) => {
    for (let i = 0; i + 1 < s.length; i++) {
      ids[row * length + i] = s[i];
      targets[row * length + i] = s[i + 1];
      mask[row * length + i] = 1;
      tokens++;
    }
  });
  return { ids, targets, mask, rows, length, tokens };
}
