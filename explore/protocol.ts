/**
 * The messages between the page and its Web Workers, and what a worker does
 * with each ({@linkcode answer}: plain TypeScript, so the tests call it in
 * process). A run is the experiment's own `runConfig`, the function the
 * notebooks and the store's workers call: the page computes no number itself.
 *
 * Tests: plan_test.ts.
 *
 * @module
 */

import type { RunRow } from "../lib/experiments/define.ts";
import type { Config } from "../lib/experiments/fields.ts";
import type { SamplePoint } from "../lib/experiments/kde.ts";
import type { Registry } from "./state.ts";
import { viewOf } from "./views.ts";

/** A run to compute, or a run's samples to replay. */
export type WorkerRequest =
  | { id: number; kind: "run"; experiment: string; config: Config }
  | { id: number; kind: "samples"; experiment: string; config: Config; iterations: number[] };

/** A worker's answer to the request of the same id. */
export type WorkerReply =
  | { id: number; kind: "run"; rows: RunRow[]; ms: number }
  | { id: number; kind: "samples"; points: SamplePoint[]; ms: number }
  | { id: number; kind: "error"; message: string };

/** Answers `request` with `registry`'s experiments; an error becomes an "error" reply (the page shows it). */
export async function answer(request: WorkerRequest, registry: Registry): Promise<WorkerReply> {
  const started = performance.now();
  try {
    if (!Object.hasOwn(registry, request.experiment)) {
      throw new RangeError(`unknown experiment "${request.experiment}"`);
    }
    const experiment = registry[request.experiment];
    if (request.kind === "run") {
      const rows = await experiment.runConfig(request.config);
      return { id: request.id, kind: "run", rows, ms: performance.now() - started };
    }
    const replay = viewOf(request.experiment).samples;
    if (!replay) throw new RangeError(`experiment "${request.experiment}" has no sample replay`);
    const points = await replay(request.config, request.iterations);
    return { id: request.id, kind: "samples", points, ms: performance.now() - started };
  } catch (error) {
    return { id: request.id, kind: "error", message: error instanceof Error ? error.message : String(error) };
  }
}
