/**
 * A worker that runs a batch of experiment configurations at a time (one
 * costly run, or many cheap ones, so that a message and a file write serve
 * them all): it imports the experiment's module (whose default export is its
 * definition, see lib/experiments/define.ts), runs the configurations one
 * after another and posts back their rows and attachments. Runs are
 * independent, so a pool of these uses every core.
 *
 * Exercised by lib/run/runner_test.ts, whose computed runs all go through it.
 *
 * Tests: runner_test.ts (every run through the runner's workers).
 *
 * @module
 */

import type { Experiment, RunOutput } from "../experiments/define.ts";
import type { RunConfig } from "./store.ts";

/** A request to the worker: a batch of configurations. */
export interface RunRequest {
  /** Identifies the batch (its log lines carry it). */
  id: number;
  /** The URL of the module whose default export is the experiment. */
  moduleUrl: string;
  configs: RunConfig[];
}

/**
 * The worker's answer: every run's output, in the batch's order, or the error of the first run that failed (its
 * position in `failed`); before it, any lines the runs logged.
 */
export type RunResponse =
  | { id: number; outputs: RunOutput[] }
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
  const { id, moduleUrl, configs } = event.data;
  current = id;
  const outputs: RunOutput[] = [];
  try {
    const experiment = (await import(moduleUrl)).default as Experiment;
    for (const config of configs) {
      const output = await experiment.run(experiment.validate(config));
      outputs.push(Array.isArray(output) ? { rows: output } : output);
    }
    worker.postMessage({ id, outputs });
  } catch (error) {
    worker.postMessage({
      id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      failed: outputs.length,
    });
  }
};
