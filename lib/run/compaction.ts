/**
 * Compaction: an experiment's single-run files and older compacted files
 * merged into one compacted file (lib/run/compacted.ts), in polars, the merged
 * files removed only once the new one is written, flushed and read back. What
 * `deno task store compact` runs, and sweeps and renders at their end when a
 * folder is fragmented. Tested in compacted_test.ts.
 *
 * @module
 */

import pl from "nodejs-polars";
import type { Experiment } from "../experiments/define.ts";
import { fnv1a64 } from "../numerics/hash.ts";
import { DecodedFrame, NUMBER_SUFFIX } from "./columns.ts";
import {
  checkKey,
  COMPACTED_NAME,
  type CompactedFile,
  KEY_COLUMN,
  readCompacted,
  RUN_FILE_NAME,
  writeCompacted,
} from "./compacted.ts";
import {
  readRunFrame,
  runKey,
  type RunRange,
  storedColumns,
  syncFolder,
  VERSION_COLUMN,
  wholeFrame,
  writeParquetDurably,
} from "./store.ts";
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
    writeParquetDurably(path, fast.frame, { compression: "zstd" });
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
