/**
 * Reading an experiment's stored runs for a grid: the folder is listed once,
 * its compacted files (compacted.ts) are read and indexed once, and each run
 * is then a lookup. A file that cannot be used (not Parquet, truncated, empty,
 * or rows of another configuration or version than its key says) is named in
 * a warning, moved to `corrupt/` beside it, and its run counts as not stored,
 * so the runner computes it again and the grid goes on.
 *
 * @module
 */

import type { Experiment } from "../experiments/define.ts";
import { COMPACTED_NAME, type CompactedFile, readCompacted } from "./compacted.ts";
import {
  defaultStoreDir,
  mismatch,
  quarantine,
  readRunFrame,
  type RunConfig,
  runKey,
  type RunRow,
  UnreadableRunError,
  wholeFrame,
} from "./store.ts";

/** Options of {@linkcode StoreReader}. */
export interface StoreReaderOptions {
  storeDir?: string;
  /** Where warnings about unusable files go; default console.warn. */
  warn?: (line: string) => void;
}

/** The stored runs of one experiment in one store, read with checks. */
export class StoreReader {
  readonly #experiment: Experiment;
  readonly #dir: string;
  readonly #warn: (line: string) => void;
  readonly #fields: string[];
  readonly #names: Set<string>;
  #compacted?: CompactedFile[];
  #index?: Map<string, CompactedFile[]>;

  /** Lists the experiment's folder in the store (compacted files are read on first need). */
  constructor(experiment: Experiment, options: StoreReaderOptions = {}) {
    this.#experiment = experiment;
    this.#dir = `${options.storeDir ?? defaultStoreDir()}/${experiment.name}`;
    this.#warn = options.warn ?? ((line) => console.warn(line));
    this.#fields = Object.keys(experiment.fields);
    this.#names = new Set();
    try {
      for (const entry of Deno.readDirSync(this.#dir)) if (entry.isFile) this.#names.add(entry.name);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  /**
   * The stored rows of the run of `config` (a validated configuration) at the
   * experiment's current version, or undefined when it is not stored or its
   * file was unusable (then moved aside, with a warning).
   */
  read(config: RunConfig): RunRow[] | undefined {
    const version = this.#experiment.version;
    const key = runKey(config, version);
    const expected = { config, version, fields: this.#fields };
    if (this.#names.has(`${key}.parquet`)) {
      const rows = this.#readFile(`${this.#dir}/${key}.parquet`, expected);
      if (rows) return rows;
    }
    for (const file of this.#compactedIndex().get(key) ?? []) {
      const range = file.index.get(key)!;
      const run = { frame: file.frame, ...range };
      const problem = mismatch(run, expected);
      if (!problem) return file.frame.rows(range.start, range.end);
      this.#warn(`warning: ${file.path}: run ${key} is unusable (${problem}); it is computed again`);
    }
    return undefined;
  }

  /** Whether the run of `config` is stored under an older version of the experiment (and so ignored). */
  storedByOlderVersion(config: RunConfig): boolean {
    for (let version = this.#experiment.version - 1; version >= 1; version--) {
      const key = runKey(config, version);
      if (this.#names.has(`${key}.parquet`)) return true;
      if (this.#compactedIndex().has(key)) return true;
    }
    return false;
  }

  #readFile(path: string, expected: Parameters<typeof mismatch>[1]): RunRow[] | undefined {
    for (let attempt = 0;; attempt++) {
      const before = identity(path);
      if (before === undefined) return undefined;
      let reason: string;
      try {
        const frame = readRunFrame(path);
        const problem = mismatch(wholeFrame(frame), expected);
        if (!problem) return frame.rows();
        reason = problem;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return undefined;
        if (!(error instanceof UnreadableRunError)) throw error;
        reason = error.reason;
      }
      // Another process may have just replaced the file with a good one: read that instead of moving it away.
      if (identity(path) !== before && attempt === 0) continue;
      this.#setAside(path, reason);
      return undefined;
    }
  }

  /** Each key's compacted files, in the files' order (many batch files: one lookup, not one per file). */
  #compactedIndex(): Map<string, CompactedFile[]> {
    if (this.#index) return this.#index;
    this.#index = new Map();
    for (const file of this.#compactedFiles()) {
      for (const key of file.index.keys()) {
        const files = this.#index.get(key);
        if (files) files.push(file);
        else this.#index.set(key, [file]);
      }
    }
    return this.#index;
  }

  #compactedFiles(): CompactedFile[] {
    if (this.#compacted) return this.#compacted;
    this.#compacted = [];
    for (const name of [...this.#names].filter((n) => COMPACTED_NAME.test(n)).sort()) {
      try {
        this.#compacted.push(readCompacted(`${this.#dir}/${name}`));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        if (!(error instanceof UnreadableRunError)) throw error;
        this.#setAside(error.path, error.reason);
      }
    }
    return this.#compacted;
  }

  #setAside(path: string, reason: string): void {
    let where: string;
    try {
      where = `moved to ${quarantine(path)}`;
    } catch (error) {
      where = error instanceof Deno.errors.NotFound ? "already moved" : `not moved: ${(error as Error).message}`;
    }
    this.#warn(`warning: ${path} is unusable (${reason}); ${where}; what it held is computed again`);
  }
}

function identity(path: string): string | undefined {
  try {
    const info = Deno.statSync(path);
    return `${info.ino}:${info.size}:${info.mtime?.getTime()}`;
  } catch {
    return undefined;
  }
}
