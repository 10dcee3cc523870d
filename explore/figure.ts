/**
 * The page's figures, built by the notebooks' own code: the curves are
 * lib/plot's {@linkcode meanWithBand} (95% bootstrap interval over seeds,
 * none under 3 seeds) drawn by {@linkcode facetedLineChart} (one column per
 * workflow, one colour per n, the exact expectation dashed), exactly as
 * notebook 00 builds them; the scatter animates the samples each iteration's
 * model drew. Plain TypeScript: the tests build the same specs headlessly.
 *
 * @module
 */

import type { Experiment, RunRow } from "../lib/experiments/define.ts";
import type { Config } from "../lib/experiments/fields.ts";
import type { SamplePoint } from "../lib/experiments/kde.ts";
import { type BandRow, meanWithBand, MIN_SEEDS_FOR_INTERVAL } from "../lib/plot/bands.ts";
import { facetedLineChart } from "../lib/plot/line_chart.ts";
import { VEGA_LITE_V5_SCHEMA, type VegaLiteSpec, WORKFLOW_ORDER } from "../lib/plot/spec.ts";
import { baseConfig } from "../lib/plot/theme.ts";
import type { ExplorerState } from "./state.ts";
import { type MetricView, metricViews, SIZE_FIELD, viewOf } from "./views.ts";

/** What {@linkcode lineFigure} draws from. */
export interface LineFigureInput {
  experiment: Experiment;
  state: ExplorerState;
  /** The finished runs' rows. */
  rows: readonly RunRow[];
  /** A validated configuration of the plan (its fixed values, defaults filled in): the closed forms' parameters. */
  base?: Config;
}

/** The metric of `state` among those `rows` offer (its first when unset or unknown). */
export function chosenMetric(
  experiment: Experiment,
  state: ExplorerState,
  rows: readonly RunRow[],
): MetricView | undefined {
  const metrics = metricViews(experiment, rows);
  return metrics.find((m) => m.metric === state.metric) ?? metrics[0];
}

/** The bands of the line chart: the notebooks' aggregation, one line per (workflow, n). */
export function figureBands(rows: readonly RunRow[], options: { metric: string; hasSizes: boolean }): BandRow[] {
  const { metric, hasSizes } = options;
  if (!hasSizes) {
    return meanWithBand(rows, { x: "iteration", y: metric, groupBy: ["workflow"] }).map((r) => ({ ...r, n: 1 }));
  }
  return meanWithBand(rows, { x: "iteration", y: metric, groupBy: ["workflow", SIZE_FIELD] })
    .map((r) => ({ ...r, n: r[SIZE_FIELD] }));
}

/** The fixed values of a figure in words, e.g. "dim = 10, sigmaSquared = 1, iterations = 100". */
export function describeValues(values: Readonly<Record<string, unknown>>): string {
  return Object.entries(values).map(([k, v]) => `${k} = ${v}`).join(", ");
}

/** The line chart of `input` (undefined until a metric is known), with the metric it draws. */
export function lineFigure(input: LineFigureInput): { spec: VegaLiteSpec; metric: MetricView } | undefined {
  const { experiment, state, rows } = input;
  const metric = chosenMetric(experiment, state, rows);
  if (!metric) return undefined;
  const hasSizes = Object.hasOwn(experiment.fields, SIZE_FIELD);
  const bands = figureBands(rows, { metric: metric.metric, hasSizes });
  const iterations = state.values.iterations;
  const reference = metric.reference && input.base && typeof iterations === "number"
    ? metric.reference({ values: input.base, workflows: state.workflows, sizes: state.sizes, iterations })
    : undefined;
  const seeds = new Set(rows.map((r) => r.seed)).size;
  const label = viewOf(experiment.name).label ?? experiment.name;
  const spec = facetedLineChart(bands, {
    title: `${label}: ${metric.yTitle}`,
    subtitle: [
      describeValues(state.values),
      `${seeds} of ${state.seeds} seeds: mean and 95% bootstrap interval over seeds (none under ` +
      `${MIN_SEEDS_FOR_INTERVAL} seeds)${reference && reference.length > 0 ? "; dashed: exact expectation" : ""}`,
    ],
    yTitle: metric.yTitle,
    yScale: metric.yScale ?? "linear",
    reference,
    referenceLabel: metric.referenceLabel,
    ...(hasSizes ? {} : { colorTitle: "(one line per workflow)" }),
    width: 250,
    height: 190,
  });
  return { spec, metric };
}

/** Points at most in one scatter: the frames are thinned to stay below it. */
export const SCATTER_POINT_BUDGET = 60_000;

/** The iterations the scatter replays: 1, 1 + s, 1 + 2s, ... <= iterations, within the point budget. */
export function scatterFrames(options: { iterations: number; samples: number; workflows: number }): number[] {
  const { iterations, samples, workflows } = options;
  const budget = Math.max(1, Math.floor(SCATTER_POINT_BUDGET / Math.max(1, samples * workflows)));
  const frames = Math.min(iterations, budget, 100);
  const step = Math.max(1, Math.ceil(iterations / frames));
  const out: number[] = [];
  for (let t = 1; t <= iterations; t += step) out.push(t);
  return out;
}

/** One point of the scatter: a replayed sample of one workflow's run. */
export interface ScatterPoint {
  workflow: string;
  iteration: number;
  x: number;
  y: number;
}

/** The scatter's rows: each workflow's replayed points, the third coordinate (swiss roll) seen from above. */
export function scatterPoints(byWorkflow: Readonly<Record<string, readonly SamplePoint[]>>): ScatterPoint[] {
  return Object.entries(byWorkflow).flatMap(([workflow, points]) =>
    points.map((p) => ({ workflow, iteration: p.iteration, x: p.x, y: p.z ?? p.y }))
  );
}

/**
 * The animated scatter: per workflow, the real training points (grey) and
 * the samples of iteration `t` (blue), where `t` is a slider (the page plays
 * it). The axes keep the real data's extent, so a collapse shows as points
 * bunching together, not as a rescaled cloud.
 */
export function scatterFigure(
  points: readonly ScatterPoint[],
  options: { frames: readonly number[]; title: string; subtitle: string; yTitle?: string },
): VegaLiteSpec {
  const real = points.filter((p) => p.iteration === 0);
  const extent = (values: number[]): [number, number] => {
    const lo = Math.min(...values), hi = Math.max(...values), pad = 0.3 * (hi - lo || 1);
    return [lo - pad, hi + pad];
  };
  const [x0, x1] = extent(real.map((p) => p.x)), [y0, y1] = extent(real.map((p) => p.y));
  const { frames } = options;
  const step = frames.length > 1 ? frames[1] - frames[0] : 1;
  const encoding = {
    x: { field: "x", type: "quantitative", scale: { domain: [x0, x1], nice: false }, title: "x₁" },
    y: { field: "y", type: "quantitative", scale: { domain: [y0, y1], nice: false }, title: options.yTitle ?? "x₂" },
  };
  return {
    $schema: VEGA_LITE_V5_SCHEMA,
    title: { text: options.title, subtitle: options.subtitle },
    params: [{
      name: "t",
      value: frames[frames.length - 1] ?? 1,
      bind: { input: "range", min: frames[0] ?? 1, max: frames[frames.length - 1] ?? 1, step, name: "iteration " },
    }],
    data: { values: points as unknown as Record<string, unknown>[] },
    facet: {
      column: {
        field: "workflow",
        type: "nominal",
        sort: [...WORKFLOW_ORDER],
        header: { title: null, labelFontSize: 15 },
      },
    },
    spec: {
      width: 220,
      height: 220,
      layer: [
        {
          transform: [{ filter: "datum.iteration === 0" }],
          mark: { type: "circle", size: 10, color: "#c4c4c4", opacity: 0.9, clip: true },
          encoding,
        },
        {
          transform: [{ filter: "datum.iteration === t" }],
          mark: { type: "circle", size: 14, color: "#3b4cc0", opacity: 0.8, clip: true },
          encoding,
        },
      ],
    },
    config: baseConfig(),
  } as VegaLiteSpec;
}
