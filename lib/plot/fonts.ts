/**
 * The fonts of every rendered chart: where the DejaVu Sans files are ({@linkcode fontFiles}), and
 * vega's text measurement switched to their real glyph advances ({@linkcode installTextMetrics}),
 * read with opentype.js.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { projectRoot } from "./paths.ts";

let fontFilesCache: string[] | undefined;

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * The paths of DejaVuSans.ttf and DejaVuSans-Bold.ttf. Tried in order: the folder in env var
 * `COLLAPSE_FONT_DIR`; the `dejavu-fonts-ttf` npm package (resolved through the import map, then
 * `node_modules/` under the project root); Debian's `fonts-dejavu-core` folder. Throws when none has
 * both files: rendering without fonts would silently drop every text.
 */
export function fontFiles(): string[] {
  if (fontFilesCache !== undefined) return fontFilesCache;
  const names = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"];
  const dirs: string[] = [];
  try {
    const env = Deno.env.get("COLLAPSE_FONT_DIR");
    if (env) dirs.push(env);
  } catch { /* no env permission */ }
  try {
    const url = import.meta.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf");
    if (url.startsWith("file:")) dirs.push(fileURLToPath(new URL("../", url)));
  } catch { /* not resolvable */ }
  const root = projectRoot();
  dirs.push(
    `${root}node_modules/dejavu-fonts-ttf/ttf`,
    `${root}node_modules/.deno/dejavu-fonts-ttf@2.37.3/node_modules/dejavu-fonts-ttf/ttf`,
    "/usr/share/fonts/truetype/dejavu",
  );
  for (const dir of dirs) {
    const files = names.map((n) => `${dir.replace(/\/$/, "")}/${n}`);
    if (files.every(isFile)) {
      fontFilesCache = files;
      return files;
    }
  }
  throw new Error(
    `plot: DejaVuSans.ttf and DejaVuSans-Bold.ttf not found in ${dirs.join(", ")}. ` +
      "Run `deno install` in the project root (the font comes from npm:dejavu-fonts-ttf) " +
      "or set COLLAPSE_FONT_DIR.",
  );
}

/** Horizontal metrics of one font: advance widths by code point, in em units. */
export type FontMetrics = { unitsPerEm: number; advance: (codePoint: number) => number };

// The part of opentype.js's API used here (the package ships no types).
type OpenTypeFont = {
  unitsPerEm: number;
  charToGlyph(char: string): { advanceWidth?: number };
};
type OpenTypeModule = { parse(buffer: ArrayBuffer, options?: { lowMemory?: boolean }): OpenTypeFont };

/**
 * The advance widths of a TrueType or OpenType font, parsed with opentype.js (loaded on first call;
 * glyphs are read lazily, on first use). Kerning is ignored (about 1% on DejaVu Sans text).
 */
export async function parseFontMetrics(bytes: Uint8Array): Promise<FontMetrics> {
  const opentype = (await import("opentype.js")).default as unknown as OpenTypeModule;
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const font = opentype.parse(buffer, { lowMemory: true });
  const cache = new Map<number, number>();
  return {
    unitsPerEm: font.unitsPerEm,
    advance(cp: number): number {
      let a = cache.get(cp);
      if (a === undefined) {
        a = font.charToGlyph(String.fromCodePoint(cp)).advanceWidth ?? 0;
        cache.set(cp, a);
      }
      return a;
    },
  };
}

let fontMetricsPromise: Promise<{ regular: FontMetrics; bold: FontMetrics }> | undefined;

/** Reads the two DejaVu files once (cached) and parses their advance widths. */
export function loadFontMetrics(): Promise<{ regular: FontMetrics; bold: FontMetrics }> {
  return (fontMetricsPromise ??= (async () => {
    const [regular, bold] = await Promise.all(fontFiles().map((f) => Deno.readFile(f)));
    return { regular: await parseFontMetrics(regular), bold: await parseFontMetrics(bold) };
  })());
}

type TextItem = {
  fontSize?: number | string | null;
  fontWeight?: number | string | null;
  limit?: number | string | null;
  ellipsis?: string | null;
  dir?: string | null;
};

/**
 * Makes vega measure text with the DejaVu glyph advances (what resvg will draw) instead of its
 * estimate of 0.8 em per character, which without a canvas inflates every label (a long rotated y
 * title then pads the figure with white space). Uses vega's documented hook: a user-defined
 * `textMetrics.width(item, text)`, which must also apply the item's `limit` truncation.
 */
export function installTextMetrics(
  vega: typeof import("vega"),
  metrics: { regular: FontMetrics; bold: FontMetrics },
): void {
  const raw = (item: TextItem, text: string): number => {
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
    const w = item.fontWeight;
    const bold = w === "bold" || w === "bolder" || (Number(w) >= 600);
    const m = bold ? metrics.bold : metrics.regular;
    let units = 0;
    for (const ch of text) units += m.advance(ch.codePointAt(0) as number);
    return (units * size) / m.unitsPerEm;
  };
  const width = (item: TextItem, line: unknown): number => {
    let text = line == null ? "" : String(line).trim();
    const limit = Number(item.limit ?? 0);
    if (limit > 0 && text.length > 0 && raw(item, text) >= limit) {
      // vega's truncate(): the longest prefix (suffix for rtl) that fits, plus an ellipsis.
      const ellipsis = item.ellipsis || "\u2026";
      const room = limit - raw(item, ellipsis);
      const rtl = item.dir === "rtl";
      let lo = 0;
      let hi = text.length;
      if (rtl) {
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (raw(item, text.slice(mid)) > room) lo = mid + 1;
          else hi = mid;
        }
        text = ellipsis + text.slice(lo);
      } else {
        while (lo < hi) {
          const mid = 1 + ((lo + hi) >>> 1);
          if (raw(item, text.slice(0, mid)) < room) lo = mid;
          else hi = mid - 1;
        }
        text = text.slice(0, lo) + ellipsis;
      }
    }
    return raw(item, text);
  };
  // vega re-exports vega-scenegraph's textMetrics; its typings omit it.
  const tm = (vega as unknown as { textMetrics?: { width: unknown } }).textMetrics;
  if (tm === undefined) throw new Error("plot: vega.textMetrics not found (vega version?)");
  tm.width = width;
}
