import assert from "node:assert/strict";
import type { RunRow } from "../lib/experiments/define.ts";
import { EXPERIMENTS } from "../lib/experiments/mod.ts";
import { gaussianExpectations } from "../lib/models/gaussian_theory.ts";
import { expectedTestMse, inverseWishartTrace } from "../lib/models/linear_regression_theory.ts";
import { meanWithBand } from "../lib/plot/bands.ts";
import { facetedLineChart } from "../lib/plot/line_chart.ts";
import { lineFigure, scatterFigure, scatterFrames, scatterPoints } from "./figure.ts";
import { planRuns } from "./plan.ts";
import { decodeState } from "./state.ts";
import { FAMILY_VIEWS, metricViews, NOT_IN_BROWSER, unexplorableReason } from "./views.ts";

const registry = EXPERIMENTS;

async function runsOf(query: string): Promise<{ rows: RunRow[]; base: RunRow }> {
  const { state } = decodeState(query, { registry });
  const experiment = registry[state.experiment];
  const rows: RunRow[] = [];
  const { runs } = planRuns(experiment, state);
  for (const run of runs) rows.push(...await experiment.runConfig(run.config));
  return { rows, base: runs[0].config };
}

Deno.test("the Gaussian figure is notebook 00's: its bands and its exact expectations", async () => {
  const query =
    "experiment=gaussian&workflow=Replace,Accumulate-Subsample,Accumulate&seeds=3&samplesPerIteration=10,32" +
    "&dim=3&iterations=8&sigmaSquared=1&metric=traceRatio";
  const { rows, base } = await runsOf(query);
  const { state } = decodeState(query, { registry });
  const figure = lineFigure({ experiment: registry.gaussian, state, rows, base })!;
  // Notebook 00's code for the same rows.
  const bands = meanWithBand(rows, { x: "iteration", y: "traceRatio", groupBy: ["workflow", "samplesPerIteration"] })
    .map((r) => ({ ...r, n: r.samplesPerIteration }));
  const closedForm = (["Replace", "Accumulate"] as const).flatMap((workflow) =>
    [10, 32].flatMap((n) =>
      gaussianExpectations(workflow, { dim: 3, samplesPerIteration: n, iterations: 8 }).traceRatio
        .map((y, i) => ({ workflow, n, x: i + 1, y }))
    )
  );
  const notebook = facetedLineChart(bands, { reference: closedForm, referenceLabel: "Exact expectation" });
  const data = (spec: unknown) => (spec as { data: { values: unknown[] } }).data.values;
  assert.deepStrictEqual(data(figure.spec), data(notebook));
  assert.equal(figure.metric.metric, "traceRatio");
});

Deno.test("closed forms: the Gaussian mean's error scales with sigma^2, linear regression only where n > d + 1", () => {
  const gaussianError = FAMILY_VIEWS.gaussian.metrics!.find((m) => m.metric === "squaredErrorOfMean")!;
  const rows = gaussianError.reference!({
    values: { dim: 2, sigmaSquared: 4 },
    workflows: ["Replace", "Accumulate-Subsample"],
    sizes: [10],
    iterations: 3,
  });
  const exact = gaussianExpectations("Replace", { dim: 2, samplesPerIteration: 10, iterations: 3 }).squaredErrorOfMean;
  assert.deepStrictEqual(rows.map((r) => r.y), exact.map((y) => 4 * y));
  assert.ok(rows.every((r) => r.workflow === "Replace"), "none for Accumulate-Subsample");
  const mse = FAMILY_VIEWS.linear_regression.metrics![0].reference!({
    values: { dim: 10, sigmaSquared: 2 },
    workflows: ["Accumulate"],
    sizes: [10, 32],
    iterations: 2,
  });
  const trace = inverseWishartTrace(10, 32);
  assert.deepStrictEqual(
    mse,
    [1, 2].map((t) => ({
      workflow: "Accumulate",
      n: 32,
      x: t,
      y: expectedTestMse("Accumulate", t, { sigmaSquared: 2, trace }),
    })),
  );
});

Deno.test("every view's metrics are columns of its family's rows; every family is explorable or says why not", async () => {
  for (const [name, view] of Object.entries(FAMILY_VIEWS)) {
    const experiment = registry[name];
    const rows = await experiment.runConfig({ ...experiment.example });
    for (const m of view.metrics ?? []) assert.equal(typeof rows[0][m.metric], "number", `${name}: ${m.metric}`);
    assert.deepStrictEqual(
      metricViews(experiment, rows).slice(0, view.metrics?.length).map((m) => m.metric),
      view.metrics?.map((m) => m.metric),
    );
  }
  for (const experiment of Object.values(registry)) {
    const reason = unexplorableReason(experiment);
    if (Object.hasOwn(NOT_IN_BROWSER, experiment.name)) assert.equal(reason, NOT_IN_BROWSER[experiment.name]);
    else if (reason) assert.match(reason, /^no model-fitting iterations/);
  }
});

Deno.test("scatter frames stay within the point budget; the scatter draws the real data and frame t", () => {
  assert.deepStrictEqual(scatterFrames({ iterations: 5, samples: 100, workflows: 3 }), [1, 2, 3, 4, 5]);
  assert.equal(scatterFrames({ iterations: 100, samples: 100, workflows: 3 }).length, 100);
  const thin = scatterFrames({ iterations: 100, samples: 1000, workflows: 3 });
  assert.deepStrictEqual(thin, [1, 6, 11, 16, 21, 26, 31, 36, 41, 46, 51, 56, 61, 66, 71, 76, 81, 86, 91, 96]);
  const points = scatterPoints({
    Replace: [{ iteration: 0, x: 0, y: 0 }, { iteration: 1, x: 1, y: 2, z: 3 }],
  });
  assert.deepStrictEqual(points, [
    { workflow: "Replace", iteration: 0, x: 0, y: 0 },
    { workflow: "Replace", iteration: 1, x: 1, y: 3 },
  ]);
  const spec = scatterFigure(points, { frames: [1, 3, 5], title: "t", subtitle: "s" }) as unknown as {
    params: { value: number; bind: { min: number; max: number; step: number } }[];
  };
  assert.deepStrictEqual(spec.params[0].bind, { input: "range", min: 1, max: 5, step: 2, name: "iteration " });
  assert.equal(spec.params[0].value, 5, "starts at the last frame: the collapse, if any, shows at once");
});
