/**
 * Fitted densities overlaid by iteration, {@linkcode densityChart}: one panel per workflow.
 *
 * @module
 */

import { type FacetSpec, resolveY, round6, VEGA_LITE_V5_SCHEMA, type VegaLiteSpec, workflowColumns } from "./spec.ts";
import { baseConfig, type ColorSchemeName, titleBlock } from "./theme.ts";
import { niceTicks } from "./ticks.ts";

/** One point of a fitted density, for {@linkcode densityChart}. */
export type DensityRow = {
  workflow: string;
  iteration: number;
  x: number;
  density: number;
};

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
    facet: workflowColumns("workflow"),
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
    resolve: resolveY(options.resolveY),
    config: baseConfig(),
  };
  const title = titleBlock(options.title, options.subtitle);
  if (title !== undefined) spec.title = title;
  return spec;
}
