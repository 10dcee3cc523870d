/**
 * Theory checks: for each curve with a closed form, the simulation's mean at
 * one iteration, the exact value, the standard error over seeds and
 * z = (mean - exact) / SE, the table drawn beside a figure. |z| < 4 is what a
 * correct simulation gives (bar heavy tails: the SE itself is estimated).
 *
 * @module
 */

import { meanAndStandardError } from "../numerics/stats.ts";

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
    const { mean, se, k } = meanAndStandardError(values);
    out.push({
      ...keys as Record<string, string | number>,
      mean,
      exact,
      se,
      z: se > 0 ? (mean - exact) / se : NaN,
      seeds: k,
    });
  }
  return out;
}
