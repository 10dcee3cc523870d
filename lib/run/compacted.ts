/**
 * Compacted run files: many runs of one experiment in one Parquet file,
 * `<store>/<experiment>/compacted-<hash>.parquet` (the hash of the runs' keys),
 * each row with its run's key in the leading column `runKey`, each run's rows
 * contiguous. A render reads one such file instead of thousands of small ones
 * (an index from key to row range, built once), while new runs are still
 * written one file each, so a killed sweep loses only the runs in flight. A
 * run stored both alone and in a compacted file is read from its own file
 * (the newer: a refresh writes it).
 *
 * @module
 */

import pl from "nodejs-polars";
import type { Experiment } from "../experiments/define.ts";
import { fnv1a64 } from "../numerics/hash.ts";
import { ColumnBuilder, type ColumnTypes, DecodedFrame, encodeColumns, rowColumns } from "./columns.ts";
import {
  identifyRun,
  type RunRange,
  type RunRow,
  storedColumns,
  UnreadableRunError,
  VERSION_COLUMN,
  writeParquetDurably,
} from "./store.ts";

/** The leading column of a compacted file: each row's run key. */
export const KEY_COLUMN = "runKey";

/** Names of compacted files. */
export const COMPACTED_NAME: RegExp = /^compacted-[0-9a-f]{16}\.parquet$/;

/** Names of single-run files; the first group is the key. */
export const RUN_FILE_NAME: RegExp = /^([0-9a-f]{16})\.parquet$/;

/** A compacted file, read and indexed. */
export interface CompactedFile {
  path: string;
  frame: DecodedFrame;
  /** Each run's key and its rows' range in {@linkcode frame}. */
  index: Map<string, { start: number; end: number }>;
}

/** Reads and indexes a compacted file; throws an {@linkcode UnreadableRunError} naming it when it cannot be used. */
export function readCompacted(path: string): CompactedFile {
  let raw: pl.DataFrame;
  try {
    raw = pl.readParquet(path);
  } catch (error) {
    throw new UnreadableRunError(path, (error as Error).message);
  }
  if (raw.height === 0) throw new UnreadableRunError(path, "the file has no rows");
  if (!raw.columns.includes(KEY_COLUMN)) throw new UnreadableRunError(path, `no ${KEY_COLUMN} column`);
  const keyColumn = raw.getColumn(KEY_COLUMN);
  if (keyColumn.dtype.variant !== "String" || keyColumn.nullCount() > 0) {
    throw new UnreadableRunError(path, `${KEY_COLUMN} must be a string on every row`);
  }
  // The index is computed in polars: converting every row's key to JS would cost more than the rest of the read.
  const key = pl.col(KEY_COLUMN);
  const summary = raw.select(
    key.unique({ maintainOrder: true }).implode().alias("keys"),
    key.uniqueCounts().implode().alias("counts"),
    key.neq(key.shift(1)).sum().alias("changes"),
  ).toRecords()[0] as unknown as { keys: string[]; counts: number[]; changes: number };
  if (summary.changes !== summary.keys.length - 1) {
    throw new UnreadableRunError(path, "the rows of some run are not contiguous");
  }
  const frame = new DecodedFrame(raw.drop(KEY_COLUMN));
  const index = new Map<string, { start: number; end: number }>();
  let start = 0;
  summary.keys.forEach((key, i) => {
    if (!/^[0-9a-f]{16}$/.test(key)) {
      throw new UnreadableRunError(path, `a row has ${KEY_COLUMN} ${JSON.stringify(key)}`);
    }
    index.set(key, { start, end: start += summary.counts[i] });
  });
  return { path, frame, index };
}

/** Just the keys of a compacted file (its key column alone is read). */
export function compactedKeys(path: string): Set<string> {
  try {
    return new Set(
      pl.readParquet(path, { columns: [KEY_COLUMN] }).getColumn(KEY_COLUMN).unique().toArray() as string[],
    );
  } catch (error) {
    throw new UnreadableRunError(path, (error as Error).message);
  }
}

/**
 * Writes `runs` (keyed ranges of decoded files; a key seen again is skipped) as
 * one compacted file in `dir`, durably (flushed, renamed, folder flushed), and
 * reads it back to check it; returns its path, size and runs, or undefined if
 * there were none. `runs` is consumed once, so a generator that reads one
 * file at a time keeps only the gathered columns in memory.
 */
export function writeCompacted(
  dir: string,
  runs: Iterable<readonly [string, RunRange]>,
  options: { experiment: Pick<Experiment, "fields"> },
): { path: string; bytes: number; runs: number } | undefined {
  const { lengths, path } = writeRuns(dir, runs, options.experiment);
  if (!path) return undefined;
  const written = readCompacted(path);
  for (const [key, length] of lengths) {
    const range = written.index.get(key);
    if (!range || range.end - range.start !== length) {
      throw new Error(`${path}: run ${key} did not survive the round trip`);
    }
  }
  return { path, bytes: Deno.statSync(path).size, runs: lengths.size };
}

/**
 * Writes freshly computed runs (each its key and rows) as one compacted file
 * in `dir`, durably (flushed, renamed, folder flushed): the runner's write of
 * a batch of cheap runs, one file and one flush for all of them instead of
 * one each. `columns` are the declared column types (see storedColumns).
 * Returns the file's path.
 */
export function writeRunBatch(
  dir: string,
  runs: readonly { key: string; rows: readonly RunRow[] }[],
  options: { columns: ColumnTypes },
): string {
  if (runs.length === 0) throw new RangeError("writeRunBatch: no runs");
  const rows: RunRow[] = [], keys: string[] = [];
  for (const { key, rows: runRows } of runs) {
    if (runRows.length === 0) throw new RangeError(`refusing to store the empty run ${key}`);
    for (const row of runRows) {
      rows.push(row);
      keys.push(key);
    }
  }
  const path = `${dir}/compacted-${fnv1a64(runs.map((r) => r.key).sort().join("\n"))}.parquet`;
  const frame = encodeColumns(rowColumns(rows), {
    types: { ...options.columns, [KEY_COLUMN]: "string" },
    leading: [pl.Series(KEY_COLUMN, keys, pl.Utf8)],
  });
  Deno.mkdirSync(dir, { recursive: true });
  writeParquetDurably(path, frame, { compression: "lz4" });
  return path;
}

// Its own function, so the gathered columns can be collected before the written file is read back.
function writeRuns(
  dir: string,
  runs: Iterable<readonly [string, RunRange]>,
  experiment: Pick<Experiment, "fields">,
): { lengths: Map<string, number>; path?: string } {
  const lengths = new Map<string, number>();
  const builder = new ColumnBuilder();
  for (const [key, { frame, start, end }] of runs) {
    if (lengths.has(key)) continue;
    lengths.set(key, end - start);
    builder.append(frame, { start, end, constant: { [KEY_COLUMN]: key } });
  }
  if (lengths.size === 0) return { lengths };
  const types: ColumnTypes = { ...storedColumns(experiment), [KEY_COLUMN]: "string" };
  const path = `${dir}/compacted-${fnv1a64([...lengths.keys()].sort().join("\n"))}.parquet`;
  writeParquetDurably(path, encodeColumns(builder.columns, { types }), { compression: "zstd" });
  return { lengths, path };
}

/**
 * Why the run stored under `key` is not that run, or undefined. A run of the
 * current version must have exactly this key; one of another version cannot be
 * checked against fields that may have changed since, only for consistent rows.
 */
export function checkKey(run: RunRange, key: string, experiment: Experiment): string | undefined {
  try {
    const { key: actual, version } = identifyRun(run, experiment);
    if (version === experiment.version && actual !== key) return `holds the run ${actual}, not ${key}`;
  } catch (error) {
    const version = run.frame.value(VERSION_COLUMN, run.start);
    if (typeof version === "number" && version !== experiment.version) return undefined;
    return (error as Error).message;
  }
  return undefined;
}
