/**
 * The result store: one Parquet file per run (its rows: the full
 * configuration, the experiment's version and each iteration's values), named
 * by a hash of the configuration and the version. A run whose file exists is
 * not recomputed; a file is written to a temporary name and renamed, so an
 * interrupted run never leaves a partial file behind.
 *
 * @module
 */

import pl from "nodejs-polars";
import { canonicalConfig, type RunRow } from "../experiments/define.ts";
import type { Config } from "../experiments/fields.ts";
import { fnv1a64 } from "../numerics/hash.ts";

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

/**
 * Writes a run atomically (each file to a temporary name, then renamed): its
 * attachments first, the Parquet rows last, so a stored run always has its
 * attachments.
 */
export function writeRun(path: string, rows: RunRow[], options: { attachments?: Record<string, string> } = {}): void {
  if (rows.length === 0) {
    throw new RangeError(`refusing to store an empty run at ${path}`);
  }
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  const temporary = (target: string): string => `${target}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  for (const [name, text] of Object.entries(options.attachments ?? {})) {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(name) || name === "parquet") {
      throw new RangeError(`attachment names are like "examples.json", got ${JSON.stringify(name)}`);
    }
    const target = attachmentPath(path, name), written = temporary(target);
    Deno.writeTextFileSync(written, text);
    Deno.renameSync(written, target);
  }
  const written = temporary(path);
  pl.DataFrame(rows).writeParquet(written);
  Deno.renameSync(written, path);
}

/** Reads a stored run's rows, or undefined when it is not stored. */
export function readRun(path: string): RunRow[] | undefined {
  try {
    Deno.statSync(path);
  } catch {
    return undefined;
  }
  return pl.readParquet(path).toRecords() as RunRow[];
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
