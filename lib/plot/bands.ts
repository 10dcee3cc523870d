/**
 * The statistics behind every line chart: per-seed rows aggregated into one point per (group, x),
 * the mean over seeds and a 95% interval of that mean.
 *
 * @module
 */

import { tQuantile } from "../numerics/quantiles.ts";
import { nativeGenerator, Rng } from "../numerics/rng.ts";

/**
 * One aggregated point: the grouping fields of {@linkcode meanWithBand} (under their own names) plus
 * `x`, the mean over seeds, the 95% interval `[lo, hi]` (NaN when there is none: fewer than
 * {@linkcode MIN_SEEDS_FOR_INTERVAL} seeds), the sample standard deviation `sd` and the number of
 * seeds `k`.
 */
export type BandRow = {
  x: number;
  mean: number;
  lo: number;
  hi: number;
  sd: number;
  k: number;
  [field: string]: string | number;
};

/**
 * How {@linkcode meanWithBand} computes the 95% interval of the mean over the k seeds of a point:
 * - `"bootstrap"`: the percentile bootstrap interval (see {@linkcode MeanWithBandOptions.interval}).
 * - `"t"`: mean ± t(0.975, k − 1) · sd/√k, exact for normally distributed per-seed values.
 * - `"normal"`: mean ± 1.96 · sd/√k, the large-k form of `"t"` (narrower for few seeds).
 */
export type IntervalMethod = "bootstrap" | "t" | "normal";

/** Below this many seeds a point gets no interval: lo = hi = NaN, and charts draw no band there. */
export const MIN_SEEDS_FOR_INTERVAL = 3;

/** The seed of every bootstrap (each point's stream is keyed by its group and x). */
export const BOOTSTRAP_SEED = 241016713;

/** Options of {@linkcode meanWithBand}. */
export type MeanWithBandOptions<T> = {
  /** The x field: a finite number. */
  x: keyof T & string;
  /** The per-seed value; rows where it is not a number or is NaN are skipped. */
  y: keyof T & string;
  /** The fields one line of a chart is keyed by (e.g. workflow and n). */
  groupBy: readonly (keyof T & string)[];
  /**
   * Default `"bootstrap"`: the 95% percentile bootstrap interval of the mean, which is what the
   * paper's figures drew (seaborn's `lineplot`, `errorbar=("ci", 95)`, `n_boot=1000`):
   * `resamples` means of k values drawn with replacement from the k seeds' values, and their
   * 2.5% and 97.5% percentiles (linear interpolation, numpy's default). Each point's resamples
   * come from an {@linkcode Rng} seeded with {@linkcode BOOTSTRAP_SEED} and keyed by the point's
   * group and x, drawn from its values in sorted order, so a figure is the same at every render
   * whatever order the rows come in. A percentile interval of the mean never
   * leaves [min, max] of the values: a positive metric never gets a band below zero, on a log axis
   * or not. Like the others it undercovers strongly skewed values with few seeds (see
   * bands_test.ts for measured coverages).
   */
  interval?: IntervalMethod;
  /** Bootstrap resamples per point. Default 1000 (the paper's `n_boot`). */
  resamples?: number;
};

const RESERVED_BAND_FIELDS = ["x", "mean", "lo", "hi", "sd", "k"];
const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_32 = 1 / TWO_POW_32;

/**
 * Aggregates per-seed rows into one {@linkcode BandRow} per (groupBy values, x): the mean over seeds,
 * the sample standard deviation sd (divisor k − 1; 0 for one seed) and a 95% interval of the mean
 * by the method of {@linkcode MeanWithBandOptions.interval} (default: percentile bootstrap). With
 * fewer than {@linkcode MIN_SEEDS_FOR_INTERVAL} seeds, lo = hi = NaN (no interval).
 *
 * Rows whose y is not a number or is NaN are skipped (a group with none left is dropped); ±Infinity
 * is kept, so the mean of such a group is infinite (lo = hi = mean; charts drop non-finite means).
 * x must be a finite number. The output is ordered by first appearance of each group, then by
 * ascending x.
 *
 * @example
 * ```ts
 * meanWithBand(
 *   [{ workflow: "Replace", n: 10, t: 1, seed: 0, trace: 0.9 }, ...],
 *   { x: "t", y: "trace", groupBy: ["workflow", "n"] },
 * ); // [{ workflow: "Replace", n: 10, x: 1, mean, lo, hi, sd, k }, ...]
 * ```
 */
export function meanWithBand<T extends object>(
  rows: readonly T[],
  options: MeanWithBandOptions<T>,
): BandRow[] {
  const { x, y, groupBy } = options;
  const method = options.interval ?? "bootstrap";
  const resamples = options.resamples ?? 1000;
  if (!["bootstrap", "t", "normal"].includes(method)) {
    throw new Error(`meanWithBand: interval must be "bootstrap", "t" or "normal", got ${String(method)}`);
  }
  if (!Number.isSafeInteger(resamples) || resamples < 2) {
    throw new Error(`meanWithBand: resamples must be an integer >= 2, got ${resamples}`);
  }
  for (const g of groupBy) {
    if (RESERVED_BAND_FIELDS.includes(g)) {
      throw new Error(
        `meanWithBand: groupBy field "${g}" collides with an output field (${RESERVED_BAND_FIELDS.join(", ")})`,
      );
    }
  }
  type Acc = { id: string; keys: (string | number)[]; byX: Map<number, number[]> };
  const groups = new Map<string, Acc>();
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    const xv = r[x];
    if (typeof xv !== "number" || !Number.isFinite(xv)) {
      throw new Error(`meanWithBand: x field "${x}" must be a finite number, got ${String(xv)}`);
    }
    const yv = r[y];
    if (typeof yv !== "number" || Number.isNaN(yv)) continue;
    const keys = groupBy.map((g) => {
      const v = r[g];
      return typeof v === "number" || typeof v === "string" ? v : String(v);
    });
    const id = JSON.stringify(keys);
    let acc = groups.get(id);
    if (acc === undefined) {
      acc = { id, keys, byX: new Map() };
      groups.set(id, acc);
    }
    let ys = acc.byX.get(xv);
    if (ys === undefined) {
      ys = [];
      acc.byX.set(xv, ys);
    }
    ys.push(yv);
  }
  const bootstrap = method === "bootstrap" ? new Bootstrap(resamples) : undefined;
  const out: BandRow[] = [];
  for (const { id, keys, byX } of groups.values()) {
    const xs = [...byX.keys()].sort((a, b) => a - b);
    for (const xv of xs) {
      const ys = byX.get(xv) as number[];
      const k = ys.length;
      let sum = 0;
      for (const v of ys) sum += v;
      const mean = sum / k;
      let ss = 0;
      if (k > 1 && Number.isFinite(mean)) {
        for (const v of ys) ss += (v - mean) * (v - mean);
      }
      const sd = k > 1 && Number.isFinite(mean) ? Math.sqrt(ss / (k - 1)) : 0;
      let lo = NaN;
      let hi = NaN;
      if (!Number.isFinite(mean)) {
        lo = hi = mean;
      } else if (k >= MIN_SEEDS_FOR_INTERVAL) {
        if (bootstrap !== undefined) {
          [lo, hi] = bootstrap.interval(ys, new Rng(BOOTSTRAP_SEED, id, xv));
        } else {
          const half = (method === "t" ? tQuantile(0.975, k - 1) : 1.96) * sd / Math.sqrt(k);
          lo = mean - half;
          hi = mean + half;
        }
      }
      const row: BandRow = { x: xv, mean, lo, hi, sd, k };
      groupBy.forEach((g, i) => (row[g] = keys[i]));
      out.push(row);
    }
  }
  return out;
}

/** The 95% percentile bootstrap interval of a mean, with buffers reused from point to point. */
class Bootstrap {
  #means: Float64Array;
  #values = new Float64Array(64);

  constructor(resamples: number) {
    this.#means = new Float64Array(resamples);
  }

  /** [2.5%, 97.5%] percentiles of the means of `means.length` resamples of `ys` (finite, k >= 1). */
  interval(ys: readonly number[], rng: Rng): [number, number] {
    const k = ys.length;
    if (this.#values.length < k) this.#values = new Float64Array(2 * k);
    // Sorted, so that the interval does not depend on the order the seeds' rows came in.
    const values = this.#values.subarray(0, k);
    for (let i = 0; i < k; i++) values[i] = ys[i];
    values.sort();
    const min = values[0];
    const max = values[k - 1];
    const means = this.#means;
    const native = nativeGenerator();
    if (native) native.rng.bootstrapMeans(rng.stateWords(), values, means);
    else resampleMeans(values, rng, means);
    means.sort();
    // The rounding of a sum can put a mean of equal values one ulp outside them.
    const clamp = (v: number): number => Math.min(max, Math.max(min, v));
    return [clamp(percentile(means, 0.025)), clamp(percentile(means, 0.975))];
  }
}

/**
 * The means of `means.length` resamples of `values` with replacement, drawn
 * from `rng` (the native generator's bootstrapMeans draws the same, in C).
 */
export function resampleMeans(values: Float64Array, rng: Rng, means: Float64Array): void {
  const k = values.length;
  const b = means.length;
  // Lemire's multiply-and-reject: an unbiased index in [0, k) from 16 random bits (two per
  // 32-bit word, as the generator's call dominates the cost), in integer arithmetic.
  if (k <= 65536) {
    const threshold = 65536 % k;
    let spare = -1;
    for (let r = 0; r < b; r++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        let m: number;
        do {
          let h: number;
          if (spare >= 0) {
            h = spare;
            spare = -1;
          } else {
            const u = rng.nextUint32();
            h = u >>> 16;
            spare = u & 0xffff;
          }
          m = h * k;
        } while ((m & 0xffff) < threshold);
        sum += values[m >>> 16];
      }
      means[r] = sum / k;
    }
  } else {
    const threshold = (TWO_POW_32 - k) % k;
    for (let r = 0; r < b; r++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        let u = rng.nextUint32();
        while (Math.imul(u, k) >>> 0 < threshold) u = rng.nextUint32();
        sum += values[Math.floor(u * k * TWO_POW_MINUS_32)];
      }
      means[r] = sum / k;
    }
  }
}

/** The p-quantile of sorted values, interpolated linearly between order statistics (numpy's default). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const pos = p * (sorted.length - 1);
  const i = Math.floor(pos);
  const frac = pos - i;
  if (i + 1 >= sorted.length) return sorted[sorted.length - 1];
  return sorted[i] + frac * (sorted[i + 1] - sorted[i]);
}
