/**
 * The statistics behind every line chart: per-seed rows aggregated into one point per (group, x),
 * the mean over seeds and a 95% interval around it.
 *
 * @module
 */

/**
 * One aggregated point: the grouping fields of {@linkcode meanWithBand} (under their own names) plus
 * `x`, the mean over seeds, the 95% interval `[lo, hi]`, the sample standard deviation `sd` and the
 * number of seeds `k`.
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

const RESERVED_BAND_FIELDS = ["x", "mean", "lo", "hi", "sd", "k"];

/**
 * Aggregates per-seed rows into one {@linkcode BandRow} per (groupBy values, x): the mean over seeds
 * and a 95% interval mean ± 1.96·SE, SE = sd/√k, sd the sample standard deviation (divisor k − 1).
 * With one seed, sd = 0 and lo = hi = mean.
 *
 * Rows whose y is not a number or is NaN are skipped (a group with none left is dropped); ±Infinity
 * is kept, so the mean of such a group is infinite (charts drop non-finite means). x must be a finite
 * number. The output is ordered by first appearance of each group, then by ascending x.
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
  options: {
    x: keyof T & string;
    y: keyof T & string;
    groupBy: readonly (keyof T & string)[];
  },
): BandRow[] {
  const { x, y, groupBy } = options;
  for (const g of groupBy) {
    if (RESERVED_BAND_FIELDS.includes(g)) {
      throw new Error(
        `meanWithBand: groupBy field "${g}" collides with an output field (${RESERVED_BAND_FIELDS.join(", ")})`,
      );
    }
  }
  type Acc = { keys: (string | number)[]; byX: Map<number, number[]> };
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
      acc = { keys, byX: new Map() };
      groups.set(id, acc);
    }
    let ys = acc.byX.get(xv);
    if (ys === undefined) {
      ys = [];
      acc.byX.set(xv, ys);
    }
    ys.push(yv);
  }
  const out: BandRow[] = [];
  for (const { keys, byX } of groups.values()) {
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
      const half = k > 1 ? 1.96 * sd / Math.sqrt(k) : 0;
      const row: BandRow = { x: xv, mean, lo: mean - half, hi: mean + half, sd, k };
      groupBy.forEach((g, i) => (row[g] = keys[i]));
      out.push(row);
    }
  }
  return out;
}
