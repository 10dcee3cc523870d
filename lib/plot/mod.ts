/**
 * The project's plotting library: vega-lite specs for the paper's figure shapes
 * ({@linkcode facetedLineChart}, {@linkcode densityChart}) from bands over seeds
 * ({@linkcode meanWithBand}), a headless vega-lite -> SVG -> PNG renderer (resvg with the DejaVu
 * fonts shipped by the `dejavu-fonts-ttf` npm package), and {@linkcode showFigure}, the one function
 * notebooks call to save and display a figure.
 *
 * Only {@linkcode specToSvg}, {@linkcode specToPng}, {@linkcode compileSpec} and
 * {@linkcode showFigure} load vega, vega-lite, opentype.js and resvg (lazily, once); the spec
 * builders and {@linkcode meanWithBand} are plain TypeScript, so importing this module costs nothing
 * and needs no permission. Rendering needs `--allow-read --allow-ffi --allow-sys` (resvg is a native
 * addon); {@linkcode showFigure} also needs `--allow-write --allow-env`.
 *
 * One idea per module: `bands.ts` (statistics; the t quantile from lib/numerics/quantiles.ts), `spec.ts` (spec types and shared
 * pieces), `theme.ts` (look, colour of each n), `ticks.ts`, `line_chart.ts`, `density_chart.ts`,
 * `fonts.ts`, `render.ts`, `csv.ts`, `show.ts`, `paths.ts`.
 *
 * @module
 */

export {
  type BandRow,
  type IntervalMethod,
  meanWithBand,
  type MeanWithBandOptions,
  MIN_SEEDS_FOR_INTERVAL,
} from "./bands.ts";
export { densityChart, type DensityChartOptions, type DensityRow } from "./density_chart.ts";
export { fontFiles } from "./fonts.ts";
export { facetedLineChart, type FacetedLineChartOptions, type ReferenceRow } from "./line_chart.ts";
export { compileSpec, specToPng, specToSvg } from "./render.ts";
export { withCsvData } from "./csv.ts";
export { showFigure, type ShowFigureOptions } from "./show.ts";
export { VEGA_LITE_V5_SCHEMA, type VegaLiteSpec, WORKFLOW_ORDER } from "./spec.ts";
export { type ColorSchemeName, FONT_FAMILY, nColor } from "./theme.ts";
