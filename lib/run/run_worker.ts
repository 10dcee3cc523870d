/**
 * A worker that runs a batch of experiment configurations at a time (one
 * costly run, or many cheap ones, so that a message and a file write serve
 * them all): it imports the experiment's module (whose default export is its
 * definition, see lib/experiments/define.ts), runs the configurations one
 * after another, stores them (a batch of one, or a run with attachments, in
 * its own file; the rest of a batch as one compacted file, which the store
 * reads like single files) and posts back their rows, if asked for. Runs are
 * independent, so a pool of these uses every core, for the runs and for the
 * store's writes.
 *
 * Exercised by lib/run/runner_test.ts, whose computed runs all go through it.
 *
 * Tests: runner_test.ts (every run through the runner's workers).
 *
 * @module
 */

import type { Experiment, RunOutput } from "../experiments/define.ts";
import { enableSectionTiming, type SectionTime, takeSectionTimes } from "../util/profile.ts";
import { writeRunBatch } from "./compacted.ts";
import { type RunConfig, runKey, runPath, type RunRow, storedColumns, VERSION_COLUMN, writeRun } from "./store.ts";

/** A request to the worker: a batch of configurations. */
export interface RunRequest {
  /** Identifies the batch (its log lines carry it). */
  id: number;
  /** The URL of the module whose default export is the experiment. */
  moduleUrl: string;
  configs: RunConfig[];
  /** The result store the runs are written to. */
  storeDir: string;
  /** Send the rows back (false: only store them). */
  keepRows: boolean;
  /** Count the time of the native kernels, and report it with the batch's compute time. */
  profile?: boolean;
}

/** A profiled batch's time: running its configurations (of that the native kernels' sections), and storing them. */
export interface BatchProfile {
  computeMs: number;
  storeMs: number;
  sections: Record<string, SectionTime>;
}

/**
 * The worker's answer once the batch is stored: every run's output (its rows with the version column, where asked
 * for), in the batch's order, or the error of the first run that failed (its position in `failed`: the runs before
 * it are not stored); before it, any lines the runs logged.
 */
export type RunResponse =
  | { id: number; outputs: RunOutput[]; profile?: BatchProfile }
  | { id: number; error: string; failed: number }
  | { id: number; log: string };

const worker = self as unknown as {
  onmessage: ((event: MessageEvent<RunRequest>) => void) | null;
  postMessage: (message: RunResponse) => void;
};

let current = -1;
// A run's log lines go to the runner, which shows them as volatile output (in a notebook they would otherwise land
// in the committed outputs, and differ between a render that computes a run and one that reuses it).
for (const method of ["log", "info", "warn", "error"] as const) {
  console[method] = (...args: unknown[]): void =>
    worker.postMessage({ id: current, log: args.map((a) => typeof a === "string" ? a : Deno.inspect(a)).join(" ") });
}

worker.onmessage = async (event: MessageEvent<RunRequest>): Promise<void> => {
  const { id, moduleUrl, configs, storeDir, keepRows, profile } = event.data;
  current = id;
  const outputs: RunOutput[] = [];
  try {
    const experiment = (await import(moduleUrl)).default as Experiment;
    enableSectionTiming(profile === true);
    const started = performance.now();
    for (const config of configs) {
      const output = await experiment.run(experiment.validate(config));
      outputs.push(Array.isArray(output) ? { rows: output } : output);
    }
    const computeMs = performance.now() - started;
    for (const output of outputs) {
      output.rows = output.rows.map((row) => ({ ...row, [VERSION_COLUMN]: experiment.version }));
    }
    storeRuns(experiment, configs.map((config, i) => ({ config, ...outputs[i] })), storeDir);
    const storeMs = performance.now() - started - computeMs;
    const sent = keepRows ? outputs : [];
    worker.postMessage(
      profile
        ? { id, outputs: sent, profile: { computeMs, storeMs, sections: takeSectionTimes() } }
        : { id, outputs: sent },
    );
  } catch (error) {
    worker.postMessage({
      id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      failed: outputs.length,
    });
  }
};

/** Stores a batch's runs: a run with attachments, or a batch of one, in its own file; the rest as one compacted file. */
function storeRuns(
  experiment: Experiment,
  runs: readonly { config: RunConfig; rows: RunRow[]; attachments?: Record<string, string> }[],
  storeDir: string,
): void {
  const columns = storedColumns(experiment);
  const batch: { key: string; rows: RunRow[] }[] = [];
  for (const run of runs) {
    if (runs.length === 1 || (run.attachments && Object.keys(run.attachments).length > 0)) {
      writeRun(runPath(experiment, run.config, storeDir), run.rows, { attachments: run.attachments, columns });
    } else batch.push({ key: runKey(run.config, experiment.version), rows: run.rows });
  }
  if (batch.length > 0) writeRunBatch(`${storeDir}/${experiment.name}`, batch, { columns });
}
