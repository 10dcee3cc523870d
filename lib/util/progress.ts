/**
 * Progress of long work, with an estimate of the time left. In a terminal it
 * redraws one bar in place; elsewhere (the Jupyter kernel, a log file) it
 * prints a line at most every few seconds, and always the last one; in a
 * notebook the line is one display updated in place and never committed
 * (see volatile.ts).
 *
 * The time left is predicted from how long the finished items took, not from
 * the elapsed time: dividing elapsed time by work done (the old estimate) was
 * several times too long at the start of a parallel grid, because it counted
 * the workers' start-up as work, ignored the runs in flight on the other
 * workers, and trusted the cost model's proportions, which are far from the
 * real durations of cheap runs. Here an item's duration is modelled as
 * `a + b * work` (a fixed overhead per item plus a rate), fitted on the most
 * recent finished items, except that items of a work already timed twice (a
 * grid's seeds; later batches of that work per item count as that many) take
 * the mean of those, and items over ten times cheaper than every fitted one
 * are predicted in proportion to their work (the overhead, fitted on costly
 * runs, is not extrapolated that far); the runs in flight and those not
 * started are then scheduled on the workers, each taking the next item when
 * free, as the runner does. No estimate ("left ~?") is printed until two
 * items have finished; the first item of each worker, whose time includes
 * the worker's start-up, counts only until two others are timed.
 *
 * @module
 */

import { showVolatile } from "./volatile.ts";

let progressCount = 0;

/** Formats seconds as "1h02m", "3m05s" or "12s" ("?" when not finite: no estimate yet). */
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
   * bar then follows the work done, not the item count.
   */
  totalWork?: number;
  /**
   * The work of every item, in the order the items will be started; sets
   * `totalWork`, and lets the estimate schedule the very items left rather
   * than items of average work.
   */
  costs?: readonly number[];
  /** Items run at once (parallel workers, each taking the next item when free). Default 1. */
  workers?: number;
  /** The clock in milliseconds; defaults to `performance.now` (tests pass a fake one). */
  now?: () => number;
}

/** An item in flight, as {@linkcode Progress.start} returns it. */
export interface ProgressItem {
  readonly work: number;
  /** Items it stands for (a batch run on one worker); 1 by default. */
  readonly count: number;
  readonly startedAt: number;
  /** Among the first item of each worker, whose time includes the worker's start-up. */
  readonly warmUp: boolean;
}

/** A finished batch of items: how many, their work and how long they took (ms). */
export interface TimedBatch {
  count: number;
  work: number;
  duration: number;
}

/** The duration model `a * count + b * work` (ms), per item: `a` is its overhead, `b` the time per unit of work. */
export interface DurationModel {
  perItem: number;
  perWork: number;
}

// The fit uses the latest quarter of the timed batches, and at least this many
// (or two per worker): items are started costliest first, so the latest are the
// closest in work to those left, and a cost model that is wrong over its whole
// range (cost growing faster than time, say) is still nearly linear over a
// stretch of it; a quarter rather than a fixed number keeps the noise of single
// runs down as they pile up.
const FIT_WINDOW = 8;

// How much cheaper per item than every batch of the fit an item may be and still be predicted with its overhead.
const EXTRAPOLATION = 10;

// Items timed before an estimate is printed: one run alone says nothing about its noise.
const MIN_TIMED = 2;

/**
 * Least squares fit of `duration = perItem * count + perWork * work` on
 * `batches`, both coefficients >= 0. The overhead per item is extrapolated to
 * every item left, often many cheap ones, so only the part of it that the
 * data resolve is kept: its fitted value less two standard errors (none with
 * fewer than three batches, or when every batch has the same work per item and
 * the two terms cannot be told apart); `perWork` is then refitted. With no
 * overhead, or where the two terms would give a negative rate, this trusts
 * the cost model's proportions. Undefined without a batch of positive
 * duration.
 */
export function fitDurations(batches: readonly TimedBatch[]): DurationModel | undefined {
  let nn = 0, nw = 0, ww = 0, nd = 0, wd = 0, n = 0, d = 0;
  for (const b of batches) {
    nn += b.count * b.count;
    nw += b.count * b.work;
    ww += b.work * b.work;
    nd += b.count * b.duration;
    wd += b.work * b.duration;
    n += b.count;
    d += b.duration;
  }
  if (batches.length === 0 || !(d > 0)) return undefined;
  const constant = { perItem: nd / nn, perWork: 0 };
  if (!(ww > 0)) return constant;
  const det = nn * ww - nw * nw;
  let perItem = 0;
  // Collinear (one work per item): a relative tolerance, as the sums are of products of large numbers.
  if (batches.length >= 3 && det > 1e-9 * nn * ww) {
    const a = (ww * nd - nw * wd) / det;
    const b = (nn * wd - nw * nd) / det;
    let rss = 0;
    for (const x of batches) rss += (x.duration - a * x.count - b * x.work) ** 2;
    const se = Math.sqrt((rss / (batches.length - 2)) * ww / det);
    perItem = Math.max(0, a - 2 * se);
  }
  const perWork = (wd - perItem * nw) / ww;
  // A negative rate (costlier runs timed faster than cheap ones: a rough cost model) would leave a per-item average
  // to extrapolate to every item left, the cheapest last in a queue sorted costliest first: the proportional fit
  // over-predicts far less.
  return perWork >= 0 ? { perItem, perWork } : { perItem: 0, perWork: proportionalRate(batches) };
}

/** The least-squares rate of `duration = rate * work` on `batches`, sum(work * duration) / sum(work^2); 0 without work. */
export function proportionalRate(batches: readonly TimedBatch[]): number {
  let wd = 0, ww = 0;
  for (const b of batches) {
    wd += b.work * b.duration;
    ww += b.work * b.work;
  }
  return ww > 0 ? wd / ww : 0;
}

/**
 * The latest `size` batches, reaching further back for the latest batch of
 * another work per item when they all have the same, so that the overhead
 * per item and the rate can be told apart as soon as two costs are known.
 */
export function latestWindow(batches: readonly TimedBatch[], size: number): TimedBatch[] {
  const window = batches.slice(-size);
  if (window.length === 0) return window;
  const ratio = (b: TimedBatch): number => b.work / b.count;
  const last = ratio(window[window.length - 1]);
  if (window.some((b) => ratio(b) !== last)) return window;
  for (let i = batches.length - window.length - 1; i >= 0; i--) {
    if (ratio(batches[i]) !== last) return [batches[i], ...window];
  }
  return window;
}

/**
 * The time until the last item finishes when `workers` workers, busy for
 * `busy` more ms each (at most `workers` entries; the others are idle), take
 * the items of `durations` in order, each as soon as one is free.
 */
export function scheduleMakespan(busy: readonly number[], durations: Iterable<number>, workers: number): number {
  const free = Array.from({ length: Math.max(workers, busy.length) }, (_, i) => busy[i] ?? 0);
  for (const duration of durations) {
    let k = 0;
    for (let i = 1; i < free.length; i++) if (free[i] < free[k]) k = i;
    free[k] += duration;
  }
  return Math.max(0, ...free);
}

/** A counter of done work with a bar, the elapsed time and the time left. */
export class Progress {
  readonly total: number;
  readonly label: string;
  #done = 0;
  #work = 0;
  #totalWork: number;
  #pendingCosts: number[] | undefined;
  #workers: number;
  #now: () => number;
  #start: number;
  #lastPrint = -Infinity;
  #interval: number;
  #inPlace: boolean;
  #write: (line: string, inPlace: boolean) => void;
  #inFlight = new Set<ProgressItem>();
  #started = 0;
  #timed: TimedBatch[] = [];
  #warmUps: TimedBatch[] = [];
  #levels = new Map<number, { count: number; duration: number }>();
  // Items counted by tick() run one after another: the current one began at the last tick.
  #lastTick: number;
  #ticked = false;

  constructor(label: string, total: number, options: ProgressOptions = {}) {
    this.label = label;
    this.total = options.costs?.length ?? total;
    this.#pendingCosts = options.costs ? [...options.costs] : undefined;
    this.#totalWork = options.costs ? options.costs.reduce((s, c) => s + c, 0) : options.totalWork ?? total;
    this.#workers = Math.max(1, options.workers ?? 1);
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
    this.#lastTick = this.#start;
    this.#interval = (options.intervalSeconds ?? 5) * 1000;
    this.#inPlace = options.inPlace ??
      (!("jupyter" in Deno) && Deno.stderr.isTerminal());
    const id = `progress-${++progressCount}`;
    this.#write = options.write ?? ((line, inPlace) => {
      if (inPlace) Deno.stderr.writeSync(new TextEncoder().encode(`\r${line}`));
      else void showVolatile(line, { id });
    });
  }

  /**
   * Marks an item as started (on a worker of its own) and returns it, to be
   * passed to {@linkcode finish}. Its work defaults to the next of `costs`.
   * With `count` > 1 it is a batch of that many items run one after another
   * on one worker, `work` their total (default: the next `count` of `costs`).
   */
  start(work?: number, count = 1): ProgressItem {
    const next = this.#pendingCosts?.splice(0, count).reduce((sum, c) => sum + c, 0);
    const item = {
      work: work ?? next ?? count,
      count,
      startedAt: this.#now(),
      warmUp: this.#started < this.#workers,
    };
    this.#started++;
    this.#inFlight.add(item);
    return item;
  }

  /** Counts a started item as done, timed from its start. */
  finish(item: ProgressItem): void {
    if (!this.#inFlight.delete(item)) throw new Error("finish: this item was not started, or already finished");
    const batch = { count: item.count, work: item.work, duration: this.#now() - item.startedAt };
    if (item.warmUp) this.#warmUps.push(batch);
    else this.#record(batch);
    this.#count(item.count, item.work);
  }

  /**
   * Counts `count` more items done, which were `work` units of work, for items
   * run one after another without {@linkcode start}: they are timed from the
   * previous tick (the first batch, which pays for any warm-up, is not).
   */
  tick(count = 1, work = count): void {
    if (count > 0) {
      const now = this.#now();
      if (this.#ticked) this.#record({ count, work, duration: now - this.#lastTick });
      this.#ticked = true;
      this.#lastTick = now;
      if (this.#pendingCosts) this.#pendingCosts.splice(0, count);
    }
    this.#count(count, work);
  }

  /** Seconds until the last item finishes as predicted; NaN while there is nothing to predict from. */
  secondsLeft(): number {
    if (this.#done >= this.total) return 0;
    // The workers' first items, slow by their start-up, stand in until two others are timed: a grid of a few long
    // runs would otherwise show no estimate for its first half.
    const timed = this.#timed.length >= MIN_TIMED ? this.#timed : [...this.#warmUps, ...this.#timed];
    if (timed.length < MIN_TIMED) return NaN;
    const size = Math.max(FIT_WINDOW, 2 * this.#workers, Math.ceil(timed.length / 4));
    const window = latestWindow(timed, size);
    const model = fitDurations(window);
    if (!model) return NaN;
    // The overhead per item is known only near the work per item it was fitted at: extrapolated to items far
    // cheaper (the cheap end of a queue sorted costliest first), from costly runs that a rough cost model orders
    // only roughly, it can dwarf what they take. Those items are predicted in proportion to their work instead.
    const fittedFrom = Math.min(...window.map((b) => b.work / b.count));
    const proportional = proportionalRate(window);
    // Runs of one cost (a grid's seeds) are best predicted by how long the others took.
    const predict = (work: number, count = 1): number => {
      const level = count === 1 ? this.#levels.get(work) : undefined;
      if (level && level.count >= 2) return level.duration / level.count;
      if (work * EXTRAPOLATION < fittedFrom * count) return proportional * work;
      return model.perItem * count + model.perWork * work;
    };
    const now = this.#now();
    const busy = [...this.#inFlight].map((item) =>
      Math.max(0, predict(item.work, item.count) - (now - item.startedAt))
    );
    const pending = this.#pendingItems();
    if (this.#inFlight.size === 0 && this.#ticked && pending.length > 0) {
      // The item after the last tick is under way.
      busy.push(Math.max(0, predict(pending.shift()!) - (now - this.#lastTick)));
    }
    return scheduleMakespan(busy, pending.map((work) => predict(work)), this.#workers) / 1000;
  }

  /** The current line: label, bar, count, elapsed and estimated time left. */
  line(): string {
    const fraction = this.#totalWork === 0 ? 1 : Math.min(1, this.#work / this.#totalWork);
    const width = 24;
    const filled = Math.round(fraction * width);
    const elapsed = (this.#now() - this.#start) / 1000;
    return `${this.label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${this.#done}/${this.total} ` +
      `${(100 * fraction).toFixed(0)}% elapsed ${formatDuration(elapsed)} left ~${formatDuration(this.secondsLeft())}`;
  }

  /** The work of each item not started yet: the rest of `costs`, else equal shares of the work left. */
  #pendingItems(): number[] {
    if (this.#pendingCosts) return [...this.#pendingCosts];
    let count = this.total - this.#done;
    for (const item of this.#inFlight) count -= item.count;
    if (count <= 0) return [];
    let work = this.#totalWork - this.#work;
    for (const item of this.#inFlight) work -= item.work;
    return new Array(count).fill(Math.max(0, work) / count);
  }

  #record(batch: TimedBatch): void {
    this.#timed.push(batch);
    // A batch whose work per item is a cost already timed alone counts as that many items of it (a grid of equal
    // costs goes to the workers in batches once two runs are timed: those first runs, slower for the warm-up of
    // the code, would otherwise set the prediction of every run left).
    const work = batch.work / batch.count;
    if (batch.count !== 1 && !this.#levels.has(work)) return;
    const level = this.#levels.get(work) ?? { count: 0, duration: 0 };
    level.count += batch.count;
    level.duration += batch.duration;
    this.#levels.set(work, level);
  }

  #count(count: number, work: number): void {
    this.#done += count;
    this.#work += work;
    const now = this.#now();
    const finished = this.#done >= this.total;
    if (finished || this.#inPlace || now - this.#lastPrint >= this.#interval) {
      this.#lastPrint = now;
      this.#write(this.line(), this.#inPlace);
      if (finished && this.#inPlace) this.#write("\n", true);
    }
  }
}
