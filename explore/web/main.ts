/// <reference lib="dom" />
/**
 * The explorer page: the state comes from the URL (state.ts), the runs of a
 * state are computed by the experiment definitions in a pool of Web Workers
 * (plan.ts, worker.ts), the curves are redrawn as runs finish (figure.ts) and
 * the state goes back into the URL at every change. `globalThis.explorer`
 * exposes what the page computed and drew, for the browser test.
 *
 * Tests: explore/browser_test.ts (the page in headless Chromium).
 *
 * @module
 */

import { EXPERIMENTS } from "../../lib/experiments/mod.ts";
import type { RunRow } from "../../lib/experiments/define.ts";
import type { Config } from "../../lib/experiments/fields.ts";
import type { SamplePoint } from "../../lib/experiments/kde.ts";
import { rowsToCsv, rowsToParquet, withVersion } from "../download.ts";
import { lineFigure, scatterFigure, scatterFrames, type ScatterPoint, scatterPoints } from "../figure.ts";
import { type PlannedRun, type PlanProgress, planRuns, RunQueue } from "../plan.ts";
import { decodeState, encodeState, type ExplorerState, initialState, normalizeState } from "../state.ts";
import { metricViews, SIZE_FIELD, viewOf } from "../views.ts";
import { ChartSlot } from "./charts.ts";
import { type FormChange, renderFamilies, renderForm } from "./form.ts";
import { RunWorker } from "./workers.ts";

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const registry = EXPERIMENTS;
const workerUrl = new URL("./worker.js", import.meta.url);
/** One worker per core, at most 4 (the page shares the machine); the replays get one more. */
const POOL_SIZE = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2));
const workers = Array.from({ length: POOL_SIZE }, () => new RunWorker(workerUrl));
const replayWorker = new RunWorker(workerUrl);
let queue = new RunQueue(workers.map((w) => w.run));
/** Replayed samples by run and frames, the latest REPLAYS_KEPT of them. */
const replays = new Map<string, Promise<ScatterPoint[]>>();
const REPLAYS_KEPT = 24;
const lineSlot = new ChartSlot(byId("chart"), "svg");
const scatterSlot = new ChartSlot(byId("scatter"), "canvas");
/**
 * Redraws while runs come in at most this often, and never more than a third of the time: each redraw aggregates
 * every row again (1000 bootstrap resamples per point) on the page's thread, which also receives the runs.
 */
const REDRAW_MS = 200;

/** What the page computed and drew: read by the browser test, handy in the console. */
interface ExplorerHandle {
  state: ExplorerState | undefined;
  /** "running" until the current state's runs are in and drawn (and its scatter, if any). */
  status: "starting" | "running" | "done";
  /** Runs planned for the state; rows of those finished, in plan order. */
  runs: number;
  rows: RunRow[];
  problems: string[];
  errors: string[];
  workers: number;
  /**
   * runsMs: from the start of the plan to its last run; drawnMs: to the final chart drawn; workerMs: the
   * workers' own time in the runs, summed; draws: charts drawn while the runs came in; longestTaskMs: the longest
   * task of the page's thread meanwhile (how long the page was unresponsive at worst; 0 when none reached 50 ms).
   */
  timings: {
    runsMs?: number;
    drawnMs?: number;
    workerMs?: number;
    computed?: number;
    reused?: number;
    draws?: number;
    longestTaskMs?: number;
  };
  scatterFrames: number[];
  scatterPoints: ScatterPoint[];
  /** The data the line chart's vega view holds. */
  lineData(): unknown[];
  /** The iteration the scatter shows (its slider), if there is a scatter. */
  scatterIteration(): number | undefined;
  /** Recomputes the current state with an empty cache (the same workers, already warm): its timings. */
  recompute(): Promise<ExplorerHandle["timings"]>;
  /**
   * The library called directly on this thread, bypassing the plan, the queue and the workers: each
   * configuration's `runConfig` rows, in order (the browser test's in-engine reference).
   */
  reference(experiment: string, configs: Config[]): Promise<RunRow[]>;
  /** The family's sample replay called directly on this thread (the scatter's reference). */
  referenceSamples(experiment: string, config: Config, iterations: number[]): Promise<SamplePoint[]>;
}

/** The page thread's long tasks (50 ms or more, as the browser reports them), for the timings. */
const longTasks: { start: number; duration: number }[] = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
} catch {
  // A browser without long-task timing: longestTaskMs stays 0.
}

let state: ExplorerState | undefined;
let generation = 0;
let loadProblems: string[] = [];
const explorer: ExplorerHandle = {
  state: undefined,
  status: "starting",
  runs: 0,
  rows: [],
  problems: [],
  errors: [],
  workers: POOL_SIZE,
  timings: {},
  scatterFrames: [],
  scatterPoints: [],
  lineData: () => (lineSlot.view?.data("source_0") as unknown[] | undefined) ?? [],
  scatterIteration: () => scatterSlot.view?.signal("t") as number | undefined,
  recompute: async () => {
    queue = new RunQueue(workers.map((w) => w.run));
    if (state) await show(state, "none");
    return explorer.timings;
  },
  reference: async (experiment, configs) => {
    const rows: RunRow[] = [];
    for (const config of configs) rows.push(...await registry[experiment].runConfig(config));
    return rows;
  },
  referenceSamples: (experiment, config, iterations) => {
    const replay = viewOf(experiment).samples;
    if (!replay) throw new RangeError(`experiment "${experiment}" has no sample replay`);
    return replay(config, iterations);
  },
};
(globalThis as unknown as { explorer: ExplorerHandle }).explorer = explorer;

function setStatus(text: string): void {
  byId("status").textContent = text;
}

function renderProblems(problems: readonly string[], errors: readonly string[]): void {
  const items = [...problems, ...errors.slice(0, 5)].map((p) => {
    const li = document.createElement("li");
    li.textContent = p;
    return li;
  });
  if (errors.length > 5) {
    items.push(Object.assign(document.createElement("li"), { textContent: `… ${errors.length - 5} more` }));
  }
  byId("problems").replaceChildren(...items);
}

function renderMetrics(rows: readonly RunRow[], chosen: string): void {
  if (!state) return;
  const select = byId<HTMLSelectElement>("metric");
  const metrics = metricViews(registry[state.experiment], rows);
  select.replaceChildren(
    ...metrics.map((m) => new Option(`${m.metric} (${m.yTitle})`, m.metric, false, m.metric === chosen)),
  );
}

/** Shows `next`: the URL, the controls, then every run (live) and the figures. */
async function show(next: ExplorerState, url: "push" | "replace" | "none"): Promise<void> {
  const g = ++generation;
  const experiment = registry[next.experiment];
  const current = normalizeState(experiment, next);
  state = current;
  Object.assign(explorer, { state: current, status: "running", rows: [], errors: [], timings: {} });
  const search = `?${encodeState(current, registry)}`;
  if (url === "push" && search !== location.search) history.pushState(null, "", search);
  if (url === "replace") history.replaceState(null, "", search);
  byId<HTMLAnchorElement>("link").href = search;
  renderFamilies(byId("experiment"), { registry, current: current.experiment });
  renderForm(byId("form"), { experiment, state: current, onChange });
  const plan = planRuns(experiment, current);
  explorer.problems = [...loadProblems, ...plan.problems];
  explorer.runs = plan.runs.length;
  renderProblems(explorer.problems, []);
  const base = plan.runs[0]?.config;
  let lastDraw = -Infinity, drawCost = 0, draws = 0, timer: ReturnType<typeof setTimeout> | undefined;
  const draw = async (rows: RunRow[]): Promise<void> => {
    const start = performance.now();
    const figure = lineFigure({ experiment, state: current, rows, base });
    if (!figure) return;
    renderMetrics(rows, figure.metric.metric);
    await lineSlot.draw(figure.spec);
    lastDraw = performance.now();
    drawCost = lastDraw - start;
    draws++;
  };
  if (plan.runs.length === 0) lineSlot.clear();
  setStatus(`running ${plan.runs.length} runs on ${POOL_SIZE} workers…`);
  const planStart = performance.now();
  const busyBefore = workers.reduce((sum, w) => sum + w.busyMs, 0);
  const onProgress = (progress: PlanProgress): void => {
    if (g !== generation || progress.finished) return;
    explorer.rows = progress.rows;
    setStatus(`${progress.done} of ${progress.total} runs…`);
    clearTimeout(timer);
    const wait = Math.max(REDRAW_MS, 2 * drawCost) - (performance.now() - lastDraw);
    timer = setTimeout(() => g === generation && draw(progress.rows), Math.max(0, wait));
  };
  const final = await queue.start(experiment.name, plan.runs, { onProgress });
  clearTimeout(timer);
  if (!final || g !== generation) return;
  const workerMs = workers.reduce((sum, w) => sum + w.busyMs, 0) - busyBefore, liveDraws = draws;
  explorer.rows = final.rows;
  explorer.errors = final.errors;
  renderProblems(explorer.problems, final.errors);
  try {
    await draw(final.rows);
  } catch (error) {
    explorer.errors.push(`the chart: ${(error as Error).message}`);
    renderProblems(explorer.problems, explorer.errors);
  }
  if (g !== generation) return;
  explorer.timings = {
    runsMs: final.elapsedMs,
    drawnMs: performance.now() - planStart,
    workerMs,
    draws: liveDraws,
    longestTaskMs: Math.max(0, ...longTasks.filter((t) => t.start >= planStart).map((t) => t.duration)),
    computed: final.total - final.reused,
    reused: final.reused,
  };
  setStatus(
    `${final.total} runs (${final.total - final.reused} computed, ${final.reused} from this page's cache) in ` +
      `${(final.elapsedMs / 1000).toFixed(2)} s on ${POOL_SIZE} workers` +
      (final.errors.length > 0 ? `; ${final.errors.length} failed` : ""),
  );
  try {
    await showScatter(g, plan.runs);
  } catch (error) {
    explorer.errors.push(`the scatter: ${(error as Error).message}`);
    renderProblems(explorer.problems, explorer.errors);
  }
  if (g === generation) explorer.status = "done";
}

let playing: ReturnType<typeof setInterval> | undefined;

function stopPlaying(): void {
  clearInterval(playing);
  playing = undefined;
  byId("play").textContent = "Play";
}

/** The scatter of seed 0's samples at the smallest n, one panel per workflow, for families with a replay. */
async function showScatter(g: number, runs: readonly PlannedRun[]): Promise<void> {
  stopPlaying();
  const box = byId("scatter-box");
  const current = state!;
  const replay = viewOf(current.experiment).samples;
  const iterations = current.values.iterations;
  if (!replay || typeof iterations !== "number" || runs.length === 0) {
    box.hidden = true;
    scatterSlot.clear();
    explorer.scatterPoints = [];
    explorer.scatterFrames = [];
    return;
  }
  const n = current.sizes[0];
  const frames = scatterFrames({ iterations, samples: n ?? 1, workflows: current.workflows.length });
  const chosen = runs.filter((r) => r.config.seed === 0 && (n === undefined || r.config[SIZE_FIELD] === n));
  const parts = await Promise.all(chosen.map((run) => {
    const key = `${run.key} ${frames.join(",")}`;
    if (!replays.has(key)) {
      const request = { experiment: current.experiment, config: run.config, iterations: frames };
      const replay = replayWorker.samples(request).then((points) =>
        scatterPoints({ [run.config.workflow as string]: points })
      );
      // A failed replay is not kept; the oldest go beyond REPLAYS_KEPT.
      replay.catch(() => replays.delete(key));
      replays.set(key, replay);
      for (const old of replays.keys()) if (replays.size > REPLAYS_KEPT) replays.delete(old);
    }
    return replays.get(key)!;
  }));
  if (g !== generation) return;
  const points = parts.flat();
  explorer.scatterPoints = points;
  explorer.scatterFrames = frames;
  box.hidden = false;
  const threeD = current.values.dataset === "swiss_roll";
  await scatterSlot.draw(scatterFigure(points, {
    frames,
    title: `The samples each iteration's model drew (seed 0, n = ${n})`,
    subtitle: "grey: the real training data; blue: the samples of the iteration on the slider (Play animates it)",
    yTitle: threeD ? "x₃ (seen from above)" : "x₂",
  }));
}

function onChange(change: FormChange): void {
  if (!state) return;
  loadProblems = []; // the URL's problems were about the state now being changed
  if ("experiment" in change) void show(initialState(registry[change.experiment]), "push");
  else void show(change.state, "push");
}

byId<HTMLSelectElement>("experiment").addEventListener("change", (event) => {
  onChange({ experiment: (event.target as HTMLSelectElement).value });
});
byId<HTMLSelectElement>("metric").addEventListener("change", (event) => {
  if (!state) return;
  loadProblems = [];
  void show({ ...state, metric: (event.target as HTMLSelectElement).value }, "push");
});
/** Saves the current rows (with the experiment's version, as the store keeps them) as `format`. */
function download(format: "csv" | "parquet"): void {
  if (!state) return;
  const rows = withVersion(explorer.rows, registry[state.experiment].version);
  const blob = format === "csv"
    ? new Blob([rowsToCsv(rows)], { type: "text/csv" })
    : new Blob([rowsToParquet(rows)], { type: "application/vnd.apache.parquet" });
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement("a"), { href: url, download: `${state.experiment}_runs.${format}` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

byId("download").addEventListener("click", () => download("csv"));
byId("download-parquet").addEventListener("click", () => download("parquet"));
byId("play").addEventListener("click", () => {
  if (playing !== undefined) return stopPlaying();
  const frames = explorer.scatterFrames;
  const view = scatterSlot.view;
  if (!view || frames.length === 0) return;
  let i = Math.max(0, frames.indexOf(view.signal("t") as number));
  if (i === frames.length - 1) i = -1;
  byId("play").textContent = "Pause";
  playing = setInterval(() => {
    i++;
    if (i >= frames.length) return stopPlaying();
    void view.signal("t", frames[i]).runAsync();
  }, 120);
});
/** Shows the state of the page's URL (at load, and on back and forward). */
function showLocation(url: "replace" | "none"): void {
  const decoded = decodeState(location.search, { registry, fallback: "gaussian" });
  loadProblems = decoded.problems;
  void show(decoded.state, url);
}

globalThis.addEventListener("popstate", () => showLocation("none"));
showLocation("replace");
