/**
 * What the explorer knows about a family beyond its definition: which metric
 * the notebooks plot and how (axis title, log scale), the exact expectation
 * drawn dashed where one exists, the starting values of its controls, and a
 * replay of its samples for the scatter. All optional: a family registered in
 * lib/experiments/mod.ts without a view still appears, with controls from its
 * fields, its example as the starting values and every numeric column of its
 * rows as a metric.
 *
 * Tests: figure_test.ts.
 *
 * @module
 */

import type { Experiment } from "../lib/experiments/define.ts";
import type { Config, Value } from "../lib/experiments/fields.ts";
import { kdeSamplesByIteration, type SamplePoint } from "../lib/experiments/kde.ts";
import { gaussianExpectations, gaussianFreshExpectations } from "../lib/models/gaussian_theory.ts";
import { expectedTestMse, inverseWishartTrace } from "../lib/models/linear_regression_theory.ts";
import type { ReferenceRow } from "../lib/plot/line_chart.ts";

/** The field whose several values are the colours of a figure (the paper's n). */
export const SIZE_FIELD = "samplesPerIteration";

/** What a reference curve is computed from: one fixed configuration, and the lines drawn. */
export interface ReferenceInput {
  /** The values every run shares (all but workflow, seed and the sizes). */
  values: Readonly<Config>;
  workflows: readonly string[];
  sizes: readonly number[];
  iterations: number;
}

/** How one metric is drawn (as in the notebook that plots it). */
export interface MetricView {
  /** The rows' column. */
  metric: string;
  yTitle: string;
  yScale?: "linear" | "log";
  /** Exact expectations, one row per (workflow, n, iteration); drawn dashed. */
  reference?: (input: ReferenceInput) => ReferenceRow[];
  referenceLabel?: string;
}

/** Starting values of a family's controls (the rest: its example, then its fields' defaults). */
export interface ViewDefaults {
  values?: Readonly<Record<string, Value>>;
  sizes?: readonly number[];
  seeds?: number;
  workflows?: readonly string[];
}

/** A family's view. */
export interface FamilyView {
  /** A short name for the family menu. */
  label?: string;
  metrics?: readonly MetricView[];
  defaults?: ViewDefaults;
  /**
   * Replays one run's samples (the real data as iteration 0, then what each
   * listed iteration's model drew): the animated scatter. Runs in the worker.
   */
  samples?: (config: Record<string, unknown>, iterations: readonly number[]) => Promise<SamplePoint[]>;
}

/** Families whose runs cannot run in a browser, with the reason the page shows. */
export const NOT_IN_BROWSER: Readonly<Record<string, string>> = {
  lm: "trains on onnxruntime-node (native code): run it with deno task render-all",
  mixing_lm: "trains on onnxruntime-node (native code): run it with deno task render-all",
};

/** One dashed curve: `ys` at iterations 1, 2, ... */
const line = ({ workflow, n }: { workflow: string; n: number }, ys: readonly number[]): ReferenceRow[] =>
  ys.map((y, i) => ({ workflow, n, x: i + 1, y }));

/** Gaussian closed forms (gaussian_theory.ts), written for sigma^2 = 1: the trace ratio is scale-free, the mean's squared error scales with sigma^2. */
function gaussianReference(metric: "traceRatio" | "squaredErrorOfMean"): (input: ReferenceInput) => ReferenceRow[] {
  return ({ values, workflows, sizes, iterations }: ReferenceInput): ReferenceRow[] => {
    const dim = values.dim as number;
    const scale = metric === "squaredErrorOfMean" ? values.sigmaSquared as number : 1;
    const scaled = (ys: number[]): number[] => ys.map((y) => y * scale);
    return workflows.flatMap((workflow) =>
      sizes.flatMap((n) => {
        if (workflow === "Replace" || workflow === "Accumulate") {
          const exact = gaussianExpectations(workflow, { dim, samplesPerIteration: n, iterations });
          return line({ workflow, n }, scaled(exact[metric]));
        }
        if (workflow === "Fresh" && typeof values.freshFraction === "number") {
          const exact = gaussianFreshExpectations({
            dim,
            samplesPerIteration: n,
            fraction: values.freshFraction,
            iterations,
          });
          return line({ workflow, n }, scaled(exact[metric]));
        }
        return [];
      })
    );
  };
}

/** Gerstgrasser et al.'s expected test MSE, averaged over Gaussian designs: only where n > d + 1. */
function regressionReference({ values, workflows, sizes, iterations }: ReferenceInput): ReferenceRow[] {
  const dim = values.dim as number, sigmaSquared = values.sigmaSquared as number;
  return workflows.flatMap((workflow) =>
    workflow !== "Replace" && workflow !== "Accumulate" ? [] : sizes.filter((n) => n > dim + 1).flatMap((n) => {
      const trace = inverseWishartTrace(dim, n);
      const ys = Array.from(
        { length: iterations },
        (_, i) => expectedTestMse(workflow, i + 1, { sigmaSquared, trace }),
      );
      return line({ workflow, n }, ys);
    })
  );
}

/** The views of the families the notebooks plot (the same metrics, titles and scales as there). */
export const FAMILY_VIEWS: Readonly<Record<string, FamilyView>> = {
  gaussian: {
    label: "Gaussian",
    metrics: [
      {
        metric: "traceRatio",
        yTitle: "tr(Σ̂_t) / tr(Σ₀)",
        reference: gaussianReference("traceRatio"),
        referenceLabel: "Exact expectation",
      },
      {
        metric: "squaredErrorOfMean",
        yTitle: "||μ̂_t − μ₀||²",
        yScale: "log",
        reference: gaussianReference("squaredErrorOfMean"),
        referenceLabel: "Exact expectation",
      },
      { metric: "determinantRatio", yTitle: "det(Σ̂_t) / det(Σ₀)" },
    ],
    defaults: { values: { dim: 10, iterations: 100, sigmaSquared: 1, freshFraction: 0.2 }, sizes: [100], seeds: 20 },
  },
  kde: {
    label: "KDE",
    metrics: [{ metric: "testNll", yTitle: "NLL on Real Data (Test)", yScale: "log" }],
    defaults: { values: { dataset: "moons", bandwidth: 0.1, iterations: 50 }, sizes: [100], seeds: 5 },
    samples: kdeSamplesByIteration,
  },
  linear_regression: {
    label: "Linear regression",
    metrics: [{
      metric: "testMse",
      yTitle: "Mean Squared Error (Test)",
      yScale: "log",
      reference: regressionReference,
      referenceLabel: "Closed form (Gerstgrasser et al.)",
    }],
    defaults: { values: { dim: 10, sigmaSquared: 1, iterations: 100 }, sizes: [32, 100], seeds: 10 },
  },
  discrete: {
    label: "Discrete (k-sided die)",
    metrics: [{ metric: "entropyFraction", yTitle: "Entropy / Initial Entropy" }],
    defaults: { values: { sides: 100, iterations: 100 }, sizes: [100, 1000], seeds: 10 },
  },
};

/** The view of `name` (empty for a family the explorer has no view of). */
export function viewOf(name: string): FamilyView {
  return Object.hasOwn(FAMILY_VIEWS, name) ? FAMILY_VIEWS[name] : {};
}

/**
 * Why `experiment` cannot be explored in the page, or undefined when it can:
 * the page draws model-fitting iterations under workflows over seeds, so a
 * family needs `workflow`, `seed` and `iterations` fields, and runs that need
 * no native code.
 */
export function unexplorableReason(experiment: Experiment): string | undefined {
  if (Object.hasOwn(NOT_IN_BROWSER, experiment.name)) return NOT_IN_BROWSER[experiment.name];
  const missing = ["workflow", "seed", "iterations"].filter((f) => !Object.hasOwn(experiment.fields, f));
  if (missing.length > 0) return `no model-fitting iterations to draw (no ${missing.join(", ")} field)`;
  return undefined;
}

/** The bookkeeping columns every workflow row has besides its metrics. */
const BOOKKEEPING = new Set(["iteration", "trainingSize", "realFraction"]);

/**
 * The metrics offered for `experiment`: its view's, then every other numeric
 * column of `rows` that is neither a field nor bookkeeping.
 */
export function metricViews(experiment: Experiment, rows: readonly Record<string, Value>[] = []): MetricView[] {
  const known = [...(viewOf(experiment.name).metrics ?? [])];
  const seen = new Set(known.map((m) => m.metric));
  for (const row of rows.slice(0, 1)) {
    for (const [key, value] of Object.entries(row)) {
      if (typeof value !== "number" || seen.has(key) || BOOKKEEPING.has(key)) continue;
      if (Object.hasOwn(experiment.fields, key)) continue;
      seen.add(key);
      known.push({ metric: key, yTitle: key });
    }
  }
  return known;
}
