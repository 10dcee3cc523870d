/**
 * The page's downloads: runs' rows as CSV or Parquet, one row per run and
 * iteration with the store's columns (configuration, bookkeeping, metrics,
 * and `experimentVersion`, the store's version column), numbers in full: CSV
 * writes JavaScript's shortest text that reads back as the same double,
 * Parquet the doubles themselves (hyparquet-writer, plain JavaScript: the
 * store's own writer, nodejs-polars, is native code).
 *
 * @module
 */

import { parquetWriteBuffer } from "hyparquet-writer";
import type { RunRow } from "../lib/experiments/define.ts";

/** The store's column of the experiment version that computed a row (lib/run/store.ts VERSION_COLUMN). */
export const VERSION_COLUMN = "experimentVersion";

/** `rows` with the version of the experiment that computed them, as the store keeps it. */
export function withVersion(rows: readonly RunRow[], version: number): RunRow[] {
  return rows.map((row) => ({ ...row, [VERSION_COLUMN]: version }));
}

/** One CSV cell: numbers in full ("NaN", "inf", "-inf" where not finite), text quoted where it must be. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    return String(value);
  }
  const text = String(value);
  return /[",\n\r]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Every column of `rows`, in the order first seen. */
function columnsOf(rows: readonly RunRow[]): string[] {
  return [...new Set(rows.flatMap((row) => Object.keys(row)))];
}

/** `rows` as CSV: a header of every column in the order first seen, empty cells where a row has none. */
export function rowsToCsv(rows: readonly RunRow[]): string {
  const columns = columnsOf(rows);
  const lines = [columns.map(csvCell).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c])).join(","));
  return lines.join("\n") + "\n";
}

/**
 * `rows` as a Parquet file: a column of numbers is DOUBLE (as the store's
 * nodejs-polars writes JavaScript numbers), of booleans BOOLEAN, anything
 * else STRING (a column of numbers and names, such as the KDE's bandwidth
 * "0.1" or "scott", as text); a row without a column has null there.
 */
export function rowsToParquet(rows: readonly RunRow[]): ArrayBuffer {
  const columnData = columnsOf(rows).map((name) => {
    const values = rows.map((row) => row[name]);
    const present = values.filter((v) => v !== undefined);
    const type = present.every((v) => typeof v === "number")
      ? "DOUBLE" as const
      : present.every((v) => typeof v === "boolean")
      ? "BOOLEAN" as const
      : "STRING" as const;
    const data = values.map((v) => v === undefined ? null : type === "STRING" ? String(v) : v);
    return { name, data, type };
  });
  return parquetWriteBuffer({ columnData });
}
