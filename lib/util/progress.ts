/**
 * Progress of long work, with an estimate of the time left. In a terminal it
 * redraws one bar in place; elsewhere (the Jupyter kernel, a log file) it
 * prints a line at most every few seconds, and always the last one; in a
 * notebook the line is one display updated in place and never committed
 * (see volatile.ts).
 *
 * @module
 */

import { showVolatile } from "./volatile.ts";

let progressCount = 0;

/** Formats seconds as "1h02m", "3m05s" or "12s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  }
  if (s >= 60) {
    return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  }
  return `${s}s`;
}

/** Options of {@linkcode Progress}. */
export interface ProgressOptions {
  /** Seconds between printed lines when not on a terminal. */
  intervalSeconds?: number;
  /** Where lines go; defaults to the console. */
  write?: (line: string, inPlace: boolean) => void;
  /** Overrides terminal detection. */
  inPlace?: boolean;
  /**
   * Total work when items differ in cost (e.g. estimated flops per run); the
   * bar and the time left then follow the work done, not the item count.
   */
  totalWork?: number;
}

/** A counter of done work with a bar, a rate and the time left. */
export class Progress {
  readonly total: number;
  readonly label: string;
  #done = 0;
  #work = 0;
  #totalWork: number;
  #start = performance.now();
  #lastPrint = -Infinity;
  #interval: number;
  #inPlace: boolean;
  #write: (line: string, inPlace: boolean) => void;

  constructor(label: string, total: number, options: ProgressOptions = {}) {
    this.label = label;
    this.total = total;
    this.#totalWork = options.totalWork ?? total;
    this.#interval = (options.intervalSeconds ?? 5) * 1000;
    this.#inPlace = options.inPlace ??
      (!("jupyter" in Deno) && Deno.stderr.isTerminal());
    const id = `progress-${++progressCount}`;
    this.#write = options.write ?? ((line, inPlace) => {
      if (inPlace) Deno.stderr.writeSync(new TextEncoder().encode(`\r${line}`));
      else void showVolatile(line, { id });
    });
  }

  /** The current line: label, bar, count, elapsed and estimated time left. */
  line(): string {
    const fraction = this.#totalWork === 0 ? 1 : Math.min(1, this.#work / this.#totalWork);
    const width = 24;
    const filled = Math.round(fraction * width);
    const elapsed = (performance.now() - this.#start) / 1000;
    const left = this.#work === 0 ? NaN : (elapsed / this.#work) * (this.#totalWork - this.#work);
    return `${this.label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${this.#done}/${this.total} ` +
      `${(100 * fraction).toFixed(0)}% elapsed ${formatDuration(elapsed)} left ~${formatDuration(left)}`;
  }

  /** Counts `count` more items done, which were `work` units of work. */
  tick(count = 1, work = count): void {
    this.#done += count;
    this.#work += work;
    const now = performance.now();
    const finished = this.#done >= this.total;
    if (finished || this.#inPlace || now - this.#lastPrint >= this.#interval) {
      this.#lastPrint = now;
      this.#write(this.line(), this.#inPlace);
      if (finished && this.#inPlace) this.#write("\n", true);
    }
  }
}
