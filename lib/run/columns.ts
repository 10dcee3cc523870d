/**
 * Typed Parquet columns for run rows. Each column gets the type its field
 * declares (`integer` as Int64, `float` as Float64, `string` as Utf8,
 * `boolean` as Bool); an undeclared column gets the type of its values. A
 * `mixed` column (a number or a string, e.g. a bandwidth of 0.1 or "scott") is
 * two columns: `name`, Utf8, every value as text (what a person filters on),
 * and `name__number`, Float64, the number where the value is one and null
 * where it is a string, so decoding gives back exactly the value written
 * (an integer column has no -0: it reads back as 0, the same run key, since
 * JSON writes -0 as 0; floats keep -0, NaN and the infinities).
 * Decoding needs no declarations: it reads the Parquet types (and the
 * `__number` companions), so old files whose integers are Float64 decode to
 * the same JS numbers.
 *
 * @module
 */

import pl from "nodejs-polars";
import type { RunRow } from "../experiments/define.ts";
import type { Field, Value } from "../experiments/fields.ts";

/** A stored column's type, as fields declare it. */
export type ColumnType = Field["column"];

/** The declared type of each column that has one. */
export type ColumnTypes = Readonly<Record<string, ColumnType>>;

/** One column's values, a row each; null where a row has no value. */
export type ColumnValues = ArrayLike<Value | null>;

/** Suffix of the Float64 companion of a mixed column. */
export const NUMBER_SUFFIX = "__number";

const NUMERIC_DTYPES = new Set([
  "Float64",
  "Float32",
  "Int8",
  "Int16",
  "Int32",
  "Int64",
  "UInt8",
  "UInt16",
  "UInt32",
  "UInt64",
]);

const ALLOWED: Record<ColumnType, readonly string[]> = {
  integer: ["number"],
  float: ["number"],
  string: ["string"],
  boolean: ["boolean"],
  mixed: ["number", "string"],
};

/** The type of column `name`: `declared`, else inferred from its values; throws if they do not fit. */
export function columnType(name: string, values: ColumnValues, declared?: ColumnType): ColumnType {
  if (name.endsWith(NUMBER_SUFFIX)) {
    throw new RangeError(`column "${name}": names ending in "${NUMBER_SUFFIX}" are reserved for mixed columns`);
  }
  const seen = new Set<string>();
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value !== null) seen.add(typeof value);
  }
  const type = declared ?? inferred(name, seen);
  const wrong = [...seen].filter((kind) => !ALLOWED[type].includes(kind));
  if (wrong.length > 0) {
    throw new TypeError(`column "${name}" is declared ${type} but holds ${wrong.map((k) => `a ${k}`).join(" and ")}`);
  }
  if (type === "integer") {
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value !== null && !Number.isSafeInteger(value)) {
        throw new RangeError(`column "${name}" is declared integer but row ${i} holds ${value}`);
      }
    }
  }
  return type;
}

function inferred(name: string, seen: Set<string>): ColumnType {
  if (seen.size === 2 && seen.has("number") && seen.has("string")) return "mixed";
  const [kind] = seen;
  if (seen.size === 1 && kind === "number") return "float";
  if (seen.size === 1 && kind === "string") return "string";
  if (seen.size === 1 && kind === "boolean") return "boolean";
  throw new TypeError(`column "${name}" holds values of types ${[...seen].join(", ") || "none"}: not storable`);
}

/** The columns of `rows`, in order of first appearance; null where a row lacks one. */
export function rowColumns(rows: readonly RunRow[]): Map<string, (Value | null)[]> {
  const columns = new Map<string, (Value | null)[]>();
  rows.forEach((row, i) => {
    for (const [name, value] of Object.entries(row)) {
      if (value === undefined || value === null) continue;
      let column = columns.get(name);
      if (!column) columns.set(name, column = new Array<Value | null>(rows.length).fill(null));
      column[i] = value;
    }
  });
  return columns;
}

/**
 * A Parquet-ready frame of `columns` (all of one length), each typed as
 * {@linkcode columnType} says, after the `leading` series (e.g. a compacted
 * file's key column).
 */
export function encodeColumns(
  columns: ReadonlyMap<string, ColumnValues>,
  options: { types?: ColumnTypes; leading?: pl.Series[] } = {},
): pl.DataFrame {
  const series = [...(options.leading ?? [])];
  for (const [name, values] of columns) {
    const declared = options.types && Object.hasOwn(options.types, name) ? options.types[name] : undefined;
    const type = columnType(name, values, declared);
    const list = Array.isArray(values) ? values as (Value | null)[] : Array.from(values);
    if (type === "integer") series.push(numberSeries(name, list as (number | null)[]).cast(pl.Int64));
    else if (type === "float") series.push(numberSeries(name, list as (number | null)[]));
    else if (type === "string") series.push(pl.Series(name, list, pl.Utf8));
    else if (type === "boolean") series.push(pl.Series(name, list, pl.Bool));
    else {
      series.push(pl.Series(name, list.map((v) => v === null ? null : String(v)), pl.Utf8));
      series.push(numberSeries(`${name}${NUMBER_SUFFIX}`, list.map((v) => typeof v === "number" ? v : null)));
    }
  }
  return pl.DataFrame(series);
}

/** {@linkcode encodeColumns} of rows. */
export function encodeRows(rows: readonly RunRow[], options: { types?: ColumnTypes } = {}): pl.DataFrame {
  return encodeColumns(rowColumns(rows), options);
}

// Typed arrays cross into polars (and back) without a per-value conversion; only columns with nulls need one.
function numberSeries(name: string, values: (number | null)[]): pl.Series {
  return values.includes(null)
    ? pl.Series(name, values, pl.Float64)
    : pl.Series(name, Float64Array.from(values as number[]));
}

// A small frame (one run's file) converts fastest row by row in one call; a large one (a compacted file) column
// by column through typed arrays.
const TYPED_FROM_ROWS = 4096;

function decodeColumn(series: pl.Series, dtype: string): ColumnValues {
  if (series.nullCount() > 0) return series.toArray() as (Value | null)[];
  if (dtype === "String") {
    // Few distinct strings (a workflow, a run's key) repeat over many rows: convert each once.
    const dictionary = series.unique(true).toArray() as string[];
    const codes = pl.DataFrame([series]).select(
      pl.col(series.name).replaceStrict(dictionary, dictionary.map((_, i) => i), undefined, pl.UInt32),
    ).getColumn(series.name).toTypedArray() as Uint32Array;
    return Array.from(codes, (code) => dictionary[code]);
  }
  if (dtype === "Bool") return Array.from(series.cast(pl.UInt8).toTypedArray() as Uint8Array, (b) => b === 1);
  return series.cast(pl.Float64).toTypedArray() as Float64Array;
}

function hasNull(record: Record<string, unknown>): boolean {
  for (const key in record) if (record[key] === null) return true;
  return false;
}

/** A Parquet frame decoded once into JS values: rows for a small frame, columns for a large one. */
export class DecodedFrame {
  /** Number of rows. */
  readonly height: number;
  /** The column names as rows carry them (mixed columns merged with their companions), in the file's order. */
  readonly names: readonly string[];
  readonly #rows?: RunRow[];
  readonly #columns?: Map<string, ColumnValues>;
  /** Builds row `i` of a large frame none of whose columns has a null, as one object literal. */
  #makeRow?: (values: readonly ColumnValues[], i: number) => RunRow;
  #complete = true;

  /** Decodes every column of `frame`; throws on a column type that runs never store. */
  constructor(frame: pl.DataFrame) {
    this.height = frame.height;
    const dtypes = new Map(frame.columns.map((name, i) => [name, frame.dtypes[i].variant as string]));
    const mixed: string[] = [], names: string[] = [];
    for (const [name, dtype] of dtypes) {
      if (name.endsWith(NUMBER_SUFFIX) && dtypes.get(name.slice(0, -NUMBER_SUFFIX.length)) === "String") continue;
      if (dtype !== "String" && dtype !== "Bool" && !NUMERIC_DTYPES.has(dtype)) {
        throw new TypeError(`column "${name}" has Parquet type ${dtype}, which runs never store`);
      }
      names.push(name);
      if (dtype === "String" && dtypes.get(`${name}${NUMBER_SUFFIX}`) === "Float64") mixed.push(name);
    }
    this.names = names;
    if (this.height < TYPED_FROM_ROWS) {
      const records = frame.toRecords() as Record<string, Value | null>[];
      const clean = mixed.length === 0 && names.length === dtypes.size && !records.some(hasNull);
      this.#rows = clean ? records as RunRow[] : records.map((record) => {
        const row: RunRow = {};
        for (const name of names) {
          const value = mixed.includes(name) ? record[`${name}${NUMBER_SUFFIX}`] ?? record[name] : record[name];
          if (value !== null && value !== undefined) row[name] = value;
        }
        return row;
      });
    } else {
      this.#columns = new Map();
      for (const name of names) {
        const series = frame.getColumn(name);
        if (series.nullCount() > 0) this.#complete = false;
        let values = decodeColumn(series, dtypes.get(name)!);
        if (mixed.includes(name)) {
          const texts = values, numbers = frame.getColumn(`${name}${NUMBER_SUFFIX}`).toArray() as (number | null)[];
          values = numbers.map((number, i) => number ?? texts[i]);
        }
        this.#columns.set(name, values);
      }
    }
  }

  /** The value of column `name` in row `i`, or undefined where the row has none. */
  value(name: string, i: number): Value | undefined {
    if (this.#rows) return this.#rows[i][name];
    return this.#columns!.get(name)?.[i] ?? undefined;
  }

  /** Reads column `name` row by row: the value of row `i`, undefined where the row has none. */
  accessor(name: string): (i: number) => Value | undefined {
    const rows = this.#rows;
    if (rows) return (i) => rows[i][name];
    const values = this.#columns!.get(name);
    return values ? (i) => values[i] ?? undefined : () => undefined;
  }

  /** Rows `start` (included) to `end` (excluded); a null value is left out of its row. */
  rows(start = 0, end = this.height): RunRow[] {
    if (this.#rows) return this.#rows.slice(start, end);
    const names = this.names, values = names.map((name) => this.#columns!.get(name)!), width = names.length;
    const out: RunRow[] = new Array(end - start);
    if (this.#complete) {
      // Every row has every column: an object literal of fixed shape builds each row in one step, where assigning
      // one key at a time goes through a slow, generic store per key.
      this.#makeRow ??= new Function(
        "values",
        "i",
        `return { ${names.map((name, c) => `${JSON.stringify(name)}: values[${c}][i]`).join(", ")} };`,
      ) as (values: readonly ColumnValues[], i: number) => RunRow;
      for (let i = start; i < end; i++) out[i - start] = this.#makeRow(values, i);
      return out;
    }
    for (let i = start; i < end; i++) {
      const row: RunRow = {};
      for (let c = 0; c < width; c++) {
        const value = values[c][i];
        if (value !== null) row[names[c]] = value;
      }
      out[i - start] = row;
    }
    return out;
  }
}

/** Columns gathered from many runs' frames (e.g. for a compacted file), without building their rows. */
export class ColumnBuilder {
  /** Rows appended so far. */
  height = 0;
  readonly #columns = new Map<string, (Value | null)[]>();

  /** Appends rows `start` to `end` of `frame`, after the `constant` columns (e.g. the run's key) of each. */
  append(frame: DecodedFrame, options: { start: number; end: number; constant?: Record<string, Value> }): void {
    const { start, end } = options;
    for (const [name, value] of Object.entries(options.constant ?? {})) {
      const column = this.#column(name);
      for (let i = start; i < end; i++) column.push(value);
    }
    for (const name of frame.names) {
      const column = this.#column(name), valueAt = frame.accessor(name);
      for (let i = start; i < end; i++) column.push(valueAt(i) ?? null);
    }
    this.height += end - start;
    for (const column of this.#columns.values()) while (column.length < this.height) column.push(null);
  }

  #column(name: string): (Value | null)[] {
    let column = this.#columns.get(name);
    if (!column) this.#columns.set(name, column = new Array<Value | null>(this.height).fill(null));
    return column;
  }

  /** The gathered columns (all of length {@linkcode height}). */
  get columns(): ReadonlyMap<string, ColumnValues> {
    return this.#columns;
  }
}
