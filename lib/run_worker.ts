/**
 * A worker that runs one experiment configuration at a time: it imports the
 * experiment's module (which exports `run(config): Promise<RunRow[]>`), awaits
 * the rows and posts them back. Runs are independent, so a pool of these uses
 * every core.
 *
 * @module
 */

import type { RunConfig, RunRow } from "./store.ts";

/** A request to the worker. */
export interface RunRequest {
  id: number;
  moduleUrl: string;
  config: RunConfig;
}

/** The worker's answer. */
export type RunResponse = { id: number; rows: RunRow[] } | {
  id: number;
  error: string;
};

type ExperimentModule = { run: (config: RunConfig) => Promise<RunRow[]> };

const worker = self as unknown as {
  onmessage: ((event: MessageEvent<RunRequest>) => void) | null;
  postMessage: (message: RunResponse) => void;
};

worker.onmessage = async (event: MessageEvent<RunRequest>): Promise<void> => {
  const { id, moduleUrl, config } = event.data;
  try {
    const module = await import(moduleUrl) as ExperimentModule;
    worker.postMessage({ id, rows: await module.run(config) });
  } catch (error) {
    worker.postMessage({
      id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
};
