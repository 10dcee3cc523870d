/**
 * The result store: one Parquet file per run (its rows: the full
 * configuration, the experiment's version and each iteration's values), named
 * by a hash of the configuration and the version, in typed columns (see
 * columns.ts). A run whose file exists is not recomputed. Every file is
 * written to a temporary name, flushed to disk, then renamed, so a crash never
 * leaves a partial file under a run's name; a file that is unreadable anyway
 * (a full disk, a half-copied shard) is moved aside by the reader
 * (store_reader.ts) and its run computed again. `deno task store compact`
 * gathers many runs into one file (compacted.ts) that is read at once.
 *
 * @module
 */

import pl from "nodejs-polars";
import { canonicalConfig, type RunRow } from "../experiments/define.ts";
import type { Config, Fields } from "../experiments/fields.ts";
import { fnv1a64 } from "../numerics/hash.ts";
import { type ColumnTypes, DecodedFrame, encodeRows } from "./columns.ts";

export type { RunOutput, RunRow } from "../experiments/define.ts";
export { canonicalConfig } from "../experiments/define.ts";

/** A run's configuration: flat JSON values only, so each becomes a column. */
export type RunConfig = Config;

/** What names a run's folder and key: the experiment's name and version. */
export interface StoredExperiment {
  name: string;
  version: number;
}

/** The column every stored row carries: the version of the experiment that computed it. */
export const VERSION_COLUMN = "experimentVersion";

/** The folder of runs an unreadable file is moved to, inside its experiment's folder. */
export const CORRUPT_FOLDER = "corrupt";

/** Columns of workflow rows that are integers whatever the experiment (see workflowRows). */
const INTEGER_COLUMNS = ["iteration", "trainingSize", VERSION_COLUMN] as const;

/** The store's root folder: `COLLAPSE_STORE_DIR`, else `runs/` in the project. */
export function defaultStoreDir(): string {
  return Deno.env.get("COLLAPSE_STORE_DIR") ?? new URL("../../runs", import.meta.url).pathname;
}

/** A 64-bit FNV-1a hash of the canonical configuration with the version, as 16 hex digits. */
export function runKey(config: RunConfig, version: number): string {
  return fnv1a64(canonicalConfig({ ...config, [VERSION_COLUMN]: version }));
}

/** Where the run of `config` of `experiment` (at its version) is stored. */
export function runPath(experiment: StoredExperiment, config: RunConfig, storeDir = defaultStoreDir()): string {
  return `${storeDir}/${experiment.name}/${runKey(config, experiment.version)}.parquet`;
}

/** Where the attachment `name` of the run stored at `path` lives: `<key>.<name>` beside `<key>.parquet`. */
export function attachmentPath(path: string, name: string): string {
  return path.replace(/\.parquet$/, `.${name}`);
}

/** The stored column types of an experiment's rows: its fields' declarations, and the integer bookkeeping columns. */
export function storedColumns(experiment: { fields: Fields }): ColumnTypes {
  return {
    ...Object.fromEntries(INTEGER_COLUMNS.map((name) => [name, "integer" as const])),
    ...Object.fromEntries(Object.entries(experiment.fields).map(([name, field]) => [name, field.column])),
  };
}

/** A run file that cannot be used: its path and why. */
export class UnreadableRunError extends Error {
  /** `path` is the file; `reason` says what is wrong with it. */
  constructor(readonly path: string, readonly reason: string) {
    super(`${path}: ${reason}`);
    this.name = "UnreadableRunError";
  }
}

/** Options of {@linkcode writeRun}. */
export interface WriteRunOptions {
  /** Text files stored beside the rows as `<key>.<name>`. */
  attachments?: Record<string, string>;
  /** Declared column types (see {@linkcode storedColumns}); undeclared columns get the type of their values. */
  columns?: ColumnTypes;
}

/**
 * Writes a run durably: its attachments first, the Parquet rows last (so a
 * stored run always has its attachments), each to a temporary name, flushed
 * to disk, then renamed; then the folder is flushed, so the new names survive
 * a crash too.
 */
export function writeRun(path: string, rows: RunRow[], options: WriteRunOptions = {}): void {
  if (rows.length === 0) {
    throw new RangeError(`refusing to store an empty run at ${path}`);
  }
  const attachments = Object.entries(options.attachments ?? {});
  for (const [name] of attachments) {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(name) || name === "parquet") {
      throw new RangeError(`attachment names are like "examples.json", got ${JSON.stringify(name)}`);
    }
  }
  const frame = encodeRows(rows, { types: options.columns });
  const dir = path.slice(0, path.lastIndexOf("/"));
  Deno.mkdirSync(dir, { recursive: true });
  for (const [name, text] of attachments) {
    writeFileDurably(attachmentPath(path, name), new TextEncoder().encode(text), { syncFolder: false });
  }
  writeParquetDurably(path, frame, { syncFolder: false });
  syncFolder(dir);
}

/**
 * What a durable write puts at its path: bytes, or a function that writes the
 * file at the temporary path it is given (polars writes Parquet straight to a
 * file several times faster than through a JavaScript stream of small chunks).
 */
export type FileContent = Uint8Array | ((temporary: string) => void);

/**
 * Writes `content` to `path` atomically and durably: to a temporary name in
 * the same folder, flushed (fsync), renamed, then (unless `syncFolder` is
 * false) the folder flushed.
 */
export function writeFileDurably(path: string, content: FileContent, options: { syncFolder?: boolean } = {}): void {
  const temporary = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    // A writer has made the file already; bytes go into a new one.
    if (typeof content === "function") content(temporary);
    const file = Deno.openSync(temporary, { write: true, createNew: typeof content !== "function" });
    try {
      if (typeof content !== "function") {
        for (let written = 0; written < content.length;) written += file.writeSync(content.subarray(written));
      }
      file.syncSync();
    } finally {
      file.close();
    }
  } catch (error) {
    try {
      Deno.removeSync(temporary);
    } catch { /* never created */ }
    throw error;
  }
  Deno.renameSync(temporary, path);
  if (options.syncFolder ?? true) syncFolder(path.slice(0, path.lastIndexOf("/")));
}

/** Writes `frame` as a Parquet file at `path` durably ({@linkcode writeFileDurably}). */
export function writeParquetDurably(
  path: string,
  frame: pl.DataFrame,
  options: { compression?: "uncompressed" | "lz4" | "zstd"; syncFolder?: boolean } = {},
): void {
  const compression = options.compression ?? "uncompressed";
  writeFileDurably(path, (temporary) => frame.writeParquet(temporary, { compression }), options);
}

/** Flushes a folder's entries (new and renamed names) to disk, where the system allows it (not on Windows). */
export function syncFolder(dir: string): void {
  let folder: Deno.FsFile;
  try {
    folder = Deno.openSync(dir, { read: true });
  } catch {
    return;
  }
  try {
    folder.syncSync();
  } catch { /* a folder that cannot be flushed (some file systems refuse): its files are flushed */ }
  folder.close();
}

/**
 * Reads and decodes a Parquet run file; throws an {@linkcode UnreadableRunError}
 * naming the file if it is not Parquet, is truncated or empty, or has no rows.
 */
export function readRunFrame(path: string): DecodedFrame {
  let frame: DecodedFrame;
  try {
    frame = new DecodedFrame(pl.readParquet(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw error;
    throw new UnreadableRunError(path, (error as Error).message);
  }
  if (frame.height === 0) throw new UnreadableRunError(path, "the file has no rows");
  return frame;
}

/**
 * Reads a stored run's rows, or undefined when it is not stored; throws an
 * {@linkcode UnreadableRunError} naming the file when it cannot be read.
 */
export function readRun(path: string): RunRow[] | undefined {
  try {
    Deno.statSync(path);
  } catch {
    return undefined;
  }
  return readRunFrame(path).rows();
}

/** Rows `start` to `end` (excluded) of a decoded file: one run's rows. */
export interface RunRange {
  frame: DecodedFrame;
  start: number;
  end: number;
}

/** The whole of a decoded run file, as a {@linkcode RunRange}. */
export function wholeFrame(frame: DecodedFrame): RunRange {
  return { frame, start: 0, end: frame.height };
}

/**
 * Why the rows of `run` are not the run of `config` at `version` (a row whose
 * version or configuration field differs, or no rows), or undefined when they
 * are. Compares columns, so no row objects are built.
 */
export function mismatch(
  run: RunRange,
  expected: { config: RunConfig; version: number; fields: readonly string[] },
): string | undefined {
  const { frame, start, end } = run;
  if (end <= start) return "no rows";
  const wanted: [string, unknown][] = [
    [VERSION_COLUMN, expected.version],
    ...expected.fields.map((field) => [field, expected.config[field]] as [string, unknown]),
  ];
  for (const [name, value] of wanted) {
    const valueAt = frame.accessor(name);
    for (let i = start; i < end; i++) {
      const stored = valueAt(i);
      // === and not Object.is: the key's JSON text writes -0 as 0, and an integer column stores it so.
      if (stored !== value) {
        return `row ${i - start} has ${name} ${JSON.stringify(stored) ?? "missing"}, its key's ${
          name === VERSION_COLUMN ? "version" : "configuration"
        } ${JSON.stringify(value) ?? "missing"}`;
      }
    }
  }
  return undefined;
}

/**
 * The key, version and configuration of the run whose rows `run` holds: its
 * configuration (the experiment's fields in the first row, validated) with
 * the row's version; throws if the rows do not agree on them.
 */
export function identifyRun(
  run: RunRange,
  experiment: { fields: Fields; validate(config: Record<string, unknown>): RunConfig },
): { key: string; version: number; config: RunConfig } {
  const { frame, start, end } = run;
  if (end <= start) throw new RangeError("no rows");
  const version = frame.value(VERSION_COLUMN, start);
  if (typeof version !== "number") throw new RangeError(`no ${VERSION_COLUMN} column`);
  const fields = Object.keys(experiment.fields);
  const first = Object.fromEntries(
    fields.map((f) => [f, frame.value(f, start)]).filter(([, v]) => v !== undefined),
  );
  const config = experiment.validate(first);
  const problem = mismatch(run, { config, version, fields });
  if (problem) throw new RangeError(problem);
  return { key: runKey(config, version), version, config };
}

/** The text of attachment `name` of a stored run, or undefined when the run or the attachment is not stored. */
export function readAttachment(
  experiment: StoredExperiment,
  config: RunConfig,
  options: { name: string; storeDir?: string },
): string | undefined {
  try {
    return Deno.readTextFileSync(attachmentPath(runPath(experiment, config, options.storeDir), options.name));
  } catch {
    return undefined;
  }
}

/**
 * Moves the unreadable file `path` to `corrupt/` beside it (keeping its name,
 * with `-1`, `-2`, ... before the extension if that is taken); returns where
 * it went.
 */
export function quarantine(path: string): string {
  const slash = path.lastIndexOf("/");
  const dir = `${path.slice(0, slash)}/${CORRUPT_FOLDER}`, name = path.slice(slash + 1);
  Deno.mkdirSync(dir, { recursive: true });
  const dot = name.indexOf(".");
  const [stem, extension] = dot < 0 ? [name, ""] : [name.slice(0, dot), name.slice(dot)];
  for (let n = 0;; n++) {
    const target = `${dir}/${n === 0 ? name : `${stem}-${n}${extension}`}`;
    try {
      Deno.lstatSync(target);
    } catch {
      Deno.renameSync(path, target);
      syncFolder(dir);
      return target;
    }
  }
}
