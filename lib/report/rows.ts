/**
 * Grouped values of the stored rows, for the numbers a notebook's text states:
 * the per-seed values of one metric by group (e.g. workflow, n and iteration),
 * read back by the group's field values. Asking for a group the rows do not
 * have throws, so a typo in a notebook fails the render instead of printing
 * NaN.
 *
 * @module
 */

import { meanAndStandardError } from "../numerics/stats.ts";

/** The values of one metric by group: see {@linkcode groupValues}. */
export interface GroupedValues {
  /** The values of the group with these field values (every groupBy field must be given). */
  values(keys: Record<string, unknown>): number[];
  /** Their mean. */
  mean(keys: Record<string, unknown>): number;
  /** Their median (the mean of the two middle values for an even count). */
  median(keys: Record<string, unknown>): number;
  /** Their standard error of the mean (sample sd / sqrt(k)). */
  se(keys: Record<string, unknown>): number;
  /** Whether the rows have this group. */
  has(keys: Record<string, unknown>): boolean;
}

/** Options of {@linkcode groupValues}. */
export interface GroupValuesOptions<T> {
  /** The metric; rows where it is not a number or is NaN are skipped. */
  y: keyof T & string;
  /** The fields a group is keyed by. */
  groupBy: readonly (keyof T & string)[];
}

/**
 * Indexes `rows` once by the `groupBy` fields, so that a notebook can ask for
 * many groups' means without rescanning the rows.
 *
 * @example
 * ```ts
 * const nll = groupValues(rows, { y: "testNll", groupBy: ["workflow", "n", "iteration"] });
 * nll.mean({ workflow: "Replace", n: 10, iteration: 100 });
 * ```
 */
export function groupValues<T extends object>(rows: readonly T[], options: GroupValuesOptions<T>): GroupedValues {
  const { y, groupBy } = options;
  const index = new Map<string, number[]>();
  const keyOf = (source: Record<string, unknown>): string => JSON.stringify(groupBy.map((g) => source[g]));
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    const v = r[y];
    if (typeof v !== "number" || Number.isNaN(v)) continue;
    const key = keyOf(r);
    const list = index.get(key);
    if (list) list.push(v);
    else index.set(key, [v]);
  }
  const values = (keys: Record<string, unknown>): number[] => {
    for (const g of groupBy) {
      if (!(g in keys)) throw new RangeError(`groupValues: the group must give "${g}" (${groupBy.join(", ")})`);
    }
    const found = index.get(keyOf(keys));
    if (!found) throw new RangeError(`groupValues: no rows with a ${y} for ${JSON.stringify(keys)}`);
    return found;
  };
  return {
    values,
    mean: (keys) => meanAndStandardError(values(keys)).mean,
    se: (keys) => meanAndStandardError(values(keys)).se,
    median: (keys) => {
      const sorted = [...values(keys)].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    },
    has: (keys) => index.has(keyOf(keys)),
  };
}

// Per rows array, per set of fields asked for: the rows by those fields' values (built once, on first use).
const indexes = new WeakMap<readonly object[], Map<string, Map<string, Record<string, unknown>[]>>>();

/** A key of field values in which undefined (a field the row lacks) differs from every stored value. */
function valuesKey(source: Record<string, unknown>, fields: readonly string[]): string {
  return fields.map((f) => (source[f] === undefined ? "\u0000" : JSON.stringify(source[f]))).join("\u0001");
}

/**
 * The mean of `y` over the rows whose fields equal every value of `where`
 * (undefined: the row lacks the field), summed in row order. The rows are
 * indexed once per set of fields, so a notebook can ask for many means
 * without rescanning them; the same array must not be changed in between.
 * Throws when no row matches, naming the condition, so that a typo fails the
 * render instead of printing NaN.
 *
 * @example
 * ```ts
 * meanWhere(rows, { workflow: "Replace", iteration: 100 }, "testNll");
 * ```
 */
export function meanWhere(rows: readonly object[], where: Record<string, unknown>, y: string): number {
  const fields = Object.keys(where).sort();
  const signature = fields.join("\u0001");
  let byFields = indexes.get(rows);
  if (byFields === undefined) indexes.set(rows, byFields = new Map());
  let index = byFields.get(signature);
  if (index === undefined) {
    index = new Map();
    for (const row of rows) {
      const r = row as Record<string, unknown>;
      const key = valuesKey(r, fields);
      const list = index.get(key);
      if (list) list.push(r);
      else index.set(key, [r]);
    }
    byFields.set(signature, index);
  }
  const matched = index.get(valuesKey(where, fields));
  if (matched === undefined) throw new RangeError(`meanWhere: no rows with ${JSON.stringify(where)}`);
  let sum = 0;
  for (const r of matched) sum += r[y] as number;
  return sum / matched.length;
}
