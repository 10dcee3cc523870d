/**
 * Runs a sweep file: every grid point not yet in the result store, on all
 * cores, with a progress bar and an estimate of the time left.
 *
 * ```sh
 * deno task sweep sweeps/gaussian.yaml [--shard i/N] [--store DIR] [--workers K] [--refresh] [--no-compact]
 *   [--profile]
 * ```
 *
 * `--profile` ends with where the time went: reading the store, the workers'
 * runs (the native kernels by name, the TypeScript around them), messages to
 * and from the workers, writing the store, idle workers, and compaction.
 *
 * At the end the experiment's folder is compacted (one file for a render to
 * read) when the sweep left it in many files; `--no-compact` leaves them.
 *
 * With `--shard i/N` only the i-th of N disjoint slices runs, so a SLURM job
 * array or a Kubernetes indexed Job covers a sweep with no other coordination;
 * `deno task merge` then combines the shards' stores.
 *
 * @module
 */

import { compactIfFragmented } from "../lib/run/compaction.ts";
import { formatGridProfile, type GridProfile } from "../lib/run/grid_profile.ts";
import { runGrid } from "../lib/run/runner.ts";
import { defaultStoreDir } from "../lib/run/store.ts";
import { parseShard, parseSweep, shardConfigs } from "../lib/run/sweep.ts";
import { parseCommandLine, positiveNumber, runTool, UsageError } from "./cli.ts";

const USAGE =
  "usage: deno task sweep FILE [--shard i/N] [--store DIR] [--workers K] [--refresh] [--no-compact] [--profile]";

/** Parsed command line of the sweep tool. */
export interface SweepArgs {
  /** The sweep file; absent only with `help`. */
  file?: string;
  shard: { index: number; count: number };
  /** The result store; default {@linkcode defaultStoreDir}. */
  storeDir?: string;
  workers?: number;
  refresh: boolean;
  /** Leave the store's files as the sweep wrote them (by default a fragmented experiment folder is compacted). */
  noCompact: boolean;
  /** Print where the time went at the end. */
  profile: boolean;
  help: boolean;
}

/** Parses the command line; throws a {@linkcode UsageError} naming the flag and what it allows. */
export function parseSweepArgs(argv: readonly string[]): SweepArgs {
  const { values, positionals } = parseCommandLine(argv, {
    usage: USAGE,
    flags: {
      shard: { type: "string" },
      store: { type: "string" },
      workers: { type: "string" },
      refresh: { type: "boolean" },
      "no-compact": { type: "boolean" },
      profile: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const help = values.help ?? false;
  if (positionals.length === 0 && !help) throw new UsageError("which sweep file? (e.g. sweeps/gaussian.yaml)", USAGE);
  if (positionals.length > 1) {
    throw new UsageError(`one sweep file at a time, got ${positionals.length}: ${positionals.join(" ")}`, USAGE);
  }
  let shard = { index: 0, count: 1 };
  if (values.shard !== undefined) {
    try {
      shard = parseShard(values.shard);
    } catch (error) {
      throw new UsageError((error as Error).message, USAGE);
    }
  }
  return {
    file: positionals[0],
    shard,
    storeDir: values.store,
    workers: values.workers === undefined
      ? undefined
      : positiveNumber(values.workers, { flag: "--workers", integer: true, usage: USAGE }),
    refresh: values.refresh ?? false,
    noCompact: values["no-compact"] ?? false,
    profile: values.profile ?? false,
    help,
  };
}

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const args = parseSweepArgs(argv);
  if (args.help || args.file === undefined) {
    console.log(USAGE);
    return 0;
  }
  const { file, shard, workers, refresh } = args;
  const storeDir = args.storeDir ?? defaultStoreDir();
  const sweep = parseSweep(await Deno.readTextFile(file), file);
  const configs = shardConfigs(sweep.configs, shard);
  console.log(
    `${file}: experiment ${sweep.experiment.name}, ${sweep.configs.length} runs in the grid, ` +
      `shard ${shard.index}/${shard.count}: ${configs.length} runs, store ${storeDir}`,
  );
  let profile: GridProfile | undefined;
  await runGrid(sweep.experiment, configs, {
    refresh,
    storeDir,
    workers,
    label: `sweep ${sweep.experiment.name}`,
    keepRows: false,
    onProfile: args.profile ? (p) => profile = p : undefined,
  });
  let compactionMs = 0;
  if (!args.noCompact) {
    // One file for the next render to read, instead of the sweep's batch files (store_reader.ts reads either).
    const started = performance.now();
    const report = compactIfFragmented(storeDir, sweep.experiment);
    compactionMs = performance.now() - started;
    if (report?.written) {
      console.log(
        `compacted ${report.runs} runs of ${sweep.experiment.name} from ${report.merged} files in ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s (--no-compact leaves them)`,
      );
    }
    for (const line of report?.unreadable ?? []) console.error(`unreadable ${line}`);
  }
  if (profile) {
    console.log(formatGridProfile(profile));
    console.log(`  ${(compactionMs / 1000).toFixed(1).padStart(8)} s  compacting the store (after the grid)`);
  }
  return 0;
}

if (import.meta.main) await runTool("sweep", () => main(Deno.args));
