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
 * `mean`, `lo`, `hi` and `y`), at most about 8 so that labels never overlap on a 200 px axis:
 * - the powers of ten inside the range when there are at least three (every k-th one past 8);
 * - else the 1, 2, 5 × 10^e values inside it when there are 3 to 8 of them (a range of one to
 *   three decades, which two powers of ten alone would leave half unlabelled);
 * - else (within about a decade) {@linkcode niceTicks}, evenly spaced round values.
 *
 * Undefined when the range is empty (vega's own ticks then).
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
  const oneTwoFive: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      // Parsed from text: 2 * 10 ** -7 is not the double nearest 2e-7.
      const v = Number(`${m}e${e}`);
      if (v < min || v > max) continue;
      oneTwoFive.push(v);
      if (m === 1) exponents.push(e);
    }
  }
  if (exponents.length >= 3) {
    const every = [1, 2, 3, 5, 10, 20, 25, 50, 100].find((k) => exponents.length / k <= 8) ?? 100;
    return exponents.filter((e) => e % every === 0).map((e) => Number(`1e${e}`));
  }
  if (oneTwoFive.length >= 3 && oneTwoFive.length <= 8) return oneTwoFive;
  return niceTicks(min, max, 5);
}

const SUPERSCRIPT: Record<string, string> = {
  "-": "\u207b",
  "0": "\u2070",
  "1": "\u00b9",
  "2": "\u00b2",
  "3": "\u00b3",
  "4": "\u2074",
  "5": "\u2075",
  "6": "\u2076",
  "7": "\u2077",
  "8": "\u2078",
  "9": "\u2079",
};

/**
 * The label of a log-axis tick: a plain decimal ("0.02", "1", "5000") when `plain`, else a power of
 * ten with a superscript exponent ("10⁰", "10⁻⁸", "2×10⁻⁸"), never "1e-8" or "0.000001".
 */
export function logTickLabel(v: number, plain: boolean): string {
  if (plain) return String(v);
  const [mantissa, exponent] = v.toExponential().split("e");
  const power = `10${[...String(Number(exponent))].map((c) => SUPERSCRIPT[c]).join("")}`;
  return mantissa === "1" ? power : `${mantissa}\u00d7${power}`;
}

/**
 * A vega expression labelling each of `values` with {@linkcode logTickLabel}: plain decimals when
 * every value lies in [0.001, 10000], else powers of ten throughout (one style per axis). Any other
 * value keeps vega's label. Explicit labels: vega's log-scale format mixes "0.000001" and "1e-8".
 */
export function logLabelExpr(values: readonly number[]): string {
  const plain = values.every((v) => v >= 1e-3 && v <= 1e4);
  const labels = values.map((v) => JSON.stringify(logTickLabel(v, plain)));
  return `[${labels.join(",")}][indexof([${values.join(",")}], datum.value)] || datum.label`;
}
