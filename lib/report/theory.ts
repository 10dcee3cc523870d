/**
 * Theory checks: for each curve with a closed form, the simulation's mean at
 * one iteration, the exact value, the standard error over seeds and
 * z = (mean - exact) / SE, the table drawn beside a figure. |z| < 4 is what a
 * correct simulation gives (bar heavy tails: the SE itself is estimated).
 *
 * @module
 */

import { normalQuantile } from "../numerics/quantiles.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
import { fmt } from "./text.ts";

/** Options of {@linkcode theoryCheck}. */
export interface TheoryCheckOptions<T> {
  /** The metric. */
  y: keyof T & string;
  /** The fields one curve is keyed by (e.g. workflow and n). */
  groupBy: readonly (keyof T & string)[];
  /** The exact expectation of one curve's metric, or undefined when it has none (the curve is skipped). */
  exact: (group: Record<string, unknown>) => number | undefined;
}

/** One row of a theory check. */
export interface TheoryRow {
  [field: string]: string | number;
  mean: number;
  exact: number;
  se: number;
  z: number;
  seeds: number;
}

/** Per group of `rows` (e.g. the rows of one iteration), the mean of `y`, its exact value, SE and z. */
export function theoryCheck<T extends object>(rows: readonly T[], options: TheoryCheckOptions<T>): TheoryRow[] {
  const groups = new Map<string, { keys: Record<string, unknown>; values: number[] }>();
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    const keys = Object.fromEntries(options.groupBy.map((g) => [g, r[g]]));
    const id = JSON.stringify(keys);
    const group = groups.get(id) ?? { keys, values: [] };
    const v = r[options.y];
    if (typeof v === "number" && Number.isFinite(v)) group.values.push(v);
    groups.set(id, group);
  }
  const out: TheoryRow[] = [];
  for (const { keys, values } of groups.values()) {
    const exact = options.exact(keys);
    if (exact === undefined || values.length === 0) continue;
    const { mean, se: rawSe, k } = meanAndStandardError(values);
    // A spread at the level of float rounding (identical values summed) is no spread.
    const se = rawSe <= 1e-12 * Math.abs(mean) ? 0 : rawSe;
    out.push({ ...keys as Record<string, string | number>, mean, exact, se, z: zScore(mean, exact, se), seeds: k });
  }
  return out;
}

/**
 * z = (mean - exact) / se, and z = 0 when the mean equals the exact value up
 * to rounding (1e-12 relative), as for a deterministic quantity whose mean is
 * exact but whose float sum leaves an se of 1e-19; a curve without spread
 * that misses the exact value gets z = ±Infinity.
 */
function zScore(mean: number, exact: number, se: number): number {
  if (Math.abs(mean - exact) <= 1e-12 * Math.max(Math.abs(mean), Math.abs(exact))) return 0;
  if (se > 0) return (mean - exact) / se;
  return mean > exact ? Infinity : -Infinity;
}

/** Options of {@linkcode summarizeTheoryChecks}. */
export interface TheorySummaryOptions {
  /** Names one curve for the text, e.g. "Replace, n = 10". */
  describe: (row: TheoryRow) => string;
  /** |z| below this counts as agreeing with the closed form. Default 4. */
  threshold?: number;
  /**
   * Instead of `threshold`: the chance that any check reaches the threshold when every closed form holds (z normal),
   * e.g. 0.01. The threshold is then Bonferroni's for that many checks, z with 2 Phi(-z) = familyWise / checks, so a
   * claim over hundreds of checks does not fail on the one |z| above 4 that chance alone gives now and then.
   */
  familyWise?: number;
  /** What the checks are of, in the plural ("curves" by default). */
  noun?: string;
}

/** The one-line summary of a set of theory checks: how many agree, and the worst. */
export interface TheorySummary {
  total: number;
  /** Checks with |z| < threshold. */
  within: number;
  /** The check with the largest |z|. */
  worst: TheoryRow;
  /** The checks with |z| >= threshold, worst first. */
  outside: TheoryRow[];
  /** "Of the 30 curves, 29 have |z| < 4; the largest |z| is z = -5.2 (Replace, n = 10)." */
  text: string;
}

/** Counts the checks with |z| < threshold and names the worst (throws on no checks). */
export function summarizeTheoryChecks(checks: readonly TheoryRow[], options: TheorySummaryOptions): TheorySummary {
  if (checks.length === 0) throw new RangeError("summarizeTheoryChecks needs at least one check");
  const { familyWise } = options;
  if (familyWise !== undefined && !(familyWise > 0 && familyWise < 1)) {
    throw new RangeError(`summarizeTheoryChecks: familyWise must be in (0, 1), got ${familyWise}`);
  }
  const threshold = familyWise !== undefined ? bonferroniThreshold(checks.length, familyWise) : options.threshold ?? 4;
  const noun = options.noun ?? "curves";
  const size = (r: TheoryRow): number => (Number.isNaN(r.z) ? Infinity : Math.abs(r.z));
  const byWorst = [...checks].sort((a, b) => size(b) - size(a));
  const worst = byWorst[0];
  const outside = byWorst.filter((r) => !(Math.abs(r.z) < threshold));
  const within = checks.length - outside.length;
  const all = within === checks.length ? (checks.length === 2 ? "both" : "all") : String(within);
  const bound = familyWise === undefined
    ? String(threshold)
    : `${fmt(threshold, 3)} (Bonferroni's bound for a ${
      fmt(100 * familyWise, 2)
    }% chance of any |z| above it by chance)`;
  const text = `Of the ${checks.length} ${noun}, ${all} have |z| < ${bound}; the largest |z| is ` +
    `z = ${fmt(worst.z, 2)} (${options.describe(worst)}).`;
  return { total: checks.length, within, worst, outside, text };
}

/**
 * The |z| that `checks` independent standard normal values all stay below with probability 1 - `familyWise` at
 * least (Bonferroni): z with 2 Phi(-z) = familyWise / checks.
 */
export function bonferroniThreshold(checks: number, familyWise: number): number {
  return -normalQuantile(familyWise / (2 * checks));
}
