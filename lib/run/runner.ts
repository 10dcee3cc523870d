/**
 * Runs a grid of an experiment's configurations: stored runs are read back
 * (an unusable file is set aside and its run computed again: store_reader.ts),
 * missing ones are computed in parallel workers (one per core) and stored as
 * each one finishes, so an interrupted grid loses only the runs in flight.
 *
 * @module
 */

import type { Experiment } from "../experiments/define.ts";
import { Progress } from "../util/progress.ts";
import { showVolatile } from "../util/volatile.ts";
import type { RunRequest, RunResponse } from "./run_worker.ts";
import {
  defaultStoreDir,
  type RunConfig,
  runPath,
  type RunRow,
  storedColumns,
  VERSION_COLUMN,
  writeRun,
} from "./store.ts";
import { StoreReader } from "./store_reader.ts";

/** Options of {@linkcode runGrid}. */
export interface RunGridOptions {
  /** Recompute runs even if stored. */
  refresh?: boolean;
  /** Parallel workers; defaults to the number of cores. */
  workers?: number;
  storeDir?: string;
  /** Label of the progress line. */
  label?: string;
  /** Called after each computed (not stored) run is written. */
  onComputed?: (config: RunConfig) => void;
}

/** How many runs of a grid were read from the store, computed, or found only under an older version. */
export interface GridCounts {
  runs: number;
  reused: number;
  computed: number;
  /** Runs stored by an older version of the experiment (ignored, so computed anew). */
  olderVersion: number;
}

/**
 * The rows of every run of `configs` (each checked first, so a bad one fails
 * before any work), computing only those not stored under the experiment's
 * current version. Every row carries the version (column `experimentVersion`).
 */
export async function runGrid(
  experiment: Experiment,
  configs: readonly RunConfig[],
  options: RunGridOptions = {},
): Promise<RunRow[]> {
  const storeDir = options.storeDir ?? defaultStoreDir();
  const valid = configs.map((config) => experiment.validate(config));
  const results = new Array<RunRow[] | undefined>(valid.length);
  const missing: number[] = [];
  const reader = new StoreReader(experiment, { storeDir });
  valid.forEach((config, i) => {
    const stored = options.refresh ? undefined : reader.read(config);
    if (stored) results[i] = stored;
    else missing.push(i);
  });
  const counts: GridCounts = {
    runs: valid.length,
    reused: valid.length - missing.length,
    computed: missing.length,
    olderVersion: missing.filter((i) => reader.storedByOlderVersion(valid[i])).length,
  };
  const label = options.label ?? experiment.name;
  const grid = ++grids;
  await showVolatile(describeCounts(label, experiment, counts), { id: `grid-${grid}` });
  logCounts(experiment, counts);
  if (missing.length > 0) {
    const cost = (index: number): number => experiment.cost?.(valid[index]) ?? 1;
    const queue = [...missing].sort((a, b) => cost(b) - cost(a) || a - b);
    const wanted = Math.min(options.workers ?? navigator.hardwareConcurrency, experiment.maxWorkers ?? Infinity);
    const workerCount = Math.max(1, Math.min(wanted, missing.length));
    // Each worker takes the next of the queue when free: the estimate of the time left schedules them so.
    const progress = new Progress(label, missing.length, { costs: queue.map(cost), workers: workerCount });
    const failures: string[] = [];
    const columns = storedColumns(experiment);
    await Promise.all(Array.from({ length: workerCount }, async () => {
      const worker = new Worker(new URL("./run_worker.ts", import.meta.url), { type: "module" });
      try {
        for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
          const config = valid[index];
          const item = progress.start(cost(index));
          const response = await request(worker, { id: index, moduleUrl: experiment.module, config }, grid);
          if ("error" in response) {
            failures.push(`run ${JSON.stringify(config)} failed:\n${response.error}`);
            queue.length = 0;
            break;
          }
          const rows = response.rows.map((row) => ({ ...row, [VERSION_COLUMN]: experiment.version }));
          writeRun(runPath(experiment, config, storeDir), rows, { attachments: response.attachments, columns });
          results[index] = rows;
          options.onComputed?.(config);
          progress.finish(item);
        }
      } finally {
        worker.terminate();
      }
    }));
    if (failures.length > 0) throw new Error(failures.join("\n"));
  }
  return results.flatMap((rows) => rows!);
}

/** The summary line of a grid: runs reused, computed, and stored only by an older version. */
export function describeCounts(label: string, experiment: Experiment, counts: GridCounts): string {
  const older = counts.olderVersion > 0 ? ` (${counts.olderVersion} of them stored by an older version, ignored)` : "";
  return `${label}: ${counts.runs} runs of version ${experiment.version}: ${counts.reused} reused, ` +
    `${counts.computed} to compute${older}`;
}

let grids = 0;

/**
 * Appends a grid's counts to the file `COLLAPSE_GRID_LOG` names, if any: `render-all` sets it and sums the
 * counts per experiment over every notebook.
 */
function logCounts(experiment: Experiment, counts: GridCounts): void {
  const file = Deno.env.get("COLLAPSE_GRID_LOG");
  if (!file) return;
  const line = JSON.stringify({ experiment: experiment.name, version: experiment.version, ...counts });
  Deno.writeTextFileSync(file, line + "\n", { append: true });
}

function request(
  worker: Worker,
  message: RunRequest,
  grid: number,
): Promise<Exclude<RunResponse, { log: string }>> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<RunResponse>) => {
      const data = event.data;
      if ("log" in data) void showVolatile(data.log, { id: `grid-${grid}-run-${message.id}` });
      else resolve(data);
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      reject(new Error(`worker failed: ${event.message}`));
    };
    worker.postMessage(message);
  });
}
