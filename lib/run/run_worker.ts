/**
 * A worker that runs one experiment configuration at a time: it imports the
 * experiment's module (which exports `run(config)`, resolving to the rows or to
 * a {@linkcode RunOutput} with attachments), awaits it and posts it back. Runs are independent, so a pool of these uses
 * every core.
 *
 * @module
 */

import type { RunConfig, RunOutput, RunRow } from "./store.ts";

/** A request to the worker. */
export interface RunRequest {
  id: number;
  moduleUrl: string;
  config: RunConfig;
}

/** The worker's answer. */
export type RunResponse = { id: number } & RunOutput | {
  id: number;
  error: string;
};

type ExperimentModule = { run: (config: RunConfig) => Promise<RunRow[] | RunOutput> };

const worker = self as unknown as {
  onmessage: ((event: MessageEvent<RunRequest>) => void) | null;
  postMessage: (message: RunResponse) => void;
};

worker.onmessage = async (event: MessageEvent<RunRequest>): Promise<void> => {
  const { id, moduleUrl, config } = event.data;
  try {
    const module = await import(moduleUrl) as ExperimentModule;
    const output = await module.run(config);
    worker.postMessage(Array.isArray(output) ? { id, rows: output } : { id, ...output });
  } catch (error) {
    worker.postMessage({
      id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
};
