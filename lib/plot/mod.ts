/**
 * The project's one plotting module: vega-lite specs for the paper's figure shapes, a headless
 * vega-lite -> SVG -> PNG renderer (resvg with the DejaVu fonts shipped by the `dejavu-fonts-ttf` npm
 * package), and {@linkcode showFigure}, the one function notebooks call to save and display a figure.
 *
 * Only {@linkcode specToSvg}, {@linkcode specToPng}, {@linkcode compileSpec} and
 * {@linkcode showFigure} load vega, vega-lite and resvg (lazily, once); the spec builders and
 * {@linkcode meanWithBand} are plain TypeScript, so importing this module costs nothing and needs no
 * permission. Rendering needs `--allow-read --allow-ffi --allow-sys` (resvg is a native addon);
 * {@linkcode showFigure} also needs `--allow-write --allow-env`.
 *
 * @module
 */

import { type Workflow, WORKFLOWS } from "../workflows/mod.ts";
import type { Config, TopLevelSpec } from "vega-lite";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";

/** A top-level vega-lite spec (vega-lite's own `TopLevelSpec` type). */
export type VegaLiteSpec = TopLevelSpec;

// Parts of vega-lite's spec type, derived from TopLevelSpec (vega-lite exports only the top level).
type FacetSpec = Extract<TopLevelSpec, { facet: unknown }>;
type LayerSpec = Extract<FacetSpec["spec"], { layer: unknown }>;
type UnitLayer = Extract<LayerSpec["layer"][number], { mark: unknown }>;
type Encoding = NonNullable<UnitLayer["encoding"]>;
type TitleSpec = NonNullable<FacetSpec["title"]>;

/**
 * The sequential vega colour schemes offered for colour by `n` or by iteration. Each is a vega
 * scheme name: the typed encodings below reject any name vega-lite's `ColorScheme` lacks.
 */
export type ColorSchemeName =
  | "viridis"
  | "plasma"
  | "magma"
  | "inferno"
  | "cividis"
  | "turbo"
  | "blues"
  | "greens"
  | "purples"
  | "oranges"
  | "reds"
  | "bluepurple"
  | "purplered"
  | "yellowgreenblue"
  | "yelloworangered"
  | "darkblue"
  | "darkmulti";

/** The column order of every faceted figure: the paper's (the workflows as lib/workflows.ts lists them). */
export const WORKFLOW_ORDER: readonly Workflow[] = WORKFLOWS;

/** The `$schema` of every spec built here: JupyterLab's renderer is vega-lite 5. */
export const VEGA_LITE_V5_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** The font family every chart uses; its files come from the `dejavu-fonts-ttf` npm package. */
export const FONT_FAMILY = "DejaVu Sans";

/**
 * One aggregated point: the grouping fields of {@linkcode meanWithBand} (under their own names) plus
 * `x`, the mean over seeds, the 95% interval `[lo, hi]`, the sample standard deviation `sd` and the
 * number of seeds `k`.
 */
export type BandRow = {
  x: number;
  mean: number;
  lo: number;
  hi: number;
  sd: number;
  k: number;
  [field: string]: string | number;
};

/**
 * One point of a reference curve (e.g. a closed-form expectation), drawn dashed in the colour of its
 * `n`. A row without the column field (default `workflow`) is drawn in every column.
 */
export type ReferenceRow = {
  x: number;
  y: number;
  [field: string]: string | number | undefined;
};

/** One point of a fitted density, for {@linkcode densityChart}. */
export type DensityRow = {
  workflow: string;
  iteration: number;
  x: number;
  density: number;
};

const RESERVED_BAND_FIELDS = ["x", "mean", "lo", "hi", "sd", "k"];

/**
 * Aggregates per-seed rows into one {@linkcode BandRow} per (groupBy values, x): the mean over seeds
 * and a 95% interval mean ± 1.96·SE, SE = sd/√k, sd the sample standard deviation (divisor k − 1).
 * With one seed, sd = 0 and lo = hi = mean.
 *
 * Rows whose y is not a number or is NaN are skipped (a group with none left is dropped); ±Infinity
 * is kept, so the mean of such a group is infinite (charts drop non-finite means). x must be a finite
 * number. The output is ordered by first appearance of each group, then by ascending x.
 *
 * @example
 * ```ts
 * meanWithBand(
 *   [{ workflow: "Replace", n: 10, t: 1, seed: 0, trace: 0.9 }, ...],
 *   { x: "t", y: "trace", groupBy: ["workflow", "n"] },
 * ); // [{ workflow: "Replace", n: 10, x: 1, mean, lo, hi, sd, k }, ...]
 * ```
 */
export function meanWithBand<T extends object>(
  rows: readonly T[],
  options: {
    x: keyof T & string;
    y: keyof T & string;
    groupBy: readonly (keyof T & string)[];
  },
): BandRow[] {
  const { x, y, groupBy } = options;
  for (const g of groupBy) {
    if (RESERVED_BAND_FIELDS.includes(g)) {
      throw new Error(
        `meanWithBand: groupBy field "${g}" collides with an output field (${RESERVED_BAND_FIELDS.join(", ")})`,
      );
    }
  }
  type Acc = { keys: (string | number)[]; byX: Map<number, number[]> };
  const groups = new Map<string, Acc>();
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    const xv = r[x];
    if (typeof xv !== "number" || !Number.isFinite(xv)) {
      throw new Error(`meanWithBand: x field "${x}" must be a finite number, got ${String(xv)}`);
    }
    const yv = r[y];
    if (typeof yv !== "number" || Number.isNaN(yv)) continue;
    const keys = groupBy.map((g) => {
      const v = r[g];
      return typeof v === "number" || typeof v === "string" ? v : String(v);
    });
    const id = JSON.stringify(keys);
    let acc = groups.get(id);
    if (acc === undefined) {
      acc = { keys, byX: new Map() };
      groups.set(id, acc);
    }
    let ys = acc.byX.get(xv);
    if (ys === undefined) {
      ys = [];
      acc.byX.set(xv, ys);
    }
    ys.push(yv);
  }
  const out: BandRow[] = [];
  for (const { keys, byX } of groups.values()) {
    const xs = [...byX.keys()].sort((a, b) => a - b);
    for (const xv of xs) {
      const ys = byX.get(xv) as number[];
      const k = ys.length;
      let sum = 0;
      for (const v of ys) sum += v;
      const mean = sum / k;
      let ss = 0;
      if (k > 1 && Number.isFinite(mean)) {
        for (const v of ys) ss += (v - mean) * (v - mean);
      }
      const sd = k > 1 && Number.isFinite(mean) ? Math.sqrt(ss / (k - 1)) : 0;
      const half = k > 1 ? 1.96 * sd / Math.sqrt(k) : 0;
      const row: BandRow = { x: xv, mean, lo: mean - half, hi: mean + half, sd, k };
      groupBy.forEach((g, i) => (row[g] = keys[i]));
      out.push(row);
    }
  }
  return out;
}

/** Shared look of every chart: white background, DejaVu Sans, readable sizes. */
function baseConfig(): Config {
  return {
    background: "white",
    font: FONT_FAMILY,
    padding: 8,
    view: { stroke: "#d0d0d0" },
    title: {
      fontSize: 16,
      fontWeight: "bold",
      subtitleFontSize: 12,
      subtitleColor: "#444444",
      anchor: "start",
      offset: 10,
      limit: 0,
      subtitlePadding: 4,
    },
    axis: {
      labelFontSize: 12,
      titleFontSize: 13,
      titleFontWeight: "normal",
      gridColor: "#e3e3e3",
      domainColor: "#888888",
      tickColor: "#888888",
      labelColor: "#222222",
      titleColor: "#222222",
    },
    header: {
      labelFontSize: 15,
      labelColor: "#222222",
      titleFontSize: 15,
    },
    legend: {
      labelFontSize: 12,
      titleFontSize: 13,
      titleFontWeight: "normal",
      titleLimit: 400,
      labelLimit: 300,
    },
  };
}

function titleBlock(
  title: string | undefined,
  subtitle: string | readonly string[] | undefined,
): TitleSpec | undefined {
  const sub = typeof subtitle === "string" ? subtitle : subtitle === undefined ? undefined : [...subtitle];
  if (title === undefined || title === "") {
    // vega draws no subtitle under an empty title: show the subtitle in the title's place.
    if (sub === undefined) return undefined;
    return { text: sub, fontSize: 12, fontWeight: "normal", color: "#444444" };
  }
  return sub === undefined ? { text: title } : { text: title, subtitle: sub };
}

/** Rounds to 6 significant digits so inline data (and notebooks) stay small. */
function round6(v: number): number {
  return Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(6)) : v;
}

/**
 * Ticks of a log y axis over the data's range [min, max] (mean, lo, hi and reference values):
 * the powers of ten inside it when there are at least two (every k-th one past 8), else evenly
 * spaced "nice" values (1.2, 1.4, ...), because a range within one decade would get one tick or
 * none. The scale itself is not "niced" to whole decades (that would squash a narrow range), only
 * padded by a few pixels.
 */
function logAxisValues(data: readonly Record<string, string | number>[]): number[] | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (const d of data) {
    for (const key of ["mean", "lo", "hi", "y"]) {
      const v = d[key];
      if (typeof v === "number" && v > 0 && Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
  }
  if (!(min < max)) return undefined;
  const exponents: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    const v = Number(`1e${e}`);
    if (v >= min && v <= max) exponents.push(e);
  }
  if (exponents.length < 2) return niceTicks(min, max, 5);
  // Many decades (e.g. a collapsing determinant): every k-th power of ten, at most ~8 ticks.
  const every = [1, 2, 3, 5, 10, 20, 25, 50, 100].find((k) => exponents.length / k <= 8) ?? 100;
  return exponents.filter((e) => e % every === 0).map((e) => Number(`1e${e}`));
}

/** About `count` evenly spaced round values in [min, max] (d3's 1, 2, 5 × 10^k step rule). */
function niceTicks(min: number, max: number, count: number): number[] {
  if (!(min < max)) return Number.isFinite(min) ? [min] : [];
  const raw = (max - min) / count;
  const base = Math.pow(10, Math.floor(Math.log10(raw)));
  const err = raw / base;
  const step = base *
    (err >= Math.sqrt(50) ? 10 : err >= Math.sqrt(10) ? 5 : err >= Math.SQRT2 ? 2 : 1);
  const values: number[] = [];
  for (let i = Math.ceil(min / step); i * step <= max * (1 + 1e-12); i++) {
    values.push(Number((i * step).toPrecision(12)));
  }
  return values;
}

/** Options of {@linkcode facetedLineChart}. */
export type FacetedLineChartOptions = {
  /** Figure title. */
  title?: string;
  /** Printed under the title; use it to show the preset the figure was made with. */
  subtitle?: string | readonly string[];
  /** Default "Model-Fitting Iteration". */
  xTitle?: string;
  /** Default "Mean". */
  yTitle?: string;
  /**
   * Default "linear". With "log", rows with mean <= 0 (and reference points with y <= 0) are NOT
   * drawn, and a band's lower end lo <= 0 is clamped to the smallest positive mean or lo in the
   * chart (the bottom of the plotted range), as matplotlib's "clip" does in the paper's figures.
   * The number of rows left out is recorded in the spec's `description`.
   */
  yScale?: "linear" | "log" | "symlog";
  /** Default "linear". "log" needs x > 0 (e.g. a real-data fraction). */
  xScale?: "linear" | "log";
  /** Reference curves (e.g. closed forms), dashed, same colour as their `n`. */
  reference?: readonly ReferenceRow[];
  /** Legend label of the dashed lines. Default "Closed form". */
  referenceLabel?: string;
  /** Legend label of the solid lines when references are drawn. Default "Simulation (mean, 95% CI)". */
  simulationLabel?: string;
  /** Shared y across columns (default, as in the paper) or independent. */
  resolveY?: "shared" | "independent";
  /** Width of one facet in px. Default 260. */
  width?: number;
  /** Height of one facet in px. Default 200. */
  height?: number;
  /** Column facet field. Default "workflow", ordered by {@linkcode WORKFLOW_ORDER}. */
  column?: string;
  /** Colour field (positive numbers). Default "n". */
  color?: string;
  /** Colour legend title. Default "Num. Samples per Iteration". */
  colorTitle?: string;
  /** Colour scale type. Default "log". "symlog" spreads log-spaced values that include 0. */
  colorScale?: "log" | "linear" | "symlog";
  /** A vega sequential scheme. Default "plasma". */
  colorScheme?: ColorSchemeName;
  /** Part of the scheme used, default [0, 0.85] (drops the palest end, unreadable on white). */
  colorExtent?: readonly [number, number];
  /** Draw the 95% band. Default true. */
  band?: boolean;
};

/**
 * The paper's main figure: x = model-fitting iteration, y = a metric (mean over seeds as a line and
 * its 95% interval as a translucent band), one column per workflow in {@linkcode WORKFLOW_ORDER},
 * colour = samples per iteration `n` on a log colour scale with a sequential palette and one legend
 * entry per `n`. Optional `reference` rows are drawn as dashed lines in the colour of their `n`.
 *
 * Rows with a non-finite mean are never drawn (JSON has no Infinity); see `yScale` for log axes.
 */
export function facetedLineChart(
  rows: readonly BandRow[],
  options: FacetedLineChartOptions = {},
): VegaLiteSpec {
  const column = options.column ?? "workflow";
  const color = options.color ?? "n";
  const yScale = options.yScale ?? "linear";
  const colorScale = options.colorScale ?? "log";
  const withBand = options.band ?? true;
  const ref = options.reference ?? [];
  const notes: string[] = [];

  // Clean the simulation rows.
  let sim = rows.filter((r) => Number.isFinite(r.mean));
  if (sim.length < rows.length) {
    notes.push(`${rows.length - sim.length} rows with a non-finite mean not drawn`);
  }
  if (yScale === "log") {
    const before = sim.length;
    sim = sim.filter((r) => r.mean > 0);
    if (sim.length < before) {
      notes.push(`${before - sim.length} rows with mean <= 0 not drawn on the log y axis`);
    }
  }
  let floor = Infinity;
  if (yScale === "log") {
    for (const r of sim) {
      floor = Math.min(floor, r.mean);
      if (r.lo > 0) floor = Math.min(floor, r.lo);
    }
  }
  const data: Record<string, string | number>[] = [];
  let clamped = 0;
  for (const r of sim) {
    let lo = Number.isFinite(r.lo) ? r.lo : r.mean;
    const hi = Number.isFinite(r.hi) ? r.hi : r.mean;
    if (yScale === "log" && lo <= 0) {
      lo = floor;
      clamped++;
    }
    // Only the encoded fields: the data are inlined in every notebook that shows the chart.
    const d: Record<string, string | number> = { [column]: r[column], [color]: r[color], x: r.x, k: r.k };
    d.mean = round6(r.mean);
    d.lo = round6(lo);
    d.hi = round6(hi);
    d._layer = "sim";
    data.push(d);
  }
  if (clamped > 0) notes.push(`${clamped} band lower ends <= 0 clamped to ${round6(floor)}`);

  // Reference rows: replicate rows without a column value into every column present.
  const columnsPresent = [...new Set(sim.map((r) => r[column]))];
  if (columnsPresent.length === 0) {
    for (const r of ref) {
      const c = r[column];
      if (c !== undefined) columnsPresent.push(c);
    }
  }
  let refDropped = 0;
  for (const r of ref) {
    if (!Number.isFinite(r.y) || (yScale === "log" && r.y <= 0)) {
      refDropped++;
      continue;
    }
    const own = r[column];
    const targets = own !== undefined ? [own] : [...new Set(columnsPresent)];
    for (const c of targets) {
      const d: Record<string, string | number> = {};
      for (const [key, v] of Object.entries(r)) {
        if (v !== undefined) d[key] = typeof v === "number" ? round6(v) : v;
      }
      d[column] = c;
      d._layer = "ref";
      data.push(d);
    }
  }
  if (refDropped > 0) notes.push(`${refDropped} reference points not drawn (non-finite or <= 0 on log y)`);

  // Colour scale: one legend entry per distinct value.
  const colorValues = [
    ...new Set(
      data.map((d) => d[color]).filter((v): v is number => typeof v === "number"),
    ),
  ].sort((a, b) => a - b);
  if (colorScale === "log" && colorValues.some((v) => v <= 0)) {
    throw new Error(`facetedLineChart: colour field "${color}" must be > 0 on a log colour scale`);
  }
  const [e0, e1] = options.colorExtent ?? [0, 0.85];
  const scheme = { name: options.colorScheme ?? "plasma", extent: [e0, e1] };
  // A one-value domain maps to an arbitrary end of the palette: centre it instead.
  const v0 = colorValues[0];
  const colorScaleSpec = colorValues.length === 1
    ? {
      type: colorScale,
      scheme,
      domain: colorScale === "log" ? [v0 / 10, v0 * 10] : [v0 - 1, v0 + 1],
    }
    : { type: colorScale, scheme };
  const colorEnc: Encoding["color"] = {
    field: color,
    type: "quantitative",
    title: options.colorTitle ?? "Num. Samples per Iteration",
    scale: colorScaleSpec,
    legend: {
      type: "symbol",
      values: colorValues,
      symbolType: "stroke",
      symbolStrokeWidth: 3,
      symbolSize: 300,
      symbolOpacity: 1,
      format: ".6~r",
    },
  };
  const xEnc: Encoding["x"] = {
    field: "x",
    type: "quantitative",
    title: options.xTitle ?? "Model-Fitting Iteration",
    scale: options.xScale === "log" ? { type: "log" } : { zero: false },
    axis: { tickCount: 5 },
  };
  const yScaleSpec = yScale === "log" ? { type: yScale, nice: false, padding: 6 } : { type: yScale, zero: false };
  // Log axes: explicit ticks (see logAxisValues); vega's own add unlabelled 2..9 sub-ticks.
  const logValues = yScale === "log" ? logAxisValues(data) : undefined;
  const yAxis = logValues === undefined ? {} : { values: logValues };
  const yTitle = options.yTitle ?? "Mean";
  const simFilter = { filter: { field: "_layer", equal: "sim" } };
  const refFilter = { filter: { field: "_layer", equal: "ref" } };
  const hasRef = data.some((d) => d._layer === "ref");
  const dashLabels = [
    options.simulationLabel ?? "Simulation (mean, 95% CI)",
    options.referenceLabel ?? "Closed form",
  ];
  const dashEnc = (label: string): Encoding["strokeDash"] => ({
    datum: label,
    type: "nominal",
    scale: { domain: dashLabels, range: [[1, 0], [6, 4]] },
    legend: { title: null, symbolType: "stroke", symbolStrokeColor: "#444444", symbolSize: 300 },
  });

  const layers: UnitLayer[] = [];
  if (withBand) {
    layers.push({
      transform: [simFilter],
      mark: { type: "area", opacity: 0.22, interpolate: "linear" },
      encoding: {
        x: xEnc,
        y: {
          field: "lo",
          type: "quantitative",
          scale: yScaleSpec,
          title: yTitle,
          axis: yAxis,
          stack: null,
        },
        y2: { field: "hi" },
        color: colorEnc,
      },
    });
  }
  const lineEncoding: Encoding = {
    x: xEnc,
    y: { field: "mean", type: "quantitative", scale: yScaleSpec, title: yTitle, axis: yAxis },
    color: colorEnc,
    tooltip: [
      { field: column, type: "nominal" },
      { field: color, type: "quantitative" },
      { field: "x", type: "quantitative", title: "x" },
      { field: "mean", type: "quantitative", format: ".4~g" },
      { field: "lo", type: "quantitative", format: ".4~g" },
      { field: "hi", type: "quantitative", format: ".4~g" },
      { field: "k", type: "quantitative", title: "seeds" },
    ],
  };
  if (hasRef) lineEncoding.strokeDash = dashEnc(dashLabels[0]);
  layers.push({
    transform: [simFilter],
    mark: { type: "line", strokeWidth: 1.6, interpolate: "linear" },
    encoding: lineEncoding,
  });
  if (hasRef) {
    layers.push({
      transform: [refFilter],
      mark: { type: "line", strokeWidth: 1.6, interpolate: "linear" },
      encoding: {
        x: xEnc,
        y: { field: "y", type: "quantitative", scale: yScaleSpec, title: yTitle, axis: yAxis },
        color: colorEnc,
        strokeDash: dashEnc(dashLabels[1]),
      },
    });
  }

  const spec: FacetSpec = {
    $schema: VEGA_LITE_V5_SCHEMA,
    data: { values: data },
    facet: {
      column: {
        field: column,
        type: "nominal",
        sort: [...WORKFLOW_ORDER],
        header: { title: null, labelFontSize: 15, labelPadding: 6 },
      },
    },
    spec: {
      width: options.width ?? 260,
      height: options.height ?? 200,
      layer: layers,
    },
    resolve: {
      scale: { y: options.resolveY ?? "shared" },
      axis: { y: options.resolveY === "independent" ? "independent" : "shared" },
    },
    config: baseConfig(),
  };
  const title = titleBlock(options.title, options.subtitle);
  if (title !== undefined) spec.title = title;
  if (notes.length > 0) spec.description = notes.join("; ");
  return spec;
}

/** Options of {@linkcode densityChart}. */
export type DensityChartOptions = {
  /** Figure title. */
  title?: string;
  /** Printed under the title; use it to show the preset the figure was made with. */
  subtitle?: string | readonly string[];
  /** Default "x". */
  xTitle?: string;
  /** Default "Density". */
  yTitle?: string;
  /** Colour legend title. Default "Model-Fitting Iteration". */
  colorTitle?: string;
  /** A vega sequential scheme. Default "viridis". */
  colorScheme?: ColorSchemeName;
  /** Shared y across panels (default, as in the paper) or independent. */
  resolveY?: "shared" | "independent";
  /** Width of one panel in px. Default 260. */
  width?: number;
  /** Height of one panel in px. Default 200. */
  height?: number;
  /** Line width in px. Default 1.5. */
  strokeWidth?: number;
};

/**
 * Fitted densities of every iteration overlaid, coloured by iteration (sequential palette, gradient
 * legend; later iterations drawn on top), one panel per workflow present, in
 * {@linkcode WORKFLOW_ORDER}. Rows with a non-finite x or density are dropped; numbers are rounded to
 * 6 significant digits (keep the grid to ~100-200 points per curve: the data is inlined).
 */
export function densityChart(
  rows: readonly DensityRow[],
  options: DensityChartOptions = {},
): VegaLiteSpec {
  const data = rows
    .filter((r) => Number.isFinite(r.x) && Number.isFinite(r.density))
    .map((r) => ({
      workflow: r.workflow,
      iteration: r.iteration,
      x: round6(r.x),
      density: round6(r.density),
    }))
    .sort((a, b) => a.iteration - b.iteration);
  const height = options.height ?? 200;
  let minIt = Infinity;
  let maxIt = -Infinity;
  for (const d of data) {
    minIt = Math.min(minIt, d.iteration);
    maxIt = Math.max(maxIt, d.iteration);
  }
  const spec: FacetSpec = {
    $schema: VEGA_LITE_V5_SCHEMA,
    data: { values: data },
    facet: {
      column: {
        field: "workflow",
        type: "nominal",
        sort: [...WORKFLOW_ORDER],
        header: { title: null, labelFontSize: 15, labelPadding: 6 },
      },
    },
    spec: {
      width: options.width ?? 260,
      height,
      mark: { type: "line", strokeWidth: options.strokeWidth ?? 1.5, interpolate: "linear" },
      encoding: {
        x: {
          field: "x",
          type: "quantitative",
          title: options.xTitle ?? "x",
          scale: { zero: false, nice: false },
          // Centred end labels: flushed ones crowd their neighbours on an un-niced domain.
          axis: { labelFlush: false },
        },
        y: { field: "density", type: "quantitative", title: options.yTitle ?? "Density" },
        color: {
          field: "iteration",
          type: "quantitative",
          title: options.colorTitle ?? "Model-Fitting Iteration",
          scale: { scheme: options.colorScheme ?? "viridis" },
          legend: {
            type: "gradient",
            gradientLength: Math.max(60, height - 30),
            values: niceTicks(minIt, maxIt, 4),
          },
        },
        detail: { field: "iteration", type: "nominal" },
        order: { field: "iteration", type: "quantitative" },
      },
    },
    resolve: {
      scale: { y: options.resolveY ?? "shared" },
      axis: { y: options.resolveY === "independent" ? "independent" : "shared" },
    },
    config: baseConfig(),
  };
  const title = titleBlock(options.title, options.subtitle);
  if (title !== undefined) spec.title = title;
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Rendering

type VegaModule = typeof import("vega");
type VegaLiteModule = typeof import("vega-lite");
type ResvgModule = typeof import("@resvg/resvg-js");

let vegaPromise: Promise<VegaModule> | undefined;
let vegaLitePromise: Promise<VegaLiteModule> | undefined;
let resvgPromise: Promise<ResvgModule> | undefined;
let fontFilesCache: string[] | undefined;

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

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** The project root: the folder above `lib/`, from this module's URL (not the cwd). */
function projectRoot(): string {
  return fileURLToPath(new URL("../../", import.meta.url));
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
type FontMetrics = { unitsPerEm: number; advance: (codePoint: number) => number };

let fontMetricsPromise: Promise<{ regular: FontMetrics; bold: FontMetrics }> | undefined;

/** Reads the two DejaVu files once (cached) and parses their advance widths. */
function loadFontMetrics(): Promise<{ regular: FontMetrics; bold: FontMetrics }> {
  return (fontMetricsPromise ??= (async () => {
    const [regular, bold] = await Promise.all(fontFiles().map((f) => Deno.readFile(f)));
    return { regular: parseFontMetrics(regular), bold: parseFontMetrics(bold) };
  })());
}

/**
 * A minimal TrueType reader: `head` (units per em), `hhea` + `hmtx` (advance widths) and `cmap`
 * (format 12 or 4 Unicode subtable). Kerning is ignored (about 1% on DejaVu Sans text).
 */
function parseFontMetrics(bytes: Uint8Array): FontMetrics {
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
function installTextMetrics(
  vega: VegaModule,
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
 * resvg draws. Warnings from vega-lite are printed with `console.warn`, vega's own by vega.
 */
export async function specToSvg(spec: VegaLiteSpec): Promise<string> {
  const { vega: vgSpec, warnings } = await compileSpec(spec);
  for (const w of warnings) console.warn(`vega-lite: ${w}`);
  const vega = await loadVega();
  const view = new vega.View(vega.parse(vgSpec), {
    renderer: "none",
    logLevel: vega.Warn,
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
 * `scale` (default 2) multiplies the chart's size in px.
 */
export async function specToPng(
  spec: VegaLiteSpec,
  options: { scale?: number } = {},
): Promise<Uint8Array> {
  const svg = await specToSvg(spec);
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

type JupyterDisplay = (
  obj: unknown,
  options?: { raw?: boolean },
) => Promise<void>;

/** `Deno.jupyter.display` inside the Jupyter kernel, else undefined (`Deno.jupyter` throws there). */
/**
 * The same spec with its inline data as one CSV string (vega-lite infers the
 * column types): a fraction of the size of row objects once a notebook stores
 * it as indented JSON. Specs whose data are not flat rows are returned as is.
 */
export function withCsvData(spec: VegaLiteSpec): VegaLiteSpec {
  const data = (spec as { data?: { values?: unknown } }).data;
  const rows = data?.values;
  if (!Array.isArray(rows) || rows.length === 0) return spec;
  const fields = [...new Set(rows.flatMap((row) => Object.keys(row as object)))];
  const cell = (v: unknown): string | undefined => {
    if (v === undefined || v === null) return "";
    if (typeof v === "number") return Number.isFinite(v) ? String(v) : undefined;
    if (typeof v !== "string") return undefined;
    return /[",\n\r]/.test(v) || v === "" ? `"${v.replaceAll('"', '""')}"` : v;
  };
  const lines = [fields.map((f) => cell(f)).join(",")];
  for (const row of rows as Record<string, unknown>[]) {
    const cells = fields.map((f) => cell(row[f]));
    if (cells.some((c) => c === undefined)) return spec; // not flat: keep the objects
    lines.push(cells.join(","));
  }
  return { ...spec, data: { values: lines.join("\n"), format: { type: "csv" } } } as VegaLiteSpec;
}

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

/**
 * The one function notebooks call. Renders `spec` to PNG and writes it to
 * `<resultsDir>/<notebook>/<name>.png` (directories created; resultsDir defaults to env var
 * `COLLAPSE_RESULTS_DIR`, else `results/` under the project root found from this module's URL).
 * Inside the Jupyter kernel it also displays ONE output bundle: the spec (vega-lite v5 schema, for
 * JupyterLab's interactive renderer), the PNG (for viewers without vega-lite, e.g. GitHub) and the
 * name as text. Outside the kernel it prints the path. Returns the PNG path.
 */
export async function showFigure(
  spec: VegaLiteSpec,
  options: { name: string; notebook: string; resultsDir?: string; scale?: number },
): Promise<string> {
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
  const png = await specToPng(spec, { scale: options.scale });
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeFile(path, png);
  const display = jupyterDisplay();
  if (display === undefined) {
    console.log(`figure written: ${path}`);
    return path;
  }
  const inline = { ...withCsvData(spec), $schema: VEGA_LITE_V5_SCHEMA };
  // The inline fallback PNG is drawn at scale 1: it is stored in the notebook.
  const inlinePng = await specToPng(spec, { scale: 1 });
  await display({
    "application/vnd.vegalite.v5+json": inline,
    "image/png": Buffer.from(inlinePng).toString("base64"),
    "text/plain": name,
  }, { raw: true });
  return path;
}
