/**
 * How two lists of run rows differ, number by number: the browser test's
 * comparison of the page (Chromium's V8) with the library under Deno, whose
 * engines round Math.log, exp, sin and cos differently in the last bit.
 *
 * @module
 */

import type { RunRow } from "../../lib/experiments/define.ts";

/** What {@linkcode compareRows} found. */
export interface RowComparison {
  /** Numbers compared. */
  values: number;
  /** Per column, the numbers that are not the same double (Object.is); columns absent are identical. */
  differing: Record<string, number>;
  /** The largest |a - b| / |b| over the differing numbers (0 when none differ). */
  maxRelative: number;
}

/**
 * Compares `actual` with `expected` row by row; throws unless both have the
 * same rows, keys, strings and booleans, and the same non-finite numbers.
 */
export function compareRows(actual: readonly RunRow[], expected: readonly RunRow[]): RowComparison {
  if (actual.length !== expected.length) throw new Error(`${actual.length} rows, expected ${expected.length}`);
  const differing: Record<string, number> = {};
  let values = 0, maxRelative = 0;
  actual.forEach((row, i) => {
    const other = expected[i];
    const keys = Object.keys(row).join(","), otherKeys = Object.keys(other).join(",");
    if (keys !== otherKeys) throw new Error(`row ${i}: columns ${keys}, expected ${otherKeys}`);
    for (const [key, value] of Object.entries(row)) {
      const want = other[key];
      if (typeof value !== "number" || typeof want !== "number") {
        if (value !== want) throw new Error(`row ${i}, ${key}: ${value}, expected ${want}`);
        continue;
      }
      values++;
      if (Object.is(value, want)) continue;
      if (!Number.isFinite(value) || !Number.isFinite(want)) throw new Error(`row ${i}, ${key}: ${value} vs ${want}`);
      differing[key] = (differing[key] ?? 0) + 1;
      maxRelative = Math.max(maxRelative, Math.abs(value - want) / Math.max(Math.abs(want), Number.MIN_VALUE));
    }
  });
  return { values, differing, maxRelative };
}

/** The comparison in words, e.g. "12 of 48000 numbers differ (logDeterminantRatio 6, ...), at most 2.2e-16 relative". */
export function describeComparison(c: RowComparison): string {
  const total = Object.values(c.differing).reduce((a, b) => a + b, 0);
  if (total === 0) return `all ${c.values} numbers identical`;
  const columns = Object.entries(c.differing).map(([k, n]) => `${k} ${n}`).join(", ");
  return `${total} of ${c.values} numbers differ (${columns}), at most ${c.maxRelative.toExponential(1)} relative`;
}
