/**
 * Runs a grid of experiment configurations: stored runs are read back, missing
 * ones are computed in parallel workers (one per core) and stored as each one
 * finishes, so an interrupted grid loses only the runs in flight.
 *
 * @module
 */

import { Progress } from "./progress.ts";
import type { RunRequest, RunResponse } from "./run_worker.ts";
import { defaultStoreDir, readRun, type RunConfig, runPath, type RunRow, writeRun } from "./store.ts";

/** An experiment: a name (its folder in the store) and the module that runs it. */
export interface ExperimentModule {
  /** The store's folder for this experiment's runs. */
  name: string;
  /** URL of a module exporting `run(config: RunConfig)`, resolving to `RunRow[]` or a `RunOutput` (rows + attachments). */
  moduleUrl: string;
  /**
   * Relative cost of a run (e.g. its flop count). Costly runs are started
   * first, which balances the workers, and progress is measured in cost.
   */
  cost?: (config: RunConfig) => number;
  /**
   * At most this many parallel workers, whatever the caller asks for: for runs
   * that already use every core themselves (the language model's onnxruntime
   * sessions), where more workers would only compete.
   */
  maxWorkers?: number;
}

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

/** The rows of every run of `configs`, computing only those not stored yet. */
export async function runGrid(
  experiment: ExperimentModule,
  configs: RunConfig[],
  options: RunGridOptions = {},
): Promise<RunRow[]> {
  const storeDir = options.storeDir ?? defaultStoreDir();
  const results = new Array<RunRow[] | undefined>(configs.length);
  const missing: number[] = [];
  configs.forEach((config, i) => {
    const stored = options.refresh ? undefined : readRun(runPath(experiment.name, config, storeDir));
    if (stored) results[i] = stored;
    else missing.push(i);
  });
  const label = options.label ?? experiment.name;
  console.log(
    `${label}: ${configs.length} runs, ${configs.length - missing.length} stored, ${missing.length} to compute`,
  );
  if (missing.length > 0) {
    const cost = (index: number): number => experiment.cost?.(configs[index]) ?? 1;
    const queue = [...missing].sort((a, b) => cost(b) - cost(a) || a - b);
    const progress = new Progress(label, missing.length, { totalWork: queue.reduce((sum, i) => sum + cost(i), 0) });
    const wanted = Math.min(options.workers ?? navigator.hardwareConcurrency, experiment.maxWorkers ?? Infinity);
    const workerCount = Math.max(1, Math.min(wanted, missing.length));
    const failures: string[] = [];
    await Promise.all(Array.from({ length: workerCount }, async () => {
      const worker = new Worker(new URL("./run_worker.ts", import.meta.url), {
        type: "module",
      });
      try {
        for (
          let index = queue.shift();
          index !== undefined;
          index = queue.shift()
        ) {
          const config = configs[index];
          const response = await request(worker, {
            id: index,
            moduleUrl: experiment.moduleUrl,
            config,
          });
          if ("error" in response) {
            failures.push(
              `run ${JSON.stringify(config)} failed:\n${response.error}`,
            );
            queue.length = 0;
            break;
          }
          writeRun(runPath(experiment.name, config, storeDir), response.rows, { attachments: response.attachments });
          results[index] = response.rows;
          options.onComputed?.(config);
          progress.tick(1, cost(index));
        }
      } finally {
        worker.terminate();
      }
    }));
    if (failures.length > 0) throw new Error(failures.join("\n"));
  }
  return results.flatMap((rows) => rows!);
}

function request(worker: Worker, message: RunRequest): Promise<RunResponse> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<RunResponse>) => resolve(event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      reject(new Error(`worker failed: ${event.message}`));
    };
    worker.postMessage(message);
  });
}
