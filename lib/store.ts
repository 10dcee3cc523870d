/**
 * The result store: one Parquet file per run (its per-iteration metrics and its
 * full configuration), named by a hash of the configuration. A run whose file
 * exists is not recomputed; a file is written to a temporary name and renamed,
 * so an interrupted run never leaves a partial file behind.
 *
 * @module
 */

import pl from "nodejs-polars";

/** A run's configuration: flat JSON values only, so each becomes a column. */
export type RunConfig = Record<string, string | number | boolean>;

/** One row of a run's results: its configuration plus one iteration's values. */
export type RunRow = Record<string, string | number | boolean>;

/** The store's root folder: `COLLAPSE_STORE_DIR`, else `runs/` in the project. */
export function defaultStoreDir(): string {
  return Deno.env.get("COLLAPSE_STORE_DIR") ??
    new URL("../runs", import.meta.url).pathname;
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
  // 64-bit FNV-1a in four 16-bit limbs: exact, and much faster than BigInt.
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  for (const byte of new TextEncoder().encode(canonicalConfig(config))) {
    h0 ^= byte;
    // Multiply by the FNV prime 2^40 + 0x1b3, limb by limb with carries.
    const t0 = h0 * 0x1b3, t1 = h1 * 0x1b3, t2 = h2 * 0x1b3 + (h0 << 8), t3 = h3 * 0x1b3 + (h1 << 8);
    const c1 = t1 + (t0 >>> 16), c2 = t2 + (c1 >>> 16);
    h3 = (t3 + (c2 >>> 16)) & 0xffff;
    h2 = c2 & 0xffff;
    h1 = c1 & 0xffff;
    h0 = t0 & 0xffff;
  }
  return [h3, h2, h1, h0].map((limb) => limb.toString(16).padStart(4, "0")).join("");
}

/** Where the run of `config` of `experiment` is stored. */
export function runPath(
  experiment: string,
  config: RunConfig,
  storeDir = defaultStoreDir(),
): string {
  return `${storeDir}/${experiment}/${runKey(config)}.parquet`;
}

/** Writes a run's rows atomically (temporary file, then rename). */
export function writeRun(path: string, rows: RunRow[]): void {
  if (rows.length === 0) {
    throw new RangeError(`refusing to store an empty run at ${path}`);
  }
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  const temporary = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  pl.DataFrame(rows).writeParquet(temporary);
  Deno.renameSync(temporary, path);
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
