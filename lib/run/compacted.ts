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
import { ColumnBuilder, type ColumnTypes, DecodedFrame, encodeColumns, NUMBER_SUFFIX, rowColumns } from "./columns.ts";
import {
  identifyRun,
  readRunFrame,
  runKey,
  type RunRange,
  type RunRow,
  storedColumns,
  syncFolder,
  UnreadableRunError,
  VERSION_COLUMN,
  wholeFrame,
  writeFileDurably,
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
  const { lengths, bytes } = encodeRuns(runs, options.experiment);
  if (lengths.size === 0) return undefined;
  const path = `${dir}/compacted-${fnv1a64([...lengths.keys()].sort().join("\n"))}.parquet`;
  writeFileDurably(path, bytes);
  const written = readCompacted(path);
  for (const [key, length] of lengths) {
    const range = written.index.get(key);
    if (!range || range.end - range.start !== length) {
      throw new Error(`${path}: run ${key} did not survive the round trip`);
    }
  }
  return { path, bytes: bytes.length, runs: lengths.size };
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
  writeFileDurably(path, frame.writeParquet({ compression: "lz4" }));
  return path;
}

// Its own function, so the gathered columns can be collected before the written file is read back.
function encodeRuns(
  runs: Iterable<readonly [string, RunRange]>,
  experiment: Pick<Experiment, "fields">,
): { lengths: Map<string, number>; bytes: Uint8Array } {
  const lengths = new Map<string, number>();
  const builder = new ColumnBuilder();
  for (const [key, { frame, start, end }] of runs) {
    if (lengths.has(key)) continue;
    lengths.set(key, end - start);
    builder.append(frame, { start, end, constant: { [KEY_COLUMN]: key } });
  }
  if (lengths.size === 0) return { lengths, bytes: new Uint8Array() };
  const types: ColumnTypes = { ...storedColumns(experiment), [KEY_COLUMN]: "string" };
  return { lengths, bytes: encodeColumns(builder.columns, { types }).writeParquet({ compression: "zstd" }) };
}

/** What {@linkcode compactExperiment} did. */
export interface CompactReport {
  /** The compacted file written, if any. */
  written?: string;
  /** Runs in it. */
  runs: number;
  /** Single-run files and older compacted files merged into it (and removed). */
  merged: number;
  /** Single-run files that could not be used (left where they are: the runner sets them aside) and runs of compacted files that could not (left out). */
  unreadable: string[];
}

/**
 * Compacts the runs of `experiment` in `storeDir`: every readable single-run
 * file and every compacted file become one compacted file; the merged files
 * are removed only once it is written, flushed and read back. Runs of other
 * versions are kept as they are (`deno task store gc` removes them).
 */
export function compactExperiment(
  storeDir: string,
  experiment: Experiment,
): CompactReport {
  const dir = `${storeDir}/${experiment.name}`;
  const report: CompactReport = { runs: 0, merged: 0, unreadable: [] };
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name).sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return report;
    throw error;
  }
  const runFiles = names.filter((name) => RUN_FILE_NAME.test(name));
  const compactedFiles = names.filter((name) => COMPACTED_NAME.test(name));
  if (runFiles.length === 0 && compactedFiles.length <= 1) return report;
  const fast = compactInPolars(dir, { runFiles, compactedFiles, experiment });
  if (fast) {
    if (fast.runs === 0) return { ...report, unreadable: fast.unreadable };
    const path = `${dir}/compacted-${fnv1a64([...fast.keys].sort().join("\n"))}.parquet`;
    writeFileDurably(path, fast.frame.writeParquet({ compression: "zstd" }));
    // Read back the keys: every run's rows, in place.
    const keys = pl.readParquet(path, { columns: [KEY_COLUMN] }).getColumn(KEY_COLUMN);
    if (!keys.seriesEqual(fast.frame.getColumn(KEY_COLUMN))) throw new Error(`${path}: the runs did not survive`);
    removeMerged(dir, fast.merged, path);
    return { written: path, runs: fast.runs, merged: fast.merged.length, unreadable: fast.unreadable };
  }
  const merged: string[] = [];
  // A run's own file first: it wins over a compacted copy (writeCompacted keeps the first run of a key).
  function* runs(): Generator<readonly [string, RunRange]> {
    for (const name of runFiles) {
      const key = RUN_FILE_NAME.exec(name)![1];
      let run: RunRange;
      try {
        run = wholeFrame(readRunFrame(`${dir}/${name}`));
      } catch (error) {
        report.unreadable.push((error as Error).message);
        continue;
      }
      const problem = checkKey(run, key, experiment);
      if (problem) {
        report.unreadable.push(`${dir}/${name}: ${problem}`);
        continue;
      }
      merged.push(name);
      yield [key, run];
    }
    for (const name of compactedFiles) {
      let file: CompactedFile;
      try {
        file = readCompacted(`${dir}/${name}`);
      } catch (error) {
        report.unreadable.push((error as Error).message);
        continue;
      }
      merged.push(name);
      for (const [key, range] of file.index) {
        const run = { frame: file.frame, ...range };
        const problem = checkKey(run, key, experiment);
        if (problem) report.unreadable.push(`${file.path}: run ${key}: ${problem}`);
        else yield [key, run];
      }
    }
  }
  const written = writeCompacted(dir, runs(), { experiment });
  if (!written) return report;
  removeMerged(dir, merged, written.path);
  return { ...report, written: written.path, runs: written.runs, merged: merged.length };
}

/** Removes the merged files (not the one written), then flushes the folder. */
function removeMerged(dir: string, merged: readonly string[], written: string): void {
  for (const name of merged) {
    if (`${dir}/${name}` === written) continue;
    try {
      Deno.removeSync(`${dir}/${name}`);
    } catch (error) {
      // Another process compacting the same store removed it first.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  syncFolder(dir);
}

/** The kind of a Parquet column's values, for telling whether frames can be concatenated as they are. */
function valueKind(dtype: string): string {
  return dtype === "String" || dtype === "Bool" ? dtype : dtype === "Null" ? "null" : "number";
}

/**
 * {@linkcode compactExperiment}'s merge done by polars, without turning any
 * value into JavaScript but one row per run: the files are read and
 * concatenated as they are, a run found in several files is taken from the
 * first (its own file, then compacted files in name order), and the runs are
 * checked together: every row of a run holds the same configuration and
 * version (in polars), each run's first row's configuration gives its key at
 * the current version, and the runs are contiguous. Undefined when a column
 * holds strings in some files and numbers in others (a type inferred run by
 * run) or a compacted file's runs are not contiguous: the caller then merges
 * value by value, with its own file-by-file report.
 */
function compactInPolars(
  dir: string,
  options: { runFiles: readonly string[]; compactedFiles: readonly string[]; experiment: Experiment },
): { frame: pl.DataFrame; keys: Set<string>; runs: number; merged: string[]; unreadable: string[] } | undefined {
  const { runFiles, compactedFiles, experiment } = options;
  const fields = Object.keys(experiment.fields);
  const unreadable: string[] = [], names: string[] = [], frames: pl.DataFrame[] = [];
  const kinds = new Map<string, string>();
  const FILE = "__file";
  const sources = [
    ...runFiles.map((name) => ({ name, key: RUN_FILE_NAME.exec(name)![1] })),
    ...compactedFiles.map((name) => ({ name, key: undefined })),
  ];
  for (const { name, key } of sources) {
    const path = `${dir}/${name}`;
    let frame: pl.DataFrame;
    try {
      frame = pl.readParquet(path);
      if (frame.height === 0) throw new Error("the file has no rows");
      if (key === undefined) {
        const column = frame.columns.includes(KEY_COLUMN) ? frame.getColumn(KEY_COLUMN) : undefined;
        if (!column) throw new Error(`no ${KEY_COLUMN} column`);
        if (column.dtype.variant !== "String" || column.nullCount() > 0) {
          throw new Error(`${KEY_COLUMN} must be a string on every row`);
        }
      }
    } catch (error) {
      unreadable.push(`${path}: ${(error as Error).message}`);
      continue;
    }
    for (const [column, dtype] of frame.columns.map((c, i) => [c, String(frame.dtypes[i].variant)])) {
      const kind = valueKind(dtype), seen = kinds.get(column);
      if (kind === "null") continue;
      if (seen !== undefined && seen !== kind) return undefined;
      kinds.set(column, kind);
    }
    const index = pl.lit(names.length).cast(pl.Int32).alias(FILE);
    frames.push(key === undefined ? frame.withColumns(index) : frame.withColumns(pl.lit(key).alias(KEY_COLUMN), index));
    names.push(name);
  }
  if (frames.length === 0) return { frame: pl.DataFrame([]), keys: new Set(), runs: 0, merged: [], unreadable };
  let frame = frames.length === 1 ? frames[0] : pl.concat(frames, { how: "diagonalRelaxed" });
  const key = pl.col(KEY_COLUMN);
  // A run in several files: the first file's copy.
  frame = frame.filter(pl.col(FILE).eq(pl.col(FILE).min().over(KEY_COLUMN)));
  const summary = frame.select(key.nUnique().alias("runs"), key.neq(key.shift(1)).sum().alias("changes"))
    .toRecords()[0] as unknown as { runs: number; changes: number };
  if (summary.changes !== summary.runs - 1) return undefined; // some file's runs are not contiguous
  // Every row of a run holds its first row's configuration and version.
  const bad = new Map<string, string>();
  const checked = [VERSION_COLUMN, ...fields].filter((c) => frame.columns.includes(c));
  const spread = frame.groupBy(KEY_COLUMN).agg(...checked.map((c) => pl.col(c).nUnique().alias(c)));
  const changing = spread.filter(pl.anyHorizontal(checked.map((c) => pl.col(c).gt(1))));
  for (const row of changing.height > 0 ? changing.toRecords() : []) {
    bad.set(row[KEY_COLUMN] as string, `its rows differ in ${checked.find((c) => (row[c] as number) > 1)}`);
  }
  // Each run's first row: its version, and at the current version its configuration's key.
  const firstRows = frame.unique({ subset: [KEY_COLUMN], keep: "first", maintainOrder: true });
  const companions = checked.map((c) => `${c}${NUMBER_SUFFIX}`).filter((c) => frame.columns.includes(c));
  const firsts = new DecodedFrame(firstRows.select(KEY_COLUMN, FILE, ...checked, ...companions));
  const fileOf = new Map<string, number>();
  for (let i = 0; i < firsts.height; i++) {
    const run = firsts.value(KEY_COLUMN, i) as string;
    fileOf.set(run, firsts.value(FILE, i) as number);
    if (!/^[0-9a-f]{16}$/.test(run)) {
      bad.set(run, `a row has ${KEY_COLUMN} ${JSON.stringify(run)}`);
      continue;
    }
    if (bad.has(run)) continue;
    const version = firsts.value(VERSION_COLUMN, i);
    if (typeof version !== "number") {
      bad.set(run, `no ${VERSION_COLUMN} column`);
      continue;
    }
    if (version !== experiment.version) continue; // older runs: only their consistency can be checked
    try {
      const config = experiment.validate(
        Object.fromEntries(fields.map((f) => [f, firsts.value(f, i)]).filter(([, v]) => v !== undefined)),
      );
      const actual = runKey(config, version);
      if (actual !== run) bad.set(run, `holds the run ${actual}, not ${run}`);
    } catch (error) {
      bad.set(run, (error as Error).message);
    }
  }
  // A bad run is left out; a single file holding one is left where it is, a compacted file is merged without it.
  const leftWhere = new Set<number>();
  for (const [run, problem] of bad) {
    const file = fileOf.get(run)!, path = `${dir}/${names[file]}`;
    if (file < runFiles.length) {
      leftWhere.add(file);
      unreadable.push(`${path}: ${problem}`);
    } else unreadable.push(`${path}: run ${run}: ${problem}`);
  }
  if (bad.size > 0) frame = frame.filter(key.isIn([...bad.keys()]).not());
  const keys = new Set([...fileOf.keys()].filter((run) => !bad.has(run)));
  // The declared types (files written before columns were typed hold Float64 integers); the key column first.
  const casts = Object.entries(storedColumns(experiment)).flatMap(([column, type]) => {
    if (!frame.columns.includes(column)) return [];
    const dtype = type === "integer"
      ? pl.Int64
      : type === "float"
      ? pl.Float64
      : type === "boolean"
      ? pl.Bool
      : type === "string"
      ? pl.Utf8
      : undefined;
    return dtype ? [pl.col(column).cast(dtype)] : [];
  });
  frame = frame.drop(FILE);
  if (casts.length > 0) frame = frame.withColumns(...casts);
  frame = frame.select(KEY_COLUMN, ...frame.columns.filter((c) => c !== KEY_COLUMN));
  const merged = names.filter((_, i) => !leftWhere.has(i));
  return { frame, keys, runs: keys.size, merged, unreadable };
}

/** Files (single runs and compacted files) in an experiment's folder from which {@linkcode compactIfFragmented} compacts. */
export const FRAGMENTED_FILES = 16;

/**
 * Compacts the experiment's runs in `storeDir` when its folder holds at least
 * `minFiles` run and compacted files (default {@linkcode FRAGMENTED_FILES}):
 * what a sweep or a render does at its end, so the next render reads one file.
 * Returns the report, or undefined when the folder was left as it is.
 */
export function compactIfFragmented(
  storeDir: string,
  experiment: Experiment,
  options: { minFiles?: number } = {},
): CompactReport | undefined {
  let files = 0;
  try {
    for (const entry of Deno.readDirSync(`${storeDir}/${experiment.name}`)) {
      if (entry.isFile && (RUN_FILE_NAME.test(entry.name) || COMPACTED_NAME.test(entry.name))) files++;
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  if (files < (options.minFiles ?? FRAGMENTED_FILES)) return undefined;
  return compactExperiment(storeDir, experiment);
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
