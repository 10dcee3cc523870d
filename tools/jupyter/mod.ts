/**
 * A small headless Jupyter client for the Deno kernel: it starts `deno jupyter --kernel`, speaks the Jupyter
 * messaging protocol v5.3 over ZMTP 3.0 and executes a notebook's code cells in order, writing the notebook back
 * as Jupyter saves it.
 *
 * - `notebook.ts`: the .ipynb format (read, serialize like Jupyter, lines);
 * - `wire.ts`: Jupyter messages as ZMQ frames, HMAC-SHA256 signatures;
 * - `zmtp.ts`: the hand-written ZMTP 3.0 client (npm:zeromq crashes under Deno 2.9.6; see its module doc);
 * - `kernel.ts`: the kernel process, its connection file, requests and replies, shutdown;
 * - `execute.ts`: running the cells and filing each output under its cell (also when it comes after `idle`).
 *
 * @example
 * ```ts
 * import { executeNotebook, serializeNotebook } from "./tools/jupyter/mod.ts";
 * const run = await executeNotebook("notebooks/00_gaussian_fitting.ipynb", { env: { COLLAPSE_PRESET: "smoke" } });
 * if (run.errors.length === 0) await Deno.writeTextFile("out.ipynb", serializeNotebook(run.notebook));
 * ```
 *
 * The entry of the folder: re-exports, exercised by every test beside the modules
 * and by tools/notebooks_test.ts.
 *
 * Tests: tools/notebooks_test.ts.
 *
 * @module
 */

export {
  type Cell,
  type JsonObject,
  type Notebook,
  type Output,
  readNotebook,
  serializeNotebook,
  splitLines,
} from "./notebook.ts";
export { decodeMessage, encodeMessage, type JupyterMessage, type MessageHeader, signParts } from "./wire.ts";
export { type ConnectionInfo, DENO_KERNELSPEC, killKernels } from "./kernel.ts";
export {
  type CellError,
  type ExecutedNotebook,
  executeNotebook,
  type ExecuteOptions,
  type ProgressEvent,
} from "./execute.ts";
