/**
 * The result store: one Parquet file per run (its per-iteration metrics and its
 * full configuration), named by a hash of the configuration. A run whose file
 * exists is not recomputed; a file is written to a temporary name and renamed,
 * so an interrupted run never leaves a partial file behind.
 *
 * @module
 */

import pl from "nodejs-polars";
import { fnv1a64 } from "../numerics/hash.ts";

/** A run's configuration: flat JSON values only, so each becomes a column. */
export type RunConfig = Record<string, string | number | boolean>;

/** One row of a run's results: its configuration plus one iteration's values. */
export type RunRow = Record<string, string | number | boolean>;

/** The store's root folder: `COLLAPSE_STORE_DIR`, else `runs/` in the project. */
export function defaultStoreDir(): string {
  return Deno.env.get("COLLAPSE_STORE_DIR") ??
    new URL("../../runs", import.meta.url).pathname;
}

/** A canonical JSON text of `config` (keys sorted), the identity of a run. */
export function canonicalConfig(config: RunConfig): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(config).sort(([a], [b]) => a.localeCompare(b)),
    ),
  );
}

/** A 64-bit FNV-1a hash of the canonical configuration, as 16 hex digits. */
export function runKey(config: RunConfig): string {
  return fnv1a64(canonicalConfig(config));
}

/** Where the run of `config` of `experiment` is stored. */
export function runPath(
  experiment: string,
  config: RunConfig,
  storeDir = defaultStoreDir(),
): string {
  return `${storeDir}/${experiment}/${runKey(config)}.parquet`;
}

/**
 * What a run computes: its rows, and optionally named text files stored beside
 * them (e.g. the language model's example texts, "examples.json").
 */
export interface RunOutput {
  rows: RunRow[];
  attachments?: Record<string, string>;
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
