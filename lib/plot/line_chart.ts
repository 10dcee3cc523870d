/**
 * The paper's main figure, {@linkcode facetedLineChart}: one line per colour value over x, with its
 * band, one column per workflow, optional dashed reference curves.
 *
 * @module
 */

import { type BandRow, MIN_SEEDS_FOR_INTERVAL } from "./bands.ts";
import {
  type Encoding,
  type FacetSpec,
  resolveY,
  round6,
  type UnitLayer,
  VEGA_LITE_V5_SCHEMA,
  type VegaLiteSpec,
  workflowColumns,
} from "./spec.ts";
import { baseConfig, type ColorSchemeName, nColor, titleBlock } from "./theme.ts";
import { logAxisValues, logLabelExpr } from "./ticks.ts";

/**
 * One point of a reference curve (e.g. a closed-form expectation), drawn dashed in the colour of its
 * `n`. A row without the column field (default `workflow`) is drawn in every column.
 */
export type ReferenceRow = {
  x: number;
  y: number;
  [field: string]: string | number | undefined;
};

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
  /**
   * The symlog colour scale's constant C (vega's default 1): linear below about C, logarithmic above, so values
   * like 0, 0.01, ..., 0.5 need a C near their smallest positive one to get distinct colours.
   */
  colorSymlogConstant?: number;
  /** A vega sequential scheme. Default "plasma". */
  colorScheme?: ColorSchemeName;
  /** Part of the scheme used, default [0, 0.85] (drops the palest end, unreadable on white). */
  colorExtent?: readonly [number, number];
  /**
   * Colour each value by {@linkcode nColor} (the project's one colour per samples per iteration n),
   * ignoring `colorScale`, `colorScheme` and `colorExtent`. Default: true when `color` is "n".
   */
  nColors?: boolean;
  /**
   * Draw the 95% band. Default true. Rows without an interval (lo or hi not finite, as
   * {@linkcode meanWithBand} gives for fewer than 3 seeds) get none, and the subtitle says so.
   */
  band?: boolean;
};

/**
 * The paper's main figure: x = model-fitting iteration, y = a metric (mean over seeds as a line and
 * its 95% interval as a translucent band), one column per workflow in {@linkcode WORKFLOW_ORDER},
 * colour = samples per iteration `n`, each n in its one colour of every figure ({@linkcode nColor}),
 * one legend entry per `n`. Optional `reference` rows are drawn as dashed lines in the colour of their `n`.
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
  const noInterval: number[] = [];
  for (const r of sim) {
    // Only the encoded fields: the data are inlined in every notebook that shows the chart.
    const d: Record<string, string | number> = { [column]: r[column], [color]: r[color], x: r.x, k: r.k };
    d.mean = round6(r.mean);
    if (Number.isFinite(r.lo) && Number.isFinite(r.hi)) {
      let lo = r.lo;
      // Only a normal or t interval of data near zero gets here: a bootstrap one of positive data
      // stays above the smallest value.
      if (yScale === "log" && lo <= 0) {
        lo = floor;
        clamped++;
      }
      d.lo = round6(lo);
      d.hi = round6(r.hi);
    } else {
      noInterval.push(r.k);
    }
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
  const nColors = options.nColors ?? color === "n";
  if (!nColors && colorScale === "log" && colorValues.some((v) => v <= 0)) {
    throw new Error(`facetedLineChart: colour field "${color}" must be > 0 on a log colour scale`);
  }
  const [e0, e1] = options.colorExtent ?? [0, 0.85];
  const scheme = { name: options.colorScheme ?? "plasma", extent: [e0, e1] };
  if (nColors && colorValues.some((v) => v <= 0)) {
    throw new Error(`facetedLineChart: colour field "${color}" must be > 0 for the n colours`);
  }
  // A one-value domain maps to an arbitrary end of the palette: centre it instead.
  const v0 = colorValues[0];
  const colorScaleSpec = nColors
    ? {
      // Each value's own colour: a log scale through (value, colour) points.
      type: "log" as const,
      domain: colorValues.length === 1 ? [v0, 10 * v0] : colorValues,
      range: (colorValues.length === 1 ? [v0, v0] : colorValues).map(nColor),
    }
    : colorValues.length === 1
    ? {
      type: colorScale,
      scheme,
      domain: colorScale === "log" ? [v0 / 10, v0 * 10] : [v0 - 1, v0 + 1],
    }
    : colorScale === "symlog" && options.colorSymlogConstant !== undefined
    ? { type: colorScale, scheme, constant: options.colorSymlogConstant }
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
  const yAxis = logValues === undefined ? {} : { values: logValues, labelExpr: logLabelExpr(logValues) };
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
  if (withBand && noInterval.length < sim.length) {
    layers.push({
      transform: [simFilter, { filter: { field: "lo", valid: true } }],
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
    facet: workflowColumns(column),
    spec: {
      width: options.width ?? 260,
      height: options.height ?? 200,
      layer: layers,
    },
    resolve: resolveY(options.resolveY),
    config: baseConfig(),
  };
  const subtitle = options.subtitle === undefined ? [] : typeof options.subtitle === "string" ? [options.subtitle] : [
    ...options.subtitle,
  ];
  if (withBand && noInterval.length > 0) subtitle.push(noIntervalNote(noInterval, sim.length));
  const title = titleBlock(
    options.title,
    subtitle.length === 0 ? undefined : subtitle.length === 1 ? subtitle[0] : subtitle,
  );
  if (title !== undefined) spec.title = title;
  if (notes.length > 0) spec.description = notes.join("; ");
  return spec;
}

/** Why some points have no band, from their seed counts `ks` (of `points` drawn). */
function noIntervalNote(ks: readonly number[], points: number): string {
  const where = ks.length === points ? "" : ` at ${ks.length} of ${points} points`;
  if (ks.some((k) => k >= MIN_SEEDS_FOR_INTERVAL)) return `no interval${where}`;
  const min = Math.min(...ks);
  const max = Math.max(...ks);
  const seeds = min === max ? `${min} seed${min === 1 ? "" : "s"}` : `${min}-${max} seeds`;
  return `no interval${where}: ${seeds} (at least ${MIN_SEEDS_FOR_INTERVAL} needed)`;
}
