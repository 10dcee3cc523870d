/**
 * The fonts of every rendered chart: where the DejaVu Sans files are ({@linkcode fontFiles}), and
 * vega's text measurement switched to their real glyph advances ({@linkcode installTextMetrics}),
 * read from the font files.
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

/** Horizontal metrics of one TrueType font: advance widths by code point, in em units. */
export type FontMetrics = { unitsPerEm: number; advance: (codePoint: number) => number };

/**
 * A minimal TrueType reader: `head` (units per em), `hhea` + `hmtx` (advance widths) and `cmap`
 * (format 12 or 4 Unicode subtable). Kerning is ignored (about 1% on DejaVu Sans text).
 */
export function parseFontMetrics(bytes: Uint8Array): FontMetrics {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = new Map<string, number>();
  const numTables = dv.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + 16 * i;
    const tag = String.fromCharCode(...bytes.subarray(rec, rec + 4));
    tables.set(tag, dv.getUint32(rec + 8));
  }
  const table = (tag: string): number => {
    const off = tables.get(tag);
    if (off === undefined) throw new Error(`font: no ${tag} table`);
    return off;
  };
  const unitsPerEm = dv.getUint16(table("head") + 18);
  const numHMetrics = dv.getUint16(table("hhea") + 34);
  const hmtx = table("hmtx");
  const glyphAdvance = (g: number): number => dv.getUint16(hmtx + 4 * Math.min(g, numHMetrics - 1));
  // Pick the best Unicode cmap subtable: (3,10) or (0,4) format 12, else (3,1) or (0,3) format 4.
  const cmap = table("cmap");
  let best: { off: number; format: number } | undefined;
  for (let i = 0; i < dv.getUint16(cmap + 2); i++) {
    const rec = cmap + 4 + 8 * i;
    const platform = dv.getUint16(rec);
    const encoding = dv.getUint16(rec + 2);
    const off = cmap + dv.getUint32(rec + 4);
    const format = dv.getUint16(off);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode || (format !== 4 && format !== 12)) continue;
    if (best === undefined || (format === 12 && best.format === 4)) best = { off, format };
  }
  if (best === undefined) throw new Error("font: no Unicode cmap subtable");
  const { off, format } = best;
  const glyphOf = (cp: number): number => {
    if (format === 12) {
      const nGroups = dv.getUint32(off + 12);
      let lo = 0;
      let hi = nGroups - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const g = off + 16 + 12 * mid;
        const start = dv.getUint32(g);
        const end = dv.getUint32(g + 4);
        if (cp < start) hi = mid - 1;
        else if (cp > end) lo = mid + 1;
        else return dv.getUint32(g + 8) + (cp - start);
      }
      return 0;
    }
    if (cp > 0xffff) return 0;
    const segCount = dv.getUint16(off + 6) / 2;
    const ends = off + 14;
    const starts = ends + 2 * segCount + 2;
    const deltas = starts + 2 * segCount;
    const rangeOffsets = deltas + 2 * segCount;
    for (let i = 0; i < segCount; i++) {
      if (cp > dv.getUint16(ends + 2 * i)) continue;
      const start = dv.getUint16(starts + 2 * i);
      if (cp < start) return 0;
      const delta = dv.getUint16(deltas + 2 * i);
      const ro = dv.getUint16(rangeOffsets + 2 * i);
      if (ro === 0) return (cp + delta) & 0xffff;
      const g = dv.getUint16(rangeOffsets + 2 * i + ro + 2 * (cp - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
  const cache = new Map<number, number>();
  return {
    unitsPerEm,
    advance(cp: number): number {
      let a = cache.get(cp);
      if (a === undefined) {
        a = glyphAdvance(glyphOf(cp));
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
    return { regular: parseFontMetrics(regular), bold: parseFontMetrics(bold) };
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
