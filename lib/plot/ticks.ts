/**
 * Axis and legend tick values: "nice" evenly spaced values (d3-array's `ticks`, the rule vega's own
 * linear scales use) and the ticks of a log axis, which vega would leave unreadable on a narrow
 * range and crowded on a wide one.
 *
 * @module
 */

// @ts-types="npm:@types/d3-array@3.2.2"
import { ticks } from "d3-array";

/**
 * About `count` evenly spaced round values in [min, max] (steps of 1, 2 or 5 × 10^k), from
 * d3-array's `ticks`. An empty or inverted range gives `[min]` when min is finite, else `[]`.
 */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!(min < max)) return Number.isFinite(min) ? [min] : [];
  return ticks(min, max, count);
}

/**
 * Ticks of a log y axis over the data's range [min, max] (the positive finite values of the fields
 * `mean`, `lo`, `hi` and `y`): the powers of ten inside it when there are at least two (every k-th
 * one past 8), else {@linkcode niceTicks}, because a range within one decade would get one tick or
 * none. Undefined when the range is empty (vega's own ticks then).
 */
export function logAxisValues(data: readonly Record<string, string | number>[]): number[] | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const d of data) {
    for (const key of ["mean", "lo", "hi", "y"]) {
      const v = d[key];
      if (typeof v === "number" && v > 0 && Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
  }
  if (!(min < max)) return undefined;
  const exponents: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    const v = Number(`1e${e}`);
    if (v >= min && v <= max) exponents.push(e);
  }
  if (exponents.length < 2) return niceTicks(min, max, 5);
  // Many decades (e.g. a collapsing determinant): every k-th power of ten, at most ~8 ticks.
  const every = [1, 2, 3, 5, 10, 20, 25, 50, 100].find((k) => exponents.length / k <= 8) ?? 100;
  return exponents.filter((e) => e % every === 0).map((e) => Number(`1e${e}`));
}
