/**
 * {@linkcode showFigure}, the one function notebooks call to save and display a figure: a PNG under
 * the results folder, and inside the Jupyter kernel one output bundle (interactive spec + PNG).
 * Needs `--allow-read --allow-write --allow-env --allow-ffi --allow-sys`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { withCsvData } from "./csv.ts";
import { projectRoot } from "./paths.ts";
import { specToPng } from "./render.ts";
import { fnv1a64 } from "../numerics/hash.ts";
import { VEGA_LITE_V5_SCHEMA, type VegaLiteSpec } from "./spec.ts";

type JupyterDisplay = (
  obj: unknown,
  options?: { raw?: boolean },
) => Promise<void>;

/** `Deno.jupyter.display` inside the Jupyter kernel, else undefined (`Deno.jupyter` throws there). */
function jupyterDisplay(): JupyterDisplay | undefined {
  if (!("jupyter" in Deno)) return undefined;
  try {
    const j = (Deno as unknown as { jupyter?: { display?: JupyterDisplay } }).jupyter;
    return typeof j?.display === "function" ? j.display : undefined;
  } catch {
    return undefined;
  }
}

function checkPathPart(what: string, v: string): void {
  if (v === "" || v === "." || v === ".." || /[\/\\]/.test(v)) {
    throw new Error(`showFigure: ${what} "${v}" must be a plain file name (no "/", not "." or "..")`);
  }
}

/** Options of {@linkcode showFigure}. */
export type ShowFigureOptions = {
  /** File name of the PNG, without folder (a trailing ".png" is dropped). */
  name: string;
  /** The notebook's name: the PNG's folder under the results folder. */
  notebook: string;
  /** Default: env var `COLLAPSE_RESULTS_DIR`, else `results/` under the project root. */
  resultsDir?: string;
  /** Scale of the written PNG, default 2. */
  scale?: number;
};

/**
 * The one function notebooks call. Renders `spec` to PNG and writes it to
 * `<resultsDir>/<notebook>/<name>.png` (directories created).
 * Inside the Jupyter kernel it also displays ONE output bundle: the spec (vega-lite v5 schema, for
 * JupyterLab's interactive renderer), the PNG (for viewers without vega-lite, e.g. GitHub) and the
 * name as text. Outside the kernel it prints the path.
 *
 * Returns nothing: a cell that ends with `await showFigure(...)` then has no `Out[...]` value (a
 * returned path would be stored in the notebook, naming the machine that rendered it).
 */
export async function showFigure(spec: VegaLiteSpec, options: ShowFigureOptions): Promise<void> {
  const name = options.name.replace(/\.png$/i, "");
  checkPathPart("name", name);
  checkPathPart("notebook", options.notebook);
  let resultsDir = options.resultsDir;
  if (resultsDir === undefined) {
    try {
      resultsDir = Deno.env.get("COLLAPSE_RESULTS_DIR") || undefined;
    } catch { /* no env permission */ }
  }
  resultsDir ??= `${projectRoot()}results`;
  const dir = `${resultsDir.replace(/\/$/, "")}/${options.notebook}`;
  const path = `${dir}/${name}.png`;
  const png = await cachedPng(spec, options.scale ?? 2);
  await Deno.mkdir(dir, { recursive: true });
  // A file that already holds these bytes is left as it is (its time stamp too).
  if (!sameBytes(path, png)) await Deno.writeFile(path, png);
  const display = jupyterDisplay();
  if (display === undefined) {
    console.log(`figure written: ${path}`);
    return;
  }
  const inline = { ...withCsvData(spec), $schema: VEGA_LITE_V5_SCHEMA };
  // The inline fallback PNG is drawn at scale 1: it is stored in the notebook.
  const inlinePng = await cachedPng(spec, 1);
  await display({
    "application/vnd.vegalite.v5+json": inline,
    "image/png": Buffer.from(inlinePng).toString("base64"),
    "text/plain": name,
  }, { raw: true });
}

/**
 * The PNG of `spec` at `scale`, from the figure cache when this spec was drawn
 * before: `.cache/figures/<hash>.png` under the project (git-ignored), keyed by
 * the spec's JSON text, the scale, and what draws it (the vega, vega-lite and
 * resvg versions the import map names, and the source of the rendering and
 * font modules), so a re-render whose figure data did not change skips vega
 * and resvg (~0.2 s a figure). `COLLAPSE_FIGURE_CACHE=0` turns it off;
 * deleting the folder empties it.
 */
export async function cachedPng(spec: VegaLiteSpec, scale: number): Promise<Uint8Array> {
  const dir = figureCacheDir();
  if (!dir) return specToPng(spec, { scale });
  const path = `${dir}/${fnv1a64(`${renderIdentity()}\n${scale}\n${JSON.stringify(spec)}`)}.png`;
  // The warnings drawing it printed are kept beside it and printed again, so a cached figure's output is the same.
  const warningsPath = `${path}.warnings.json`;
  try {
    const png = await Deno.readFile(path);
    const warnings: string[] = JSON.parse(await Deno.readTextFile(warningsPath));
    for (const line of warnings) console.warn(line);
    return png;
  } catch { /* not drawn yet */ }
  const warnings: string[] = [];
  const png = await specToPng(spec, { scale, warnings });
  for (const line of warnings) console.warn(line);
  try {
    await Deno.mkdir(dir, { recursive: true });
    // Written to private names and renamed (the warnings first, read only once the PNG is there): a kernel
    // rendering the same figure at once never reads half a file.
    const suffix = `.${crypto.randomUUID().slice(0, 8)}.tmp`;
    await Deno.writeTextFile(`${warningsPath}${suffix}`, JSON.stringify(warnings));
    await Deno.rename(`${warningsPath}${suffix}`, warningsPath);
    await Deno.writeFile(`${path}${suffix}`, png);
    await Deno.rename(`${path}${suffix}`, path);
  } catch { /* a read-only checkout: no cache */ }
  return png;
}

function figureCacheDir(): string | undefined {
  try {
    if (Deno.env.get("COLLAPSE_FIGURE_CACHE") === "0") return undefined;
  } catch { /* no env permission: the default */ }
  return `${projectRoot()}.cache/figures`;
}

let identity: string | undefined;

/** What draws a figure: the rendering libraries' versions and the source of the modules that call them. */
function renderIdentity(): string {
  if (identity !== undefined) return identity;
  const parts = ["vega", "vega-lite", "@resvg/resvg-js"].map((name) => {
    try {
      return import.meta.resolve(name);
    } catch {
      return name;
    }
  });
  for (const module of ["./render.ts", "./fonts.ts", "./csv.ts"]) {
    try {
      parts.push(Deno.readTextFileSync(new URL(module, import.meta.url)));
    } catch {
      parts.push(module);
    }
  }
  return identity = fnv1a64(parts.join("\n"));
}

/** Whether the file at `path` holds exactly `bytes`. */
function sameBytes(path: string, bytes: Uint8Array): boolean {
  try {
    if (Deno.statSync(path).size !== bytes.length) return false;
    const old = Deno.readFileSync(path);
    for (let i = 0; i < old.length; i++) if (old[i] !== bytes[i]) return false;
    return true;
  } catch {
    return false;
  }
}
