/**
 * A worker that runs one experiment configuration at a time: it imports the
 * experiment's module (whose default export is its definition, see
 * lib/experiments/define.ts), runs the configuration and posts back its rows
 * and attachments. Runs are independent, so a pool of these uses every core.
 *
 * Exercised by lib/run/runner_test.ts, whose computed runs all go through it.
 *
 * Tests: runner_test.ts (every run through the runner's workers).
 *
 * @module
 */

import type { Experiment, RunOutput } from "../experiments/define.ts";
import type { RunConfig } from "./store.ts";

/** A request to the worker. */
export interface RunRequest {
  id: number;
  /** The URL of the module whose default export is the experiment. */
  moduleUrl: string;
  config: RunConfig;
}

/** The worker's answer: the run's output or its error; before it, any lines the run logged. */
export type RunResponse = { id: number } & RunOutput | { id: number; error: string } | { id: number; log: string };

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
  const { id, moduleUrl, config } = event.data;
  current = id;
  try {
    const experiment = (await import(moduleUrl)).default as Experiment;
    const output = await experiment.run(experiment.validate(config));
    worker.postMessage(Array.isArray(output) ? { id, rows: output } : { id, ...output });
  } catch (error) {
    worker.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
};
