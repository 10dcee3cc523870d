/**
 * Executes a notebook's code cells in order through a fresh Deno kernel and files every output under its cell.
 *
 * Outputs are attributed to cells by `parent_header.msg_id`, never by timing: the Deno 2.9.6 kernel sometimes
 * publishes a cell's output after its `idle` status (3 of 40 trivial cells; stock `nbconvert --execute` drops
 * them), so a late output still goes to the cell that produced it, and the run keeps listening until IOPub has
 * been quiet for a grace period after the last cell. The kernel labels an output with the request it is running when
 * it publishes it, so the next cell is sent only once IOPub has been quiet for a while (`settleMs`) after a cell's
 * reply: sent at once, it took a figure cell's last warnings and display in about half the renders.
 * `clear_output` (also with `wait`) and `update_display_data` are applied as JupyterLab applies them, and stream
 * text is stored with what a terminal would overwrite already dropped, as nbconvert stores it.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { isVolatile } from "../../lib/util/volatile.ts";
import { DENO_KERNELSPEC, Kernel } from "./kernel.ts";
import {
  type Cell,
  cellSource,
  collapseCarriageReturns,
  type JsonObject,
  type Notebook,
  type Output,
  readNotebook,
} from "./notebook.ts";
import { type JupyterMessage, newMessage } from "./wire.ts";

/** A failing cell. */
export interface CellError {
  /** Index of the cell in `notebook.cells` (0-based). */
  cellIndex: number;
  /** Position among the non-empty code cells (1-based), as in "cell 3/7". */
  codeCellNumber: number;
  ename: string;
  evalue: string;
  traceback: string[];
}

/** What {@linkcode executeNotebook} returns. */
export interface ExecutedNotebook {
  /** The notebook with fresh outputs, execution counts, kernelspec and language_info. */
  notebook: Notebook;
  /** Failing cells: at most one unless `allowErrors`. */
  errors: CellError[];
  /** Number of code cells sent to the kernel. */
  executedCells: number;
  /** Number of non-empty code cells in the notebook. */
  codeCells: number;
  /** Diagnostics: outputs the kernel published after their cell's `idle` (all kept). */
  lateOutputs: number;
  /** Diagnostics: outputs (streams, displays, results, errors) under a parent no cell's request has: not kept. */
  untrackedOutputs: number;
  /** Diagnostics: kernel replies that were held back and had to be nudged out. */
  nudges: number;
}

/** Progress events: a cell starts, a cell prints (stdout/stderr), or the kernel process itself prints. */
export type ProgressEvent =
  | {
    kind: "cell";
    cellIndex: number;
    codeCellNumber: number;
    codeCells: number;
    source: string;
  }
  | { kind: "stream"; cellIndex: number; name: string; text: string }
  | { kind: "kernel"; name: "stdout" | "stderr"; text: string };

/** Options of {@linkcode executeNotebook}. */
export interface ExecuteOptions {
  /** Extra environment variables for the kernel process (NO_COLOR=1 is always set). */
  env?: Record<string, string>;
  /** Kernel working directory; defaults to the notebook's folder. */
  cwd?: string;
  /** Keep executing after a failing cell. */
  allowErrors?: boolean;
  /** Per-cell timeout in milliseconds; default: none. A timeout stops the run. */
  cellTimeoutMs?: number;
  /** How long IOPub must be quiet after the last cell; default 500 ms. */
  graceMs?: number;
  /** Quiet IOPub time in milliseconds awaited after each cell's reply before the next cell is sent; default 50. */
  settleMs?: number;
  /** Kernel start-up timeout in milliseconds; default 60 s. */
  startupTimeoutMs?: number;
  /** Called for every cell start and every piece of printed text. */
  onProgress?: (event: ProgressEvent) => void;
}

/** The outputs and state of one execute request, found by its msg_id. */
export interface CellRun {
  /** Index of the cell in `notebook.cells`. */
  cellIndex: number;
  outputs: Output[];
  /** A `clear_output` with `wait` came: the next output replaces what is there. */
  clearOnNextOutput: boolean;
  /** The request's `idle` status came: any further output is late. */
  idle: boolean;
}

/** The IOPub messages that add an output to a cell. */
const OUTPUT_TYPES = new Set(["stream", "display_data", "execute_result", "error"]);

/**
 * Files IOPub messages under the request that caused them (their parent msg_id), as Jupyter front ends do:
 * streams of the same name are appended to, `clear_output` empties the cell (at once, or at the next output with
 * `wait`), and `update_display_data` rewrites every output shown with that display_id, in whichever cell.
 * Messages of requests it does not track are ignored; the outputs among them are counted.
 */
export class OutputCollector {
  #runs = new Map<string, CellRun>();
  #displays = new Map<string, Output[]>();
  /** Outputs that came after their request's `idle` (all kept). */
  lateOutputs = 0;
  /** Outputs whose parent is no tracked request (not kept). */
  untrackedOutputs = 0;

  /** `onProgress` is told every stream text as it arrives. */
  constructor(readonly onProgress?: (event: ProgressEvent) => void) {}

  /** Starts collecting the outputs of request `msgId`, which executes cell `cellIndex`. */
  track(msgId: string, cellIndex: number): CellRun {
    const run: CellRun = { cellIndex, outputs: [], clearOnNextOutput: false, idle: false };
    this.#runs.set(msgId, run);
    return run;
  }

  /** Applies one IOPub message. */
  handle(message: JupyterMessage): void {
    const run = this.#runs.get(message.parent_header.msg_id ?? "");
    const type = message.header.msg_type, c = message.content;
    const displayId = (c.transient as JsonObject | undefined)?.display_id as
      | string
      | undefined;
    if ((type === "update_display_data" || type === "display_data") && isVolatile(c)) {
      // Progress and timings (lib/util/volatile.ts): shown in the terminal as they come, never saved.
      const text = (c.data as JsonObject | undefined)?.["text/plain"];
      if (typeof text === "string") {
        this.onProgress?.({ kind: "stream", cellIndex: run?.cellIndex ?? -1, name: "stdout", text: `${text}\n` });
      }
    }
    if (type === "update_display_data") {
      for (const output of this.#displays.get(displayId ?? "") ?? []) {
        Object.assign(output, {
          data: c.data ?? {},
          metadata: c.metadata ?? {},
        });
      }
    } else if (run === undefined) {
      if (OUTPUT_TYPES.has(type)) this.untrackedOutputs++;
      return;
    } else if (type === "status") {
      if (c.execution_state === "idle") run.idle = true;
    } else if (type === "clear_output") {
      if (c.wait) run.clearOnNextOutput = true;
      else run.outputs.length = 0;
    } else if (type === "stream") {
      const name = String(c.name), text = String(c.text);
      this.onProgress?.({
        kind: "stream",
        cellIndex: run.cellIndex,
        name,
        text,
      });
      const last = run.outputs.at(-1);
      if (
        !run.clearOnNextOutput && last?.output_type === "stream" &&
        last.name === name
      ) {
        if (run.idle) this.lateOutputs++;
        last.text += text;
      } else this.#add(run, { output_type: "stream", name, text });
    } else if (type === "display_data" || type === "execute_result") {
      const bundle = {
        data: (c.data ?? {}) as JsonObject,
        metadata: (c.metadata ?? {}) as JsonObject,
      };
      const execution_count = (c.execution_count ?? null) as number | null;
      const output: Output = type === "display_data"
        ? { output_type: type, ...bundle }
        : { output_type: type, execution_count, ...bundle };
      this.#add(run, output);
      if (displayId !== undefined) {
        this.#displays.set(displayId, [
          ...this.#displays.get(displayId) ?? [],
          output,
        ]);
      }
    } else if (type === "error") {
      const { ename, evalue, traceback } = c as Omit<
        CellError,
        "cellIndex" | "codeCellNumber"
      >;
      this.#add(run, { output_type: "error", ename, evalue, traceback });
    }
  }

  #add(run: CellRun, output: Output): void {
    if (run.idle) this.lateOutputs++;
    if (run.clearOnNextOutput) run.outputs.length = 0;
    run.clearOnNextOutput = false;
    run.outputs.push(output);
  }
}

/** An execute_request for `code` that stops the kernel's queue on error. */
function executeRequest(session: string, code: string): JupyterMessage {
  return newMessage("execute_request", session, {
    code,
    silent: false,
    store_history: true,
    user_expressions: {},
    allow_stdin: false,
    stop_on_error: true,
  });
}

/**
 * Executes a notebook's code cells in order through a fresh Deno kernel (working directory: the notebook's
 * folder) and returns the notebook with fresh outputs; the file itself is not written (see `serializeNotebook`
 * in notebook.ts). Stops at the first failing cell unless `options.allowErrors`. Empty code cells
 * are not sent and lose their outputs.
 *
 * @example
 * ```ts
 * const run = await executeNotebook("notebooks/01.ipynb", { env: { COLLAPSE_PRESET: "smoke" } });
 * if (run.errors.length === 0) await Deno.writeTextFile("out.ipynb", serializeNotebook(run.notebook));
 * ```
 */
export async function executeNotebook(
  path: string,
  options: ExecuteOptions = {},
): Promise<ExecutedNotebook> {
  const notebook = await readNotebook(path);
  const code = notebook.cells
    .map((cell, index) => ({ cell, index }))
    .filter(({ cell }) => cell.cell_type === "code");
  for (const { cell } of code) {
    if (cellSource(cell).trim() === "") {
      Object.assign(cell, { outputs: [], execution_count: null });
    }
  }
  const runnable = code.filter(({ cell }) => cellSource(cell).trim() !== "");
  const collector = new OutputCollector(options.onProgress);
  const kernel = await Kernel.start({
    cwd: options.cwd ?? dirname(resolve(path)),
    env: options.env,
    startupTimeoutMs: options.startupTimeoutMs,
    onIopub: (message) => collector.handle(message),
    onOutput: (name, text) => options.onProgress?.({ kind: "kernel", name, text }),
  });
  const errors: CellError[] = [];
  const runs: { cell: Cell; run: CellRun }[] = [];
  try {
    for (const [i, { cell, index }] of runnable.entries()) {
      const source = cellSource(cell);
      const where = { cellIndex: index, codeCellNumber: i + 1 };
      options.onProgress?.({
        kind: "cell",
        ...where,
        codeCells: runnable.length,
        source,
      });
      const message = executeRequest(kernel.session, source);
      const run = collector.track(message.header.msg_id, index);
      runs.push({ cell, run });
      let reply: JupyterMessage;
      try {
        reply = await kernel.request("shell", message, { timeoutMs: options.cellTimeoutMs });
      } catch (error) {
        errors.push({
          ...where,
          ename: "RunnerError",
          evalue: (error as Error).message,
          traceback: [],
        });
        break;
      }
      const c = reply.content as
        & { status?: string; execution_count?: number }
        & Partial<CellError>;
      cell.execution_count = c.execution_count ?? null;
      // The kernel labels what it publishes with the request it is running when it publishes: output of this cell
      // published after its reply would go to the next cell's request if that were already sent.
      await kernel.quiet(options.settleMs ?? 50);
      if (c.status !== "ok") {
        const shown = run.outputs.find((o) => o.output_type === "error");
        const fallback = shown?.output_type === "error" ? shown : undefined;
        errors.push({
          ...where,
          ename: c.ename ?? fallback?.ename ?? "Error",
          evalue: c.evalue ?? fallback?.evalue ?? String(c.status),
          traceback: c.traceback ?? fallback?.traceback ?? [],
        });
        if (!options.allowErrors) break;
      }
    }
    if (errors.at(-1)?.ename !== "RunnerError") {
      await kernel.drain(options.graceMs ?? 500);
    }
  } finally {
    await kernel.shutdown();
  }
  for (const { cell, run } of runs) {
    cell.outputs = run.outputs.map((o) =>
      o.output_type === "stream" ? { ...o, text: collapseCarriageReturns(String(o.text)) } : o
    );
  }
  notebook.metadata = {
    ...notebook.metadata,
    kernelspec: DENO_KERNELSPEC,
    language_info: kernel.languageInfo,
  };
  return {
    notebook,
    errors,
    executedCells: runs.length,
    codeCells: runnable.length,
    lateOutputs: collector.lateOutputs,
    untrackedOutputs: collector.untrackedOutputs,
    nudges: kernel.nudges,
  };
}
