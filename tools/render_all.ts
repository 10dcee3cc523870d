/**
 * Executes notebooks headlessly through the real Deno Jupyter kernel and
 * writes them back with fresh outputs.
 *
 * ```sh
 * deno run -A tools/render_all.ts [--preset NAME] [--refresh] [--out-dir DIR]
 *   [--results-dir DIR] [--allow-errors] [--timeout SECONDS] [notebook paths...]
 * ```
 *
 * Without paths it runs `notebooks/*.ipynb` (sorted), each in a fresh kernel
 * whose working directory is the notebook's folder. The kernel gets
 * `COLLAPSE_PRESET`, `COLLAPSE_REFRESH=1` and `COLLAPSE_RESULTS_DIR` from the
 * flags. A notebook whose cell fails is not written (unless --allow-errors)
 * and the exit code is 1; the others are still run. `--timeout` is per cell.
 * `--jobs N` renders N notebooks at once (default 2 on two cores or more),
 * the longest first by their last render's time (kept in
 * `.cache/render_times.json`; a notebook never timed goes first), so that a
 * long notebook does not start last and set the makespan alone;
 * figures whose vega-lite spec was drawn before come from the figure cache
 * (lib/plot/show.ts). At the end, experiments whose store folder the
 * notebooks left in many files are compacted.
 *
 * @module
 */

import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CellError,
  executeNotebook,
  killKernels,
  type Notebook,
  type ProgressEvent,
  serializeNotebook,
} from "./jupyter/mod.ts";
import { PRESET_NAMES, type PresetName } from "../lib/experiments/presets.ts";
import { EXPERIMENTS } from "../lib/experiments/mod.ts";
import { compactIfFragmented } from "../lib/run/compaction.ts";
import { defaultStoreDir } from "../lib/run/store.ts";
import { isVolatile } from "../lib/util/volatile.ts";
import { oneOf, parseCommandLine, positiveNumber } from "./cli.ts";

const USAGE = `usage: deno run -A tools/render_all.ts [--preset ${PRESET_NAMES.join("|")}] [--refresh] ` +
  "[--out-dir DIR] [--results-dir DIR] [--allow-errors] [--timeout SECONDS] [--jobs N] [notebook paths...]";

/** Two notebooks at once where there are two cores or more: one kernel's start-up and plotting overlaps another's. */
function defaultJobs(): number {
  return Math.min(2, navigator.hardwareConcurrency);
}

/** Parsed command line of render_all. */
export interface RenderArgs {
  preset?: PresetName;
  refresh: boolean;
  outDir?: string;
  resultsDir?: string;
  allowErrors: boolean;
  timeoutSeconds?: number;
  /** Notebooks rendered at once, each in its own kernel (default: 2 where there are 2 cores or more). */
  jobs?: number;
  help: boolean;
  notebooks: string[];
}

/** Parses the command line; throws a {@linkcode UsageError} naming the flag and what it allows. */
export function parseRenderArgs(argv: readonly string[]): RenderArgs {
  const { values, positionals } = parseCommandLine(argv, {
    usage: USAGE,
    flags: {
      preset: { type: "string" },
      "out-dir": { type: "string" },
      "results-dir": { type: "string" },
      timeout: { type: "string" },
      jobs: { type: "string" },
      refresh: { type: "boolean" },
      "allow-errors": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const timeout = values.timeout;
  return {
    preset: values.preset === undefined
      ? undefined
      : oneOf(values.preset, { flag: "--preset", allowed: PRESET_NAMES, usage: USAGE }),
    refresh: values.refresh ?? false,
    outDir: values["out-dir"],
    resultsDir: values["results-dir"],
    allowErrors: values["allow-errors"] ?? false,
    timeoutSeconds: timeout === undefined
      ? undefined
      : positiveNumber(timeout, { flag: "--timeout", unit: "seconds", usage: USAGE }),
    jobs: values.jobs === undefined
      ? undefined
      : positiveNumber(values.jobs, { flag: "--jobs", integer: true, usage: USAGE }),
    help: values.help ?? false,
    notebooks: positionals,
  };
}

async function defaultNotebooks(): Promise<string[]> {
  const dir = fileURLToPath(new URL("../notebooks/", import.meta.url));
  const paths: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ipynb")) {
      paths.push(join(dir, entry.name));
    }
  }
  return paths.sort();
}

function formatError(label: string, error: CellError): string {
  const traceback = error.traceback.join("\n") ||
    `${error.ename}: ${error.evalue}`;
  return `[${label}] FAILED in cell ${error.codeCellNumber} (cells[${error.cellIndex}]): ${error.ename}: ` +
    `${error.evalue}\n${traceback}`;
}

/** Prints progress: one line per cell, and the cells' stdout/stderr as they come (progress bars included). */
function progressPrinter(
  label: string,
  parallel = false,
): { onProgress: (event: ProgressEvent) => void; endLine: () => void } {
  const encoder = new TextEncoder();
  let atLineStart = true;
  const endLine = (): void => {
    if (!atLineStart) console.log();
    atLineStart = true;
  };
  const onProgress = (event: ProgressEvent): void => {
    if (event.kind === "cell") {
      endLine();
      const firstLine = event.source.trim().split("\n")[0].slice(0, 60);
      console.log(
        `[${label}] cell ${event.codeCellNumber}/${event.codeCells}: ${firstLine}`,
      );
    } else if (parallel && event.name !== "stderr") {
      // Several notebooks at once: their progress bars would interleave, so only their errors are shown.
      return;
    } else {
      // The kernel process's own output (outside the protocol), minus its "unstable" banner.
      const text = event.kind === "kernel"
        ? event.text.replace(/^Warning "deno jupyter" is unstable.*\n?/m, "")
        : event.text;
      if (text === "") return;
      (event.name === "stderr" ? Deno.stderr : Deno.stdout).writeSync(
        encoder.encode(text),
      );
      atLineStart = /[\r\n]$/.test(text);
    }
  };
  return { onProgress, endLine };
}

/** Where each notebook's last render time is kept, per preset (git-ignored, like the figure cache). */
function renderTimesPath(): string {
  return fileURLToPath(new URL("../.cache/render_times.json", import.meta.url));
}

/** The last render times, in seconds, keyed `preset:notebook`; none when the file is missing or unreadable. */
async function readRenderTimes(): Promise<Record<string, number>> {
  try {
    const times = JSON.parse(await Deno.readTextFile(renderTimesPath()));
    return typeof times === "object" && times !== null ? times : {};
  } catch {
    return {};
  }
}

async function writeRenderTimes(times: Record<string, number>): Promise<void> {
  try {
    await Deno.mkdir(join(renderTimesPath(), ".."), { recursive: true });
    await Deno.writeTextFile(renderTimesPath(), JSON.stringify(times, null, 1) + "\n");
  } catch { /* a read-only checkout: the order stays alphabetical next time */ }
}

/**
 * The order notebooks are started in: longest last render first (the
 * longest-processing-time rule, within 4/3 of the best makespan on any number
 * of kernels), notebooks never timed before the timed ones, ties in path order.
 */
export function renderOrder(paths: readonly string[], seconds: (path: string) => number | undefined): string[] {
  const key = (path: string): number => seconds(path) ?? Infinity;
  return [...paths].sort((a, b) => key(b) - key(a) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The notebook as it is written: without its volatile outputs (progress, timings, what was reused). */
export function committedNotebook(notebook: Notebook): Notebook {
  return {
    ...notebook,
    cells: notebook.cells.map((cell) =>
      cell.outputs ? { ...cell, outputs: cell.outputs.filter((o) => !isVolatile(o)) } : cell
    ),
  };
}

/** Per experiment, the runs the notebooks asked for: reused from the store, computed, and older versions ignored. */
export function gridSummary(log: string): string[] {
  const totals = new Map<string, { version: number; runs: number; reused: number; computed: number; older: number }>();
  for (const line of log.split("\n").filter((l) => l.trim() !== "")) {
    const g = JSON.parse(line);
    const key = `${g.experiment} v${g.version}`;
    const t = totals.get(key) ?? { version: g.version, runs: 0, reused: 0, computed: 0, older: 0 };
    t.runs += g.runs;
    t.reused += g.reused;
    t.computed += g.computed;
    t.older += g.olderVersion;
    totals.set(key, t);
  }
  return [...totals].map(([key, t]) =>
    `${key}: ${t.runs} runs asked for, ${t.reused} reused from the store, ${t.computed} computed` +
    (t.older > 0 ? `, ${t.older} stored only by an older version (ignored)` : "")
  );
}

/** Compacts every experiment whose folder in the store the notebooks left in many files: the next render reads one. */
function compactStore(): void {
  const storeDir = defaultStoreDir();
  for (const experiment of Object.values(EXPERIMENTS)) {
    const started = performance.now();
    const report = compactIfFragmented(storeDir, experiment);
    if (report?.written) {
      console.log(
        `compacted ${report.runs} runs of ${experiment.name} from ${report.merged} files in ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    for (const line of report?.unreadable ?? []) console.error(`unreadable ${line}`);
  }
}

function printGridSummary(log: string): void {
  const lines = gridSummary(log);
  if (lines.length > 0) console.log(["runs per experiment:", ...lines.map((l) => `  ${l}`)].join("\n"));
}

/** Runs the command line; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let args: RenderArgs;
  try {
    args = parseRenderArgs(argv);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const env: Record<string, string> = {};
  if (args.preset !== undefined) env.COLLAPSE_PRESET = args.preset;
  if (args.refresh) env.COLLAPSE_REFRESH = "1";
  if (args.resultsDir !== undefined) {
    env.COLLAPSE_RESULTS_DIR = resolve(args.resultsDir);
    await Deno.mkdir(env.COLLAPSE_RESULTS_DIR, { recursive: true });
  }
  if (args.outDir !== undefined) {
    await Deno.mkdir(args.outDir, { recursive: true });
  }
  const notebooks = args.notebooks.length > 0 ? args.notebooks : await defaultNotebooks();
  const gridLog = await Deno.makeTempFile({ prefix: "collapse-grids-", suffix: ".jsonl" });
  env.COLLAPSE_GRID_LOG = gridLog;
  const times = await readRenderTimes();
  const timeKey = (path: string): string => `${args.preset ?? "default"}:${basename(path)}`;
  const cellTimeoutMs = args.timeoutSeconds === undefined ? undefined : args.timeoutSeconds * 1000;
  let failed = 0;
  const renderOne = async (path: string): Promise<void> => {
    const label = basename(path);
    const started = performance.now();
    const { onProgress, endLine } = progressPrinter(label, jobs > 1);
    try {
      const result = await executeNotebook(path, {
        env,
        allowErrors: args.allowErrors,
        cellTimeoutMs,
        onProgress,
      });
      endLine();
      for (const error of result.errors) {
        console.error(formatError(label, error));
      }
      const elapsed = (performance.now() - started) / 1000;
      const seconds = elapsed.toFixed(1);
      if (result.errors.length === 0) times[timeKey(path)] = Math.round(elapsed * 10) / 10;
      if (result.errors.length > 0 && !args.allowErrors) {
        console.error(
          `[${label}] not written (${seconds} s); --allow-errors writes it with its errors`,
        );
        failed++;
        return;
      }
      const target = args.outDir === undefined ? path : join(args.outDir, label);
      await Deno.writeTextFile(target, serializeNotebook(committedNotebook(result.notebook)));
      console.log(
        `[${label}] ${result.executedCells} cells in ${seconds} s -> ${target}`,
      );
      if (result.untrackedOutputs > 0) {
        console.error(
          `[${label}] warning: the kernel published ${result.untrackedOutputs} output(s) under no cell's request: ` +
            "not in the notebook written (render it again)",
        );
      }
    } catch (error) {
      endLine();
      console.error(`[${label}] FAILED: ${(error as Error).message}`);
      failed++;
    }
  };
  // Notebooks run `jobs` at a time (each in its own kernel), the longest first, taken as kernels free up.
  const jobs = Math.max(1, Math.min(args.jobs ?? defaultJobs(), notebooks.length));
  const queue = renderOrder(notebooks, (path) => times[timeKey(path)]);
  await Promise.all(Array.from({ length: jobs }, async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) await renderOne(path);
  }));
  await writeRenderTimes(times);
  printGridSummary(await Deno.readTextFile(gridLog));
  await Deno.remove(gridLog);
  compactStore();
  console.log(
    `render_all: ${notebooks.length - failed} passed, ${failed} failed`,
  );
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      killKernels();
      Deno.exit(130);
    });
  }
  Deno.exit(await main(Deno.args));
}
