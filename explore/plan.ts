/**
 * The page's run orchestration, in plain TypeScript (the tests drive it with
 * executors that are plain functions; the page's executors are Web Workers):
 * the runs a state asks for ({@linkcode planRuns}), and a queue that hands
 * them to a pool of executors, keeps every finished run (by its canonical
 * configuration, as the store keys runs) and reports progress after each run
 * ({@linkcode RunQueue}).
 *
 * @module
 */

import { canonicalConfig, type Experiment, type RunRow } from "../lib/experiments/define.ts";
import type { Config } from "../lib/experiments/fields.ts";
import { configFor, type ExplorerState } from "./state.ts";
import { SIZE_FIELD } from "./views.ts";

/** One run of a plan: its validated configuration (defaults filled in) and its key. */
export interface PlannedRun {
  config: Config;
  /** The experiment's name and the canonical configuration: equal keys are the same run. */
  key: string;
}

/**
 * The runs of `state`, seed by seed (every size and workflow of seed 0, then
 * of seed 1, ...), so that every curve grows together and the bands appear
 * once three seeds are in. Each configuration is validated by the experiment
 * itself; those it refuses are left out and their messages returned, once each.
 */
export function planRuns(experiment: Experiment, state: ExplorerState): { runs: PlannedRun[]; problems: string[] } {
  const runs: PlannedRun[] = [], problems = new Set<string>();
  const hasWorkflow = Object.hasOwn(experiment.fields, "workflow");
  const sizes = state.sizes.length > 0 ? state.sizes : [undefined];
  const workflows = hasWorkflow ? state.workflows : [undefined];
  for (let seed = 0; seed < state.seeds; seed++) {
    for (const size of sizes) {
      for (const workflow of workflows) {
        const { config } = configFor(experiment, { ...state.values, workflow, seed, [SIZE_FIELD]: size });
        try {
          const valid = experiment.validate(config);
          runs.push({ config: valid, key: runKey(experiment.name, valid) });
        } catch (error) {
          problems.add(`${workflow ?? experiment.name}: ${(error as Error).message}`);
        }
      }
    }
  }
  return { runs, problems: [...problems] };
}

/** The key of a run: the experiment's name and its canonical configuration. */
export function runKey(experiment: string, config: Config): string {
  return `${experiment} ${canonicalConfig(config)}`;
}

/** What an executor is asked to compute. */
export interface RunRequest {
  experiment: string;
  config: Config;
}

/** Computes one run's rows (the page: a Web Worker calling the experiment's own `runConfig`). */
export type Executor = (request: RunRequest) => Promise<RunRow[]>;

/** Where a started plan stands, after each finished run. */
export interface PlanProgress {
  /** Runs finished (computed, reused or failed) of `total`. */
  done: number;
  total: number;
  /** Runs taken from the cache rather than computed. */
  reused: number;
  /** One message per failed run. */
  errors: string[];
  /** The finished runs' rows, in plan order (not in the order the runs finished). */
  rows: RunRow[];
  /** Since `start`. */
  elapsedMs: number;
  finished: boolean;
}

interface Task {
  key: string;
  request: RunRequest;
  resolve(rows: RunRow[]): void;
  reject(error: unknown): void;
}

/** Options of {@linkcode RunQueue}. */
export interface RunQueueOptions {
  /** The clock of `elapsedMs` (default performance.now). */
  now?: () => number;
  /** Rows kept in the cache at most; the runs used longest ago go first. Default 2,000,000. */
  cacheRows?: number;
}

/**
 * Runs plans on a pool of executors, one run per executor at a time. Starting
 * a plan drops the runs of the previous one that no executor has begun; those
 * in flight finish and are cached, and a new plan that needs one waits for it
 * instead of computing it again.
 */
export class RunQueue {
  readonly #idle: Executor[];
  #queue: Task[] = [];
  readonly #cache = new Map<string, RunRow[]>();
  readonly #inFlight = new Map<string, Promise<RunRow[]>>();
  #cachedRows = 0;
  #generation = 0;
  readonly #now: () => number;
  readonly #cacheRows: number;

  /** A queue over `executors` (at least one). */
  constructor(executors: readonly Executor[], options: RunQueueOptions = {}) {
    if (executors.length === 0) throw new RangeError("RunQueue needs at least one executor");
    this.#idle = [...executors];
    this.#now = options.now ?? (() => performance.now());
    this.#cacheRows = options.cacheRows ?? 2_000_000;
  }

  /** The rows of a finished run, if the cache holds it. */
  cached(key: string): RunRow[] | undefined {
    return this.#cache.get(key);
  }

  /**
   * Starts `runs` of `experiment`, superseding any plan started before;
   * `onProgress` is called after every finished run while this plan is the
   * latest. Resolves with the final progress, or undefined once superseded.
   */
  start(
    experiment: string,
    runs: readonly PlannedRun[],
    options: { onProgress?: (progress: PlanProgress) => void } = {},
  ): Promise<PlanProgress | undefined> {
    const onProgress = options.onProgress ?? ((): void => {});
    const generation = ++this.#generation;
    const started = this.#now();
    // The previous plan's runs that no executor has begun are dropped (its promise then resolves to undefined).
    for (const task of this.#queue.splice(0)) task.reject(new Error("superseded"));
    const results: (RunRow[] | undefined)[] = runs.map(() => undefined);
    const errors: string[] = [];
    let done = 0, reused = 0;
    const progress = (): PlanProgress => ({
      done,
      total: runs.length,
      reused,
      errors: [...errors],
      rows: results.flatMap((r) => r ?? []),
      elapsedMs: this.#now() - started,
      finished: done === runs.length,
    });
    return new Promise((resolve) => {
      const settle = (): void => {
        if (generation !== this.#generation) return resolve(undefined);
        const p = progress();
        onProgress(p);
        if (p.finished) resolve(p);
      };
      if (runs.length === 0) return settle();
      runs.forEach((run, index) => {
        const cached = this.#cache.get(run.key);
        if (cached) {
          this.#touch(run.key, cached);
          results[index] = cached;
          done++;
          reused++;
          return;
        }
        this.#rowsOf(run.key, { experiment, config: run.config }).then(
          (rows) => {
            results[index] = rows;
          },
          (error) => {
            errors.push(`${run.key}: ${error instanceof Error ? error.message : String(error)}`);
          },
        ).finally(() => {
          done++;
          settle();
        });
      });
      if (done === runs.length) settle();
      else if (reused > 0 && generation === this.#generation) onProgress(progress());
      this.#pump();
    });
  }

  /** The rows of `key`: the run in flight, or a new task at the end of the queue. */
  #rowsOf(key: string, request: RunRequest): Promise<RunRow[]> {
    const running = this.#inFlight.get(key);
    if (running) return running;
    return new Promise<RunRow[]>((resolve, reject) => this.#queue.push({ key, request, resolve, reject }));
  }

  #pump(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const executor = this.#idle.shift()!;
      const task = this.#queue.shift()!;
      const running = executor(task.request);
      this.#inFlight.set(task.key, running);
      running.then((rows) => {
        this.#touch(task.key, rows);
        task.resolve(rows);
      }, task.reject).finally(() => {
        this.#inFlight.delete(task.key);
        this.#idle.push(executor);
        this.#pump();
      });
    }
  }

  /** Caches `rows` under `key` as the most recently used run; drops the oldest beyond the limit. */
  #touch(key: string, rows: RunRow[]): void {
    const old = this.#cache.get(key);
    if (old) {
      this.#cache.delete(key);
      this.#cachedRows -= old.length;
    }
    this.#cache.set(key, rows);
    this.#cachedRows += rows.length;
    for (const [oldest, oldRows] of this.#cache) {
      if (this.#cachedRows <= this.#cacheRows || oldest === key) break;
      this.#cache.delete(oldest);
      this.#cachedRows -= oldRows.length;
    }
  }
}
