/**
 * Diversity of a set of texts: the distinct-n ratio (distinct word n-grams over
 * all word n-grams, Li et al. 2016) and the entropy of the token unigram
 * distribution. Both fall as a model collapses onto fewer, repeated outputs.
 *
 * Tests: lm_test.ts.
 *
 * @module
 */

/** Distinct word n-grams / all word n-grams over `texts` (lower-cased, split on white space); NaN when none. */
export function distinctNgramRatio(texts: readonly string[], n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  const seen = new Set<string>();
  let total = 0;
  for (const text of texts) {
    const words = text.toLowerCase().split(/\s+/).filter((w) => w.length > 0);
    for (let i = 0; i + n <= words.length; i++) {
      seen.add(words.slice(i, i + n).join(" "));
      total++;
    }
  }
  return total === 0 ? NaN : seen.size / total;
}

/** Entropy (bits) of the unigram distribution of all token ids in `sequences`; NaN when empty. */
export function tokenEntropy(sequences: readonly (readonly number[])[]): number {
  const counts = new Map<number, number>();
  let total = 0;
  for (const sequence of sequences) {
    for (const id of sequence) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
      total++;
    }
  }
  if (total === 0) return NaN;
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / total;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}
