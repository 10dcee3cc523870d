/// <reference lib="dom" />
/**
 * The page's pool of Web Workers (worker.ts), each one an executor of the run
 * queue: one request at a time, answered by the experiment's own code.
 *
 * Tests: explore/browser_test.ts (the page in headless Chromium).
 *
 * @module
 */

import type { RunRow } from "../../lib/experiments/define.ts";
import type { SamplePoint } from "../../lib/experiments/kde.ts";
import type { Executor, RunRequest } from "../plan.ts";
import type { WorkerReply, WorkerRequest } from "../protocol.ts";

type Request = WorkerRequest extends infer R ? R extends { id: number } ? Omit<R, "id"> : never : never;

/** One worker and the requests it has not answered yet. */
export class RunWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, (reply: WorkerReply) => void>();
  #next = 0;
  /** Milliseconds this worker spent computing runs and replays (as it measured them). */
  busyMs = 0;

  /** Starts the worker at `url` (a module worker). */
  constructor(url: URL) {
    this.#worker = new Worker(url, { type: "module" });
    this.#worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      if (event.data.kind !== "error") this.busyMs += event.data.ms;
      this.#pending.get(event.data.id)?.(event.data);
      this.#pending.delete(event.data.id);
    };
    // A worker that fails to load (or throws outside a request) fails every request it holds.
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      for (const [id, resolve] of this.#pending) {
        resolve({ id, kind: "error", message: `worker: ${event.message || "failed to load"}` });
      }
      this.#pending.clear();
    };
  }

  /** Sends `request` and resolves with the worker's reply. */
  send(request: Request): Promise<WorkerReply> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#worker.postMessage({ ...request, id } as WorkerRequest);
    });
  }

  /** This worker as a run queue's executor: the run's rows, or its error thrown. */
  readonly run: Executor = async (request: RunRequest): Promise<RunRow[]> => {
    const reply = await this.send({ kind: "run", ...request });
    if (reply.kind === "error") throw new Error(reply.message);
    if (reply.kind !== "run") throw new Error(`worker answered a run with "${reply.kind}"`);
    return reply.rows;
  };

  /** The replayed samples of a run at `iterations` (see views.ts `samples`). */
  async samples(request: RunRequest & { iterations: number[] }): Promise<SamplePoint[]> {
    const reply = await this.send({ kind: "samples", ...request });
    if (reply.kind === "error") throw new Error(reply.message);
    if (reply.kind !== "samples") throw new Error(`worker answered a replay with "${reply.kind}"`);
    return reply.points;
  }
}
