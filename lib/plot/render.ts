/**
 * Headless rendering: vega-lite -> vega ({@linkcode compileSpec}), vega -> SVG
 * ({@linkcode specToSvg}, text measured with the DejaVu fonts) and SVG -> PNG ({@linkcode specToPng},
 * resvg with the same fonts). vega, vega-lite and resvg are loaded lazily, once; rendering needs
 * `--allow-read --allow-ffi --allow-sys` (resvg is a native addon).
 *
 * @module
 */

import { fontFiles, installTextMetrics, loadFontMetrics } from "./fonts.ts";
import type { VegaLiteSpec } from "./spec.ts";
import { FONT_FAMILY } from "./theme.ts";

type VegaModule = typeof import("vega");
type VegaLiteModule = typeof import("vega-lite");
type ResvgModule = typeof import("@resvg/resvg-js");

let vegaPromise: Promise<VegaModule> | undefined;
let vegaLitePromise: Promise<VegaLiteModule> | undefined;
let resvgPromise: Promise<ResvgModule> | undefined;

/** vega, with its text measurement switched to the DejaVu fonts' real glyph advances. */
function loadVega(): Promise<VegaModule> {
  return (vegaPromise ??= (async () => {
    const [vega, metrics] = await Promise.all([import("vega"), loadFontMetrics()]);
    installTextMetrics(vega, metrics);
    return vega;
  })());
}
function loadVegaLite(): Promise<VegaLiteModule> {
  return (vegaLitePromise ??= import("vega-lite"));
}
function loadResvg(): Promise<ResvgModule> {
  return (resvgPromise ??= import("@resvg/resvg-js"));
}

/**
 * Compiles a vega-lite spec to a vega spec with the project's vega-lite (6.x), returning the
 * warnings vega-lite printed (an empty list for a clean spec).
 */
export async function compileSpec(
  spec: VegaLiteSpec,
): Promise<{ vega: import("vega").Spec; warnings: string[] }> {
  const vl = await loadVegaLite();
  const warnings: string[] = [];
  const collect = (...args: readonly unknown[]): void => {
    warnings.push(args.map(String).join(" "));
  };
  const logger = {
    level(): number {
      return 2;
    },
    warn(...args: readonly unknown[]) {
      collect(...args);
      return this;
    },
    info() {
      return this;
    },
    debug() {
      return this;
    },
    error(...args: readonly unknown[]) {
      collect("ERROR", ...args);
      return this;
    },
  };
  const compiled = vl.compile(spec, { logger: logger as never });
  return { vega: compiled.spec, warnings };
}

/**
 * Renders a vega-lite spec to an SVG string, headless (vega View with renderer "none"). Text is
 * measured with the DejaVu Sans glyph advances (see {@linkcode fontFiles}), so the layout fits what
 * resvg draws. Warnings, vega-lite's and vega's, are printed with `console.warn`, or with
 * `options.warnings` pushed to that list instead (as the lines they would have printed).
 */
export async function specToSvg(spec: VegaLiteSpec, options: { warnings?: string[] } = {}): Promise<string> {
  const { vega: vgSpec, warnings } = await compileSpec(spec);
  const warn = (line: string): void => void (options.warnings ? options.warnings.push(line) : console.warn(line));
  for (const w of warnings) warn(`vega-lite: ${w}`);
  const vega = await loadVega();
  const view = new vega.View(vega.parse(vgSpec), {
    renderer: "none",
    logger: vegaLogger(vega, warn),
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Renders a vega-lite spec to PNG bytes: {@linkcode specToSvg}, then resvg with the DejaVu Sans
 * regular and bold files from {@linkcode fontFiles} (system fonts are never loaded), on white.
 * `scale` (default 2) multiplies the chart's size in px; `warnings` as in {@linkcode specToSvg}.
 */
export async function specToPng(
  spec: VegaLiteSpec,
  options: { scale?: number; warnings?: string[] } = {},
): Promise<Uint8Array> {
  const svg = await specToSvg(spec, { warnings: options.warnings });
  const { Resvg } = await loadResvg();
  const resvg = new Resvg(svg, {
    font: {
      fontFiles: fontFiles(),
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
    background: "white",
    fitTo: { mode: "zoom", value: options.scale ?? 2 },
  });
  const png = resvg.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** Vega's logger at level Warn, each message written as vega's own logger prints it ("WARN ..."). */
function vegaLogger(vega: typeof import("vega"), warn: (line: string) => void): import("vega").LoggerInterface {
  let level: number = vega.Warn;
  const at = (threshold: number, name: string) => (...args: readonly unknown[]) => {
    if (level >= threshold) warn([name, ...args].map(String).join(" "));
    return logger;
  };
  const logger = {
    level: (...args: number[]) => args.length === 0 ? level : (level = args[0], logger),
    error: at(vega.Error, "ERROR"),
    warn: at(vega.Warn, "WARN"),
    info: at(vega.Info, "INFO"),
    debug: at(vega.Debug, "DEBUG"),
  } as import("vega").LoggerInterface;
  return logger;
}
