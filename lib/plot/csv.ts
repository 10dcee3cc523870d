/**
 * Inline data as CSV ({@linkcode withCsvData}): what notebooks store of each figure's spec.
 *
 * @module
 */

import type { VegaLiteSpec } from "./spec.ts";

/**
 * The same spec with its inline data as one CSV string (vega-lite infers the
 * column types): a fraction of the size of row objects once a notebook stores
 * it as indented JSON. Specs whose data are not flat rows are returned as is.
 */
export function withCsvData(spec: VegaLiteSpec): VegaLiteSpec {
  const data = (spec as { data?: { values?: unknown } }).data;
  const rows = data?.values;
  if (!Array.isArray(rows) || rows.length === 0) return spec;
  const fields = [...new Set(rows.flatMap((row) => Object.keys(row as object)))];
  const cell = (v: unknown): string | undefined => {
    if (v === undefined || v === null) return "";
    if (typeof v === "number") return Number.isFinite(v) ? String(v) : undefined;
    if (typeof v !== "string") return undefined;
    return /[",\n\r]/.test(v) || v === "" ? `"${v.replaceAll('"', '""')}"` : v;
  };
  const lines = [fields.map((f) => cell(f)).join(",")];
  for (const row of rows as Record<string, unknown>[]) {
    const cells = fields.map((f) => cell(row[f]));
    if (cells.some((c) => c === undefined)) return spec; // not flat: keep the objects
    lines.push(cells.join(","));
  }
  return { ...spec, data: { values: lines.join("\n"), format: { type: "csv" } } } as VegaLiteSpec;
}
