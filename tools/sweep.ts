/**
 * Runs a sweep file: every grid point not yet in the result store, on all
 * cores, with a progress bar and an estimate of the time left.
 *
 * ```sh
 * deno task sweep sweeps/gaussian.yaml [--shard i/N] [--store DIR] [--workers K] [--refresh]
 * ```
 *
 * With `--shard i/N` only the i-th of N disjoint slices runs, so a SLURM job
 * array or a Kubernetes indexed Job covers a sweep with no other coordination;
 * `deno task merge` then combines the shards' stores.
 *
 * @module
 */

import { runGrid } from "../lib/run/runner.ts";
import { defaultStoreDir } from "../lib/run/store.ts";
import { parseShard, parseSweep, shardConfigs } from "../lib/run/sweep.ts";

const USAGE = "usage: deno task sweep FILE [--shard i/N] [--store DIR] [--workers K] [--refresh]";

/** Runs the command line; returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  let file: string | undefined;
  let shard = { index: 0, count: 1 };
  let storeDir = defaultStoreDir();
  let workers: number | undefined;
  let refresh = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--shard") shard = parseShard(args[++i] ?? "");
    else if (arg === "--store") storeDir = args[++i];
    else if (arg === "--workers") workers = Number(args[++i]);
    else if (arg === "--refresh") refresh = true;
    else if (arg.startsWith("--")) throw new RangeError(`unknown flag ${arg}; ${USAGE}`);
    else if (file === undefined) file = arg;
    else throw new RangeError(`one sweep file at a time; ${USAGE}`);
  }
  if (!file) throw new RangeError(USAGE);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) {
    throw new RangeError(`--workers must be an integer >= 1, got ${workers}`);
  }
  const sweep = parseSweep(await Deno.readTextFile(file), file);
  const configs = shardConfigs(sweep.configs, shard);
  console.log(
    `${file}: experiment ${sweep.experiment.name}, ${sweep.configs.length} runs in the grid, ` +
      `shard ${shard.index}/${shard.count}: ${configs.length} runs, store ${storeDir}`,
  );
  await runGrid(sweep.experiment, configs, { refresh, storeDir, workers, label: `sweep ${sweep.experiment.name}` });
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`sweep: ${(error as Error).message}`);
    Deno.exit(2);
  }
}
