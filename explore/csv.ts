/**
 * The page's download: runs' rows as CSV, one row per run and iteration with
 * the store's column names (configuration, bookkeeping, metrics), numbers
 * written in full (JavaScript's shortest text that reads back as the same
 * double), so a download holds the bits the page plotted.
 *
 * @module
 */

import type { RunRow } from "../lib/experiments/define.ts";

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

/** `rows` as CSV: a header of every column in the order first seen, empty cells where a row has none. */
export function rowsToCsv(rows: readonly RunRow[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const lines = [columns.map(csvCell).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c])).join(","));
  return lines.join("\n") + "\n";
}
