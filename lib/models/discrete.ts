/**
 * Discrete distributions (paper section 6; original notebook 13): a k-sided
 * die, fitted by the empirical proportions of its rolls. Data are outcome
 * counts (sparse: only outcomes that occurred), so a sample of n rolls costs
 * time in the number of distinct outcomes rather than in n: multinomial draws
 * are sequential conditional binomials, each binomial exact (inversion for
 * small means, Knuth's beta splitting for large ones).
 *
 * @module
 */

import { nativeKernels } from "../numerics/native/mod.ts";
import type { Rng } from "../numerics/rng.ts";
import { sampleDiscrete } from "./multinomial.ts";

export { binomial, sampleDiscrete } from "./multinomial.ts";
import type { Accumulator, DataOps, DataPool, Estimator } from "./estimator.ts";

/** Rolls of a k-sided die as counts: only outcomes that occurred, ascending. */
export interface Counts {
  /** k, the number of sides; outcomes are 0..k-1. */
  readonly sides: number;
  /** Distinct outcomes with a positive count, ascending. */
  readonly outcomes: Int32Array;
  /** The count of each outcome in `outcomes`. */
  readonly counts: Float64Array;
  /** The number of rolls, the sum of `counts`. */
  readonly total: number;
}

/** A fitted die: the empirical proportions counts / total (the fit keeps the counts). */
export type DiscreteModel = Counts;

/** Checks that `value` is an integer >= 1, naming `field` otherwise. */
export function assertPositiveInteger(value: unknown, field: string): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${field} must be an integer >= 1, got ${JSON.stringify(value)}`);
  }
}

/** Counts from a list of rolls (each in 0..sides-1). */
export function countRolls(sides: number, rolls: ArrayLike<number>): Counts {
  assertPositiveInteger(sides, "sides");
  const sorted = Int32Array.from(rolls).sort();
  const outcomes: number[] = [], counts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i];
    if (!(v >= 0 && v < sides)) throw new RangeError(`roll ${v} is outside 0..${sides - 1}`);
    if (i > 0 && sorted[i - 1] === v) counts[counts.length - 1]++;
    else {
      outcomes.push(v);
      counts.push(1);
    }
  }
  return { sides, outcomes: Int32Array.from(outcomes), counts: Float64Array.from(counts), total: sorted.length };
}

/** Options of {@linkcode rollFairDie}. */
export interface FairDieOptions {
  /** k, the number of sides. */
  sides: number;
  /** How many rolls. */
  count: number;
}

/** `count` rolls of a fair k-sided die. */
export function rollFairDie(rng: Rng, options: FairDieOptions): Counts {
  const { sides, count } = options;
  assertPositiveInteger(sides, "sides");
  assertPositiveInteger(count, "count");
  const rolls = new Int32Array(count);
  for (let i = 0; i < count; i++) rolls[i] = rng.int(sides);
  return countRolls(sides, rolls);
}

/** Sparse counts from a dense tally (index = outcome). */
function fromTally(tally: Float64Array, total: number): Counts {
  let nonZero = 0;
  for (let i = 0; i < tally.length; i++) if (tally[i] > 0) nonZero++;
  const outcomes = new Int32Array(nonZero), counts = new Float64Array(nonZero);
  for (let i = 0, j = 0; i < tally.length; i++) {
    if (tally[i] > 0) {
      outcomes[j] = i;
      counts[j++] = tally[i];
    }
  }
  return { sides: tally.length, outcomes, counts, total };
}

/** The empirical proportions of the counts (the maximum-likelihood fit). */
export function fitDiscrete(data: Counts): DiscreteModel {
  if (!(data.total > 0)) throw new RangeError("fitDiscrete needs at least one roll");
  return data;
}

/** The Shannon entropy -sum p ln p of the fitted proportions, in nats. */
export function entropy(model: DiscreteModel): number {
  let h = 0;
  const { counts, total } = model;
  // Many outcomes share a small count: each small count's term p ln p is computed once (the same value, added in
  // the same order, so the same sum), which spares most of the logarithms of a die with 1e5 faces.
  const terms = counts.length > TERM_CACHE ? termCache.fill(NaN) : undefined;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (terms && c < TERM_CACHE && (c | 0) === c) {
      let term = terms[c];
      if (term !== term) {
        const p = c / total;
        term = terms[c] = p > 0 ? p * Math.log(p) : 0;
      }
      if (c > 0) h -= term;
      continue;
    }
    const p = c / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}

const TERM_CACHE = 64;
const termCache = new Float64Array(TERM_CACHE);

/** The entropy of a list of probabilities (zeros allowed), in nats. */
export function entropyOf(probabilities: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    if (p < 0) throw new RangeError(`probability ${i} is negative: ${p}`);
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}

/** The counts of two samples of one die together. */
export function mergeCounts(a: Counts, b: Counts): Counts {
  if (a.sides !== b.sides) throw new RangeError(`cannot merge dice of ${a.sides} and ${b.sides} sides`);
  const outcomes = new Int32Array(a.outcomes.length + b.outcomes.length);
  const counts = new Float64Array(outcomes.length);
  let i = 0, j = 0, k = 0;
  while (i < a.outcomes.length || j < b.outcomes.length) {
    const va = i < a.outcomes.length ? a.outcomes[i] : Infinity;
    const vb = j < b.outcomes.length ? b.outcomes[j] : Infinity;
    if (va === vb) {
      outcomes[k] = va;
      counts[k++] = a.counts[i++] + b.counts[j++];
    } else if (va < vb) {
      outcomes[k] = va;
      counts[k++] = a.counts[i++];
    } else {
      outcomes[k] = vb;
      counts[k++] = b.counts[j++];
    }
  }
  return { sides: a.sides, outcomes: outcomes.slice(0, k), counts: counts.slice(0, k), total: a.total + b.total };
}

/**
 * A pool of batches of rolls. Within a batch the rolls are laid out in outcome
 * order (a batch is exchangeable, so a uniform subset of positions is a uniform
 * subset of its rolls): the pool is a sequence of runs, run r holding the
 * positions up to its end `runEnds[r]` (from the previous run's end), every
 * one a roll of `runOutcomes[r]`. A selection marks its positions in a bit set,
 * scans it in increasing order and finds each position's run by galloping
 * forward from the last: in C where the native kernels are available (integer
 * counting: the same tally), else here.
 */
let selectBits = new Int32Array(1024);

class CountsPool implements DataPool<Counts> {
  #runEnds = new Float64Array(64);
  #runOutcomes = new Int32Array(64);
  #runs = 0;
  #rolls: Int32Array | undefined;
  #size = 0;
  #sides = 0;
  #merged: Counts | undefined;
  #unmerged: Counts[] = [];

  get size(): number {
    return this.#size;
  }

  append(data: Counts): void {
    if (this.#sides === 0) this.#sides = data.sides;
    if (data.sides !== this.#sides) {
      throw new RangeError(`pool holds a ${this.#sides}-sided die, got rolls of ${data.sides} sides`);
    }
    const m = data.counts.length;
    if (this.#runs + m > this.#runEnds.length) {
      const capacity = Math.max(this.#runs + m, 2 * this.#runEnds.length);
      const ends = new Float64Array(capacity), outcomes = new Int32Array(capacity);
      ends.set(this.#runEnds.subarray(0, this.#runs));
      outcomes.set(this.#runOutcomes.subarray(0, this.#runs));
      this.#runEnds = ends;
      this.#runOutcomes = outcomes;
    }
    let end = this.#size;
    for (let i = 0; i < m; i++) {
      this.#runEnds[this.#runs + i] = end += data.counts[i];
      this.#runOutcomes[this.#runs + i] = data.outcomes[i];
    }
    this.#runs += m;
    // Short runs (a die with more faces than rolls per batch): every position's roll is kept too, 4 bytes each,
    // so a selection looks each up in increasing order instead of searching ends that miss the cache.
    if (this.#rolls || (this.#size === 0 && m > data.total / 4 && nativeKernels())) {
      const needed = this.#size + data.total;
      if (!this.#rolls || this.#rolls.length < needed) {
        const grown = new Int32Array(Math.max(needed, 2 * (this.#rolls?.length ?? 0)));
        if (this.#rolls) grown.set(this.#rolls.subarray(0, this.#size));
        this.#rolls = grown;
      }
      for (let i = 0, p = this.#size; i < m; i++) this.#rolls.fill(data.outcomes[i], p, p += data.counts[i]);
    }
    this.#size += data.total;
    this.#unmerged.push(data);
  }

  select(indices: Int32Array): Counts {
    const size = this.#size;
    // A reused bit set, left all zero after each call (a fresh one of a pool of 1e7 costs a 1.25 MB calloc).
    const words = (size + 31) >>> 5;
    if (selectBits.length < words) selectBits = new Int32Array(Math.max(words, 2 * selectBits.length));
    const tally = new Float64Array(this.#sides);
    const native = nativeKernels();
    const ends = this.#runEnds.subarray(0, this.#runs), outcomes = this.#runOutcomes.subarray(0, this.#runs);
    const done = native && this.#rolls
      ? native.poolTallyRolls(indices, { size, bits: selectBits, rolls: this.#rolls, tally })
      : native
      ? native.poolTally(indices, { size, bits: selectBits, ends, outcomes, tally })
      : poolTally(indices, { size, bits: selectBits, ends, outcomes, tally });
    if (!done) {
      for (const index of indices) {
        if (!(index >= 0 && index < size)) throw new RangeError(`position ${index} is outside the pool of ${size}`);
      }
      return this.#selectRepeated(indices);
    }
    return fromTally(tally, indices.length);
  }

  /** {@linkcode select} of positions that may repeat (each occurrence counts). */
  #selectRepeated(indices: Int32Array): Counts {
    const sorted = Int32Array.from(indices).sort();
    const tally = new Float64Array(this.#sides);
    let run = 0;
    for (let k = 0; k < sorted.length; k++) {
      while (this.#runEnds[run] <= sorted[k]) run++;
      tally[this.#runOutcomes[run]]++;
    }
    return fromTally(tally, sorted.length);
  }

  all(): Counts {
    // Merged when asked for (Accumulate-Subsample never asks): counts add exactly, in any grouping.
    for (const data of this.#unmerged) this.#merged = this.#merged ? mergeCounts(this.#merged, data) : data;
    this.#unmerged = [];
    if (!this.#merged) throw new RangeError("the pool is empty");
    return this.#merged;
  }
}

/**
 * Adds to `tally` the outcome of each of the distinct positions `indices` of a
 * pool laid out as runs (see CountsPool), through the all-zero bit set `bits`
 * (left all zero); false, counting nothing, when a position repeats or is
 * outside the pool. pool_tally in kernels.c is the same loop.
 */
export function poolTally(
  indices: Int32Array,
  options: { size: number; bits: Int32Array; ends: Float64Array; outcomes: Int32Array; tally: Float64Array },
): boolean {
  const { size, bits, ends, outcomes, tally } = options;
  const words = (size + 31) >>> 5;
  for (let k = 0; k < indices.length; k++) {
    const index = indices[k];
    const mask = 1 << (index & 31);
    if (!(index >= 0 && index < size) || (bits[index >>> 5] & mask) !== 0) {
      bits.fill(0, 0, words);
      return false;
    }
    bits[index >>> 5] |= mask;
  }
  let a = 0;
  for (let w = 0; w < words; w++) {
    const set = bits[w];
    if (set === 0) continue;
    bits[w] = 0;
    for (let word = set; word !== 0; word &= word - 1) {
      const index = (w << 5) + (31 - Math.clz32(word & -word));
      // The first run ending after index, at or after the last one found: gallop forward, then bisect.
      if (ends[a] <= index) {
        let step = 1, b = a + 1;
        while (b < ends.length && ends[b] <= index) {
          a = b;
          step *= 2;
          b = a + step;
        }
        let high = Math.min(b, ends.length - 1);
        a++;
        while (a < high) {
          const mid = (a + high) >> 1;
          if (ends[mid] > index) high = mid;
          else a = mid + 1;
        }
      }
      tally[outcomes[a]]++;
    }
  }
  return true;
}

/** Data operations for counts: a sample's size is its number of rolls. */
export const countsOps: DataOps<Counts> = {
  size: (data: Counts): number => data.total,
  pool: (): DataPool<Counts> => new CountsPool(),
};

/** Running counts for Accumulate: each batch merges into the total, O(distinct outcomes). */
export class CountsAccumulator implements Accumulator<Counts, DiscreteModel> {
  #merged: Counts | undefined;

  /** Rolls added so far. */
  get count(): number {
    return this.#merged?.total ?? 0;
  }

  add(data: Counts): void {
    if (data.total === 0) return;
    this.#merged = this.#merged ? mergeCounts(this.#merged, data) : data;
  }

  fit(): DiscreteModel {
    if (!this.#merged) throw new RangeError("CountsAccumulator has no data yet");
    return fitDiscrete(this.#merged);
  }
}

/**
 * The die estimator: fit = empirical proportions, sample = multinomial rolls
 * of the fit, evaluate = entropy (nats), entropy as a fraction of the fair
 * die's ln k (0 when k = 1, whose entropy is 0), the number of outcomes still
 * possible, and the collision probability sum p^2.
 */
export function discreteEstimator(sides: number): Estimator<Counts, DiscreteModel> {
  assertPositiveInteger(sides, "sides");
  const initial = Math.log(sides);
  return {
    ops: countsOps,
    fit: fitDiscrete,
    sample: sampleDiscrete,
    accumulator: () => new CountsAccumulator(),
    evaluate: (model: DiscreteModel): Record<string, number> => {
      const h = entropy(model);
      let collision = 0;
      for (let i = 0; i < model.counts.length; i++) collision += (model.counts[i] / model.total) ** 2;
      return {
        entropy: h,
        entropyFraction: sides > 1 ? h / initial : 0,
        support: model.outcomes.length,
        collision,
      };
    },
  };
}
