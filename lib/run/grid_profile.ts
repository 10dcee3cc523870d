/**
 * Where a grid's time went (`deno task sweep FILE --profile`): reading the
 * store, the workers' runs (and of them the native kernels, by kernel), the
 * messages to and from the workers, writing the store, and the workers' time
 * without a batch. Collected by lib/run/runner.ts.
 *
 * @module
 */

import { addSectionTimes, type SectionTime } from "../util/profile.ts";
import type { BatchProfile } from "./run_worker.ts";

/** The time of one grid, in milliseconds; `computeMs` and `sections` are summed over the workers. */
export interface GridProfile {
  workers: number;
  /** From the call to the last row, the store's reading included. */
  wallMs: number;
  /** Checking the configurations and reading the stored runs. */
  readMs: number;
  /** From the first batch sent to the last batch stored. */
  computingWallMs: number;
  /** The workers' runs (every worker's time added). */
  computeMs: number;
  /** Of computeMs, the native kernels', by kernel. */
  sections: Record<string, SectionTime>;
  /** Each batch's round trip less its runs and storing: messages, copying rows, waiting for the runner's thread. */
  messagingMs: number;
  /** Writing computed runs to the store (in the workers, their time added). */
  storeMs: number;
  /** Worker time with no batch in hand: between a batch's answer and the next request, or at the end. */
  waitingMs: number;
}

/** Sums the profiles of a grid's batches: each one's round trip as the runner sees it, and the worker's times. */
export class GridProfiler {
  readonly #started = performance.now();
  #readDone = 0;
  #computeMs = 0;
  #roundTripMs = 0;
  #storeMs = 0;
  #sections: Record<string, SectionTime> = {};

  /** The store has been read; computing starts. */
  readDone(): void {
    this.#readDone = performance.now();
  }

  /** One batch: its round trip (ms) and what the worker reported. */
  batch(roundTripMs: number, profile: BatchProfile | undefined): void {
    this.#roundTripMs += roundTripMs;
    if (profile === undefined) return;
    this.#computeMs += profile.computeMs;
    this.#storeMs += profile.storeMs;
    addSectionTimes(this.#sections, profile.sections);
  }

  /** The grid's profile, at its end. */
  finish(workers: number): GridProfile {
    const now = performance.now();
    const readDone = this.#readDone || now;
    const computingWallMs = now - readDone;
    return {
      workers,
      wallMs: now - this.#started,
      readMs: readDone - this.#started,
      computingWallMs,
      computeMs: this.#computeMs,
      sections: this.#sections,
      messagingMs: this.#roundTripMs - this.#computeMs - this.#storeMs,
      storeMs: this.#storeMs,
      waitingMs: Math.max(0, workers * computingWallMs - this.#roundTripMs),
    };
  }
}

/** The profile as a table of seconds, the native kernels by name, costliest first. */
export function formatGridProfile(profile: GridProfile): string {
  const s = (ms: number): string => (ms / 1000).toFixed(1).padStart(8);
  const share = (ms: number): string =>
    profile.computeMs > 0 ? ` (${(100 * ms / profile.computeMs).toFixed(0)}% of the runs)` : "";
  const kernels = Object.entries(profile.sections).sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = kernels.reduce((sum, [, t]) => sum + t.ms, 0);
  const lines = [
    `where the time went (${s(profile.wallMs).trim()} s wall, ${profile.workers} workers; CPU-s summed over workers):`,
    `  ${s(profile.readMs)} s  checking configurations and reading the store`,
    `  ${s(profile.computeMs)} s  runs in the workers`,
    `  ${s(kernelMs)} s    of which native kernels${share(kernelMs)}`,
    ...kernels.slice(0, 6).map(([name, t]) =>
      `  ${s(t.ms)} s      ${name} (${t.calls.toLocaleString("en-US")} calls)${share(t.ms)}`
    ),
    `  ${s(profile.computeMs - kernelMs)} s    of which TypeScript${share(profile.computeMs - kernelMs)}`,
    `  ${s(profile.storeMs)} s  writing the store (in the workers)`,
    `  ${s(profile.messagingMs)} s  messages to and from the workers (round trips less runs and writes)`,
    `  ${s(profile.waitingMs)} s  workers without a batch (between answer and request, or nothing left)`,
  ];
  return lines.join("\n");
}
