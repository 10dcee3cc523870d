/**
 * The data behind every figure of a folder of notebooks, and a comparison of two such folders: did a re-render
 * (another preset, machine, kernel route or change) plot the same numbers?
 *
 * ```sh
 * deno run -A tools/figure_data.ts compare DIR_A DIR_B [--tolerance REL]
 * deno run -A tools/figure_data.ts extract DIR
 * ```
 *
 * A figure is an output with a vega-lite mime bundle (`application/vnd.vegalite.v5+json`, as `showFigure` in
 * lib/plot displays it); its name is the output's `text/plain`, else the spec's `name` or title. Its data are
 * every inline data source of the spec (`data` at any depth, and each of `datasets`), as values: CSV text (see
 * `withCsvData` in lib/plot) is parsed into rows with numbers as numbers, so that the comparison is of values,
 * whichever way they are stored. Pixels, titles and encodings are not compared.
 *
 * `compare` prints, per notebook, how many figures have identical data, which differ (with the largest absolute
 * and relative numeric difference) and which are missing on one side; the exit code is 1 if any figure differs
 * or is missing. With `--tolerance REL`, numbers within that relative difference count as equal ("close").
 *
 * @module
 */

import { basename, join } from "node:path";
import { joinLines, type JsonObject, type Notebook, readNotebook } from "./jupyter/notebook.ts";
import { parseCommandLine, positiveNumber, runTool, UsageError } from "./cli.ts";

/** A figure's inline data sources, by where they sit in the spec ("data", "layer[1].data", "datasets.points"). */
export type FigureSources = Record<string, unknown>;

/** The figures of one notebook, by name, in the order they are shown. */
export type NotebookFigures = Map<string, FigureSources>;

const VEGA_LITE = /^application\/vnd\.vegalite\.v\d+\+json$/;

/** Parses delimited text (RFC 4180 quoting) into rows of cells; `quoted` marks cells that were quoted. */
function parseDelimited(text: string, delimiter: string): { value: string; quoted: boolean }[][] {
  const rows: { value: string; quoted: boolean }[][] = [];
  let row: { value: string; quoted: boolean }[] = [];
  let i = 0;
  while (i <= text.length) {
    let value = "", quoted = false;
    if (text[i] === '"') {
      quoted = true;
      for (i++; i < text.length; i++) {
        if (text[i] === '"' && text[i + 1] === '"') value += text[i++];
        else if (text[i] === '"') break;
        else value += text[i];
      }
      i++; // the closing quote
    }
    while (i < text.length && text[i] !== delimiter && text[i] !== "\n" && text[i] !== "\r") value += text[i++];
    row.push({ value, quoted });
    if (text[i] === delimiter) {
      i++;
      continue;
    }
    if (text[i] === "\r" && text[i + 1] === "\n") i++;
    i++;
    if (!(row.length === 1 && row[0].value === "" && !row[0].quoted)) rows.push(row);
    row = [];
  }
  return rows;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Delimited text as row objects: unquoted numerals become numbers and unquoted empty cells null, as written. */
export function parseCsvRows(text: string, delimiter = ","): JsonObject[] {
  const [header = [], ...rows] = parseDelimited(text, delimiter);
  const fields = header.map((cell) => cell.value);
  return rows.map((row) =>
    Object.fromEntries(fields.map((field, j) => {
      const cell = row[j] ?? { value: "", quoted: false };
      if (cell.quoted) return [field, cell.value];
      return [field, cell.value === "" ? null : NUMBER.test(cell.value) ? Number(cell.value) : cell.value];
    }))
  );
}

/** One data source as values: inline text parsed by its format, inline rows as they are, anything else kept. */
function sourceValues(data: JsonObject): unknown {
  const values = data.values;
  if (typeof values !== "string") return values === undefined ? data : values;
  const format = (data.format ?? {}) as { type?: string; delimiter?: string };
  if (format.type === "csv") return parseCsvRows(values, ",");
  if (format.type === "tsv") return parseCsvRows(values, "\t");
  if (format.type === "dsv" && typeof format.delimiter === "string") return parseCsvRows(values, format.delimiter);
  if (format.type === undefined || format.type === "json") {
    try {
      return JSON.parse(values);
    } catch { /* not JSON: compared as text */ }
  }
  return values;
}

/** Every inline data source of a vega-lite spec, by path. */
export function specSources(spec: JsonObject): FigureSources {
  const sources: FigureSources = {};
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((child, i) => visit(child, `${path}[${i}]`));
    if (node === null || typeof node !== "object" || Array.isArray(node)) return;
    for (const [key, child] of Object.entries(node as JsonObject)) {
      const at = path === "" ? key : `${path}.${key}`;
      if (key === "data" && child !== null && typeof child === "object" && !Array.isArray(child)) {
        sources[at] = sourceValues(child as JsonObject);
      } else if (key === "datasets" && path === "" && child !== null && typeof child === "object") {
        for (const [name, values] of Object.entries(child as JsonObject)) sources[`datasets.${name}`] = values;
      } else visit(child, at);
    }
  };
  visit(spec, "");
  return sources;
}

function figureName(data: JsonObject, spec: JsonObject): string | undefined {
  const text = data["text/plain"];
  const plain = typeof text === "string" || Array.isArray(text) ? joinLines(text as string | string[]).trim() : "";
  if (plain !== "" && !plain.includes("\n")) return plain;
  if (typeof spec.name === "string" && spec.name !== "") return spec.name;
  const title = spec.title as string | { text?: unknown } | undefined;
  const titleText = typeof title === "string" ? title : title?.text;
  return typeof titleText === "string" && titleText !== "" ? titleText : undefined;
}

/** The figures of a notebook; a name shown twice gets " (2)", a figure with no name "figure N". */
export function notebookFigures(notebook: Notebook): NotebookFigures {
  const figures: NotebookFigures = new Map();
  for (const cell of notebook.cells) {
    for (const output of cell.outputs ?? []) {
      if (output.output_type !== "display_data" && output.output_type !== "execute_result") continue;
      const mime = Object.keys(output.data).find((m) => VEGA_LITE.test(m));
      if (mime === undefined) continue;
      const raw = output.data[mime];
      const spec = (typeof raw === "string" ? JSON.parse(raw) : raw) as JsonObject;
      const name = figureName(output.data, spec) ?? `figure ${figures.size + 1}`;
      let unique = name;
      for (let n = 2; figures.has(unique); n++) unique = `${name} (${n})`;
      figures.set(unique, specSources(spec));
    }
  }
  return figures;
}

/** The figures of every `*.ipynb` directly in `dir`, by notebook file name (sorted). */
export async function extractFigureData(dir: string): Promise<Map<string, NotebookFigures>> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ipynb")) names.push(entry.name);
  }
  const result = new Map<string, NotebookFigures>();
  for (const name of names.sort()) result.set(name, notebookFigures(await readNotebook(join(dir, name))));
  return result;
}

/** How one figure's data compare. */
export interface FigureComparison {
  notebook: string;
  figure: string;
  /** `close`: every difference is numeric and within the tolerance. */
  status: "identical" | "close" | "differs" | "missing";
  /** For `missing`: the side that lacks it. */
  missingIn?: "A" | "B";
  /** Values that differ (beyond the tolerance), numeric or not. */
  differingValues: number;
  /** The largest absolute and relative (to the larger magnitude) difference between two numbers. */
  maxAbs: number;
  maxRel: number;
  /** Where the largest absolute difference is, e.g. `data[17].mean`. */
  maxAt?: string;
  /** Differences that are not numeric: lengths, keys, strings (the first few). */
  notes: string[];
}

type Tally = Pick<FigureComparison, "differingValues" | "maxAbs" | "maxRel" | "maxAt" | "notes"> & { close: number };

function compareValues(a: unknown, b: unknown, at: string, tally: Tally, tolerance: number): void {
  const note = (text: string): void => {
    tally.differingValues++;
    if (tally.notes.length < 5) tally.notes.push(text);
  };
  const child = (key: string): string => at === "" ? key : `${at}.${key}`;
  if (typeof a === "number" && typeof b === "number") {
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return note(`${at}: ${a} vs ${b}`);
    const abs = Math.abs(a - b), rel = abs / Math.max(Math.abs(a), Math.abs(b));
    if (abs > tally.maxAbs) [tally.maxAbs, tally.maxAt] = [abs, at];
    tally.maxRel = Math.max(tally.maxRel, rel);
    if (rel <= tolerance) tally.close++;
    else tally.differingValues++;
  } else if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) note(`${at}: ${a.length} vs ${b.length} entries`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) compareValues(a[i], b[i], `${at}[${i}]`, tally, tolerance);
  } else if (isObject(a) && isObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(key in b)) note(`${child(key)} only in A`);
      else if (!(key in a)) note(`${child(key)} only in B`);
      else compareValues(a[key], b[key], child(key), tally, tolerance);
    }
  } else if (a !== b) {
    note(`${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Compares the figures of two folders (as {@linkcode extractFigureData} returns them), notebook by notebook and
 * figure by figure; a notebook present on one side only has all its figures missing on the other.
 */
export function compareFigureData(
  a: Map<string, NotebookFigures>,
  b: Map<string, NotebookFigures>,
  options: { tolerance?: number } = {},
): FigureComparison[] {
  const tolerance = options.tolerance ?? 0;
  const results: FigureComparison[] = [];
  for (const notebook of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const figuresA = a.get(notebook) ?? new Map(), figuresB = b.get(notebook) ?? new Map();
    for (const figure of new Set([...figuresA.keys(), ...figuresB.keys()])) {
      if (!figuresA.has(figure) || !figuresB.has(figure)) {
        const missingIn = figuresA.has(figure) ? "B" : "A";
        results.push({
          notebook,
          figure,
          status: "missing",
          missingIn,
          differingValues: 0,
          maxAbs: 0,
          maxRel: 0,
          notes: [],
        });
        continue;
      }
      const tally: Tally = { differingValues: 0, maxAbs: 0, maxRel: 0, notes: [], close: 0 };
      compareValues(figuresA.get(figure), figuresB.get(figure), "", tally, tolerance);
      const { close, ...found } = tally;
      const status = found.differingValues > 0 ? "differs" : close > 0 ? "close" : "identical";
      results.push({ notebook, figure, status, ...found });
    }
  }
  return results;
}

function number(x: number): string {
  return x === 0
    ? "0"
    : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6
    ? String(Number(x.toPrecision(4)))
    : x.toExponential(2);
}

function figures(n: number): string {
  return n === 1 ? "1 figure" : `${n} figures`;
}

/** The report `compare` prints: one summary line per notebook, one line per figure that is not identical. */
export function formatComparison(results: readonly FigureComparison[], labels: { a: string; b: string }): string {
  const lines: string[] = [];
  const count = (rows: readonly FigureComparison[], status: FigureComparison["status"]): number =>
    rows.filter((r) => r.status === status).length;
  const summary = (rows: readonly FigureComparison[]): string =>
    `${count(rows, "identical")} identical` + (count(rows, "close") ? `, ${count(rows, "close")} close` : "") +
    `, ${count(rows, "differs")} differ, ${count(rows, "missing")} missing`;
  for (const notebook of [...new Set(results.map((r) => r.notebook))]) {
    const rows = results.filter((r) => r.notebook === notebook);
    lines.push(`${notebook}: ${figures(rows.length)}: ${summary(rows)}`);
    for (const r of rows) {
      const largest = r.maxAbs > 0
        ? `; largest difference ${number(r.maxAbs)} absolute (at ${r.maxAt}), ${number(r.maxRel)} relative`
        : "";
      if (r.status === "missing") lines.push(`  missing in ${r.missingIn === "A" ? labels.a : labels.b}: ${r.figure}`);
      if (r.status === "close") lines.push(`  close: ${r.figure}${largest}`);
      if (r.status === "differs") {
        lines.push(`  differs: ${r.figure}: ${r.differingValues} values${largest}`);
        for (const text of r.notes) lines.push(`    ${text}`);
      }
    }
  }
  lines.push(`figure data, ${labels.a} vs ${labels.b}: ${figures(results.length)}: ${summary(results)}`);
  return lines.join("\n");
}

const USAGE = "usage: deno run -A tools/figure_data.ts compare DIR_A DIR_B [--tolerance REL] | extract DIR";

/** Runs the command line; returns the exit code (compare: 1 if any figure differs or is missing). */
export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    usage: USAGE,
    flags: { tolerance: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, ...dirs] = positionals;
  const arity = { compare: 2, extract: 1 }[command ?? ""];
  if (arity === undefined) {
    throw new UsageError(
      `the command must be one of "compare", "extract", got ${JSON.stringify(command ?? "")}`,
      USAGE,
    );
  }
  if (dirs.length !== arity) throw new UsageError(`${command} takes ${arity} folder(s), got ${dirs.length}`, USAGE);
  if (command === "extract" && values.tolerance !== undefined) {
    throw new UsageError("--tolerance is for compare", USAGE);
  }
  const tolerance = values.tolerance === undefined
    ? 0
    : positiveNumber(values.tolerance, { flag: "--tolerance", usage: USAGE });
  for (const dir of dirs) {
    if (!(await Deno.stat(dir).catch(() => undefined))?.isDirectory) throw new UsageError(`no folder ${dir}`, USAGE);
  }
  if (command === "extract") {
    const figures = await extractFigureData(dirs[0]);
    const plain = Object.fromEntries([...figures].map(([notebook, f]) => [notebook, Object.fromEntries(f)]));
    console.log(JSON.stringify(plain, null, 1));
    return 0;
  }
  const [a, b] = await Promise.all(dirs.map((dir) => extractFigureData(dir)));
  const results = compareFigureData(a, b, { tolerance });
  const labels = basename(dirs[0]) === basename(dirs[1])
    ? { a: dirs[0], b: dirs[1] }
    : { a: basename(dirs[0]), b: basename(dirs[1]) };
  console.log(formatComparison(results, labels));
  return results.some((r) => r.status === "differs" || r.status === "missing") ? 1 : 0;
}

if (import.meta.main) await runTool("figure_data", () => main(Deno.args));
