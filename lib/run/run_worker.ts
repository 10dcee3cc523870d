/**
 * A worker that runs one experiment configuration at a time: it imports the
 * experiment's module (whose default export is its definition, see
 * lib/experiments/define.ts), runs the configuration and posts back its rows
 * and attachments. Runs are independent, so a pool of these uses every core.
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

/** The worker's answer. */
export type RunResponse = { id: number } & RunOutput | { id: number; error: string };

const worker = self as unknown as {
  onmessage: ((event: MessageEvent<RunRequest>) => void) | null;
  postMessage: (message: RunResponse) => void;
};

worker.onmessage = async (event: MessageEvent<RunRequest>): Promise<void> => {
  const { id, moduleUrl, config } = event.data;
  try {
    const experiment = (await import(moduleUrl)).default as Experiment;
    const output = await experiment.run(experiment.validate(config));
    worker.postMessage(Array.isArray(output) ? { id, rows: output } : { id, ...output });
  } catch (error) {
    worker.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
};
