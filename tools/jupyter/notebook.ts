/**
 * The notebook file format (nbformat 4): its types, reading a notebook, and writing one back exactly as Jupyter
 * saves it, so that a re-rendered notebook diffs cleanly against one saved from JupyterLab or VS Code.
 *
 * @module
 */

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** One nbformat 4 output. */
export type Output =
  | { output_type: "stream"; name: string; text: string | string[] }
  | { output_type: "display_data"; data: JsonObject; metadata: JsonObject }
  | {
    output_type: "execute_result";
    execution_count: number | null;
    data: JsonObject;
    metadata: JsonObject;
  }
  | {
    output_type: "error";
    ename: string;
    evalue: string;
    traceback: string[];
  };

/** One nbformat 4 cell; unknown fields are kept. */
export interface Cell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  metadata: JsonObject;
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
  [key: string]: unknown;
}

/** An nbformat 4 notebook. */
export interface Notebook {
  cells: Cell[];
  metadata: JsonObject;
  nbformat: number;
  nbformat_minor: number;
}

/** Splits text into lines that keep their endings, like Python's `str.splitlines(True)`. */
export function splitLines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

/** A multi-line string field (source, stream text, text mime data) as one string, whichever way it is stored. */
export function joinLines(value: string | string[]): string {
  return typeof value === "string" ? value : value.join("");
}

/** A cell's source as one string. */
export function cellSource(cell: Cell): string {
  return joinLines(cell.source);
}

/**
 * Drops what a terminal would overwrite (text before a `\r`), like nbconvert's coalesce_streams: a progress bar
 * redrawn a thousand times is stored as its last state.
 */
export function collapseCarriageReturns(text: string): string {
  return text.replace(/\r+\n/g, "\n").replace(/[^\n]*\r(?=[^\n])/g, "");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const object = value as JsonObject;
  return Object.fromEntries(
    Object.keys(object).sort().map((k) => [k, sortKeys(object[k])]),
  );
}

/** Mime types that nbformat stores as lists of lines, besides `text/*`. */
const SPLIT_MIMES = new Set(["application/javascript", "image/svg+xml"]);

/**
 * Serializes a notebook as Jupyter saves it: sorted keys, 1-space indent, multi-line strings (sources, stream
 * text, text mime data) as lists of lines, and a final newline.
 */
export function serializeNotebook(notebook: Notebook): string {
  const lines = (v: string | string[]): string[] => typeof v === "string" ? splitLines(v) : v;
  const split = (bundle: JsonObject): JsonObject =>
    Object.fromEntries(
      Object.entries(bundle).map(([mime, v]) => [
        mime,
        typeof v === "string" &&
          (mime.startsWith("text/") || SPLIT_MIMES.has(mime))
          ? splitLines(v)
          : v,
      ]),
    );
  const cells = notebook.cells.map((cell) => {
    if (cell.cell_type !== "code") {
      return { ...cell, source: lines(cell.source) };
    }
    const outputs = (cell.outputs ?? []).map((o): Output =>
      o.output_type === "stream"
        ? { ...o, text: lines(o.text) }
        : o.output_type === "error"
        ? o
        : { ...o, data: split(o.data) }
    );
    return { ...cell, source: lines(cell.source), outputs };
  });
  return JSON.stringify(sortKeys({ ...notebook, cells }), null, 1) + "\n";
}

/** Reads an nbformat 4 notebook; throws if it is not one. */
export async function readNotebook(path: string): Promise<Notebook> {
  const notebook = JSON.parse(await Deno.readTextFile(path)) as Notebook;
  if (notebook.nbformat !== 4 || !Array.isArray(notebook.cells)) {
    throw new Error(`${path}: not an nbformat 4 notebook`);
  }
  return notebook;
}
