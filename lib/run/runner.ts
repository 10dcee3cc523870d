/**
 * Runs a grid of an experiment's configurations: stored runs are read back
 * (an unusable file is set aside and its run computed again: store_reader.ts),
 * missing ones are computed in parallel workers (one per core), costliest
 * first, and stored by the worker as each batch finishes (run_worker.ts), so
 * an interrupted grid loses only the runs in flight and the store's writes
 * run in parallel too. Cheap runs travel in batches of about a quarter of a
 * second of work ({@linkcode Batcher}): one message to the worker and back,
 * and one compacted file with one flush to disk for all of them (a single
 * run's Parquet write and flush cost ~10 ms, more than most runs).
 *
 * @module
 */

import type { Experiment } from "../experiments/define.ts";
import { fitDurations, latestWindow, Progress, type TimedBatch } from "../util/progress.ts";
import { showVolatile } from "../util/volatile.ts";
import type { RunRequest, RunResponse } from "./run_worker.ts";
import { defaultStoreDir, type RunConfig, type RunRow } from "./store.ts";
import { StoreReader } from "./store_reader.ts";
import { type GridProfile, GridProfiler } from "./grid_profile.ts";

/** Options of {@linkcode runGrid}. */
export interface RunGridOptions {
  /** Recompute runs even if stored. */
  refresh?: boolean;
  /** Parallel workers; defaults to the number of cores. */
  workers?: number;
  storeDir?: string;
  /** Label of the progress line. */
  label?: string;
  /**
   * Return the rows (default true). A sweep passes false: the runs are only stored, and the grid need not fit in
   * memory (the KDE bandwidth study's paper grid is 66 million rows); runGrid then returns an empty array.
   */
  keepRows?: boolean;
  /** Called after each computed (not stored) run is written. */
  onComputed?: (config: RunConfig) => void;
  /**
   * About how long a batch of cheap runs sent to a worker at once should take (default 0.25 s); 0 sends every
   * run alone. A batch is stored as one compacted file.
   */
  batchSeconds?: number;
  /** Called at the end with where the grid's time went (the workers then time their native kernels). */
  onProfile?: (profile: GridProfile) => void;
}

/** A batch of cheap runs takes about this long: a message and one durable file write serve all of them. */
const BATCH_SECONDS = 0.25;

/** At most this many runs per batch. */
const MAX_BATCH = 512;

/**
 * Sizes the batches of a queue sorted costliest first: a costly run goes alone; runs predicted (by the durations
 * of the batches so far, `a * count + b * work` as the progress estimate fits them) to take well under
 * `seconds` are grouped up to that, and never into more than a quarter of a worker's share of the work left,
 * so the workers still finish together. Until two batches are timed, runs go alone.
 */
export class Batcher {
  readonly #costs: readonly number[];
  readonly #workers: number;
  readonly #seconds: number;
  readonly #timed: TimedBatch[] = [];
  #left: number;
  #handed = 0;

  /** `costs`: each run's cost, in queue order. */
  constructor(costs: readonly number[], workers: number, seconds: number) {
    this.#costs = costs;
    this.#workers = workers;
    this.#seconds = seconds;
    this.#left = costs.reduce((sum, c) => sum + c, 0);
  }

  /** How many runs, from position `start` of the queue, the next batch holds (0: none left). */
  next(start: number): number {
    const costs = this.#costs;
    if (start !== this.#handed) throw new RangeError(`batches are handed out in order: expected ${this.#handed}`);
    if (start >= costs.length) return 0;
    const model = this.#timed.length >= 2 && this.#seconds > 0
      ? fitDurations(latestWindow(this.#timed, Math.max(8, Math.ceil(this.#timed.length / 4))))
      : undefined;
    let size = 1, work = costs[start];
    if (model) {
      const budget = this.#seconds * 1000, share = this.#left / (4 * this.#workers);
      const predicted = (count: number, w: number): number => model.perItem * count + model.perWork * w;
      while (start + size < costs.length && size < MAX_BATCH) {
        const more = work + costs[start + size];
        if (predicted(size + 1, more) > budget || more > share) break;
        work = more;
        size++;
      }
    }
    this.#handed += size;
    this.#left -= work;
    return size;
  }

  /** Records how long a batch took (ms). */
  record(batch: TimedBatch): void {
    this.#timed.push(batch);
  }
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
  const profiler = options.onProfile ? new GridProfiler() : undefined;
  const keepRows = options.keepRows ?? true;
  const valid = configs.map((config) => experiment.validate(config));
  const results = new Array<RunRow[] | undefined>(valid.length);
  const missing: number[] = [];
  const reader = new StoreReader(experiment, { storeDir });
  valid.forEach((config, i) => {
    const stored = options.refresh ? undefined : reader.read(config);
    if (stored) results[i] = keepRows ? stored : [];
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
  profiler?.readDone();
  let workerCount = 0;
  if (missing.length > 0) {
    const cost = (index: number): number => experiment.cost?.(valid[index]) ?? 1;
    const queue = [...missing].sort((a, b) => cost(b) - cost(a) || a - b);
    const wanted = Math.min(options.workers ?? navigator.hardwareConcurrency, experiment.maxWorkers ?? Infinity);
    workerCount = Math.max(1, Math.min(wanted, missing.length));
    // Each worker takes the next batch of the queue when free: the estimate of the time left schedules them so.
    const progress = new Progress(label, missing.length, { costs: queue.map(cost), workers: workerCount });
    const batches = new Batcher(queue.map(cost), workerCount, options.batchSeconds ?? BATCH_SECONDS);
    const failures: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: workerCount }, async () => {
      const worker = new Worker(new URL("./run_worker.ts", import.meta.url), { type: "module" });
      try {
        for (let size = batches.next(next); size > 0 && failures.length === 0; size = batches.next(next)) {
          const indices = queue.slice(next, next + size);
          next += size;
          const work = indices.reduce((sum, index) => sum + cost(index), 0);
          const item = progress.start(work, size);
          const started = performance.now();
          const configs = indices.map((index) => valid[index]);
          const message: RunRequest = {
            id: indices[0],
            moduleUrl: experiment.module,
            configs,
            storeDir,
            keepRows,
            profile: profiler !== undefined,
          };
          const response = await request(worker, message, grid);
          if ("error" in response) {
            failures.push(`run ${JSON.stringify(configs[response.failed])} failed:\n${response.error}`);
            break;
          }
          const roundTrip = performance.now() - started;
          batches.record({ count: size, work, duration: roundTrip });
          if (keepRows) indices.forEach((index, i) => results[index] = response.outputs[i].rows);
          profiler?.batch(roundTrip, response.profile);
          for (const index of indices) options.onComputed?.(valid[index]);
          progress.finish(item);
        }
      } finally {
        worker.terminate();
      }
    }));
    if (failures.length > 0) throw new Error(failures.join("\n"));
  }
  if (profiler) options.onProfile!(profiler.finish(workerCount));
  return keepRows ? results.flatMap((rows) => rows!) : [];
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
