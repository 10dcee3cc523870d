// Tests of line_chart.ts: facetedLineChart's specs, compiled with vega-lite 6 and 5.
import assert from "node:assert/strict";
import { type BandRow, meanWithBand } from "./bands.ts";
import { facetedLineChart } from "./line_chart.ts";
import { compileSpec, specToPng, specToSvg } from "./render.ts";
import { nColor } from "./theme.ts";
import { VEGA_LITE_V5_SCHEMA, type VegaLiteSpec, WORKFLOW_ORDER } from "./spec.ts";
import { arr, asJson, assertCompilesCleanly, findVegaScale, obj, pngSize, syntheticBands } from "./_test_utils.ts";

Deno.test("facetedLineChart: compiles cleanly (vega-lite 6 and 5), workflow order, log colour", async () => {
  const spec = facetedLineChart(syntheticBands(), {
    title: "Trace",
    subtitle: "preset: test",
    yTitle: "tr",
  });
  const j = asJson(spec);
  assert.equal(j.$schema, VEGA_LITE_V5_SCHEMA);
  const column = obj(obj(j.facet).column);
  assert.equal(column.field, "workflow");
  assert.deepEqual(column.sort, [...WORKFLOW_ORDER]);
  assert.deepEqual(obj(j.title), { text: "Trace", subtitle: "preset: test" });
  const vg = await assertCompilesCleanly(spec);
  assert.equal(findVegaScale(vg, "color")?.type, "log");
  assert.equal(findVegaScale(vg, "y")?.type, "linear");
  assert.equal(findVegaScale(vg, "child_y"), undefined, "shared y by default");
  const layers = arr(obj(j.spec).layer).map(obj);
  assert.deepEqual(layers.map((l) => obj(l.mark).type), ["area", "line"]);
  const legend = obj(obj(obj(layers[1].encoding).color).legend);
  assert.deepEqual(legend.values, [10, 32, 100, 316, 1000]);
  assert.equal(obj(obj(layers[1].encoding).color).title, "Num. Samples per Iteration");
});

Deno.test("facetedLineChart: log y drops mean <= 0 and clamps the band; symlog; references", async () => {
  const rows: BandRow[] = [
    { workflow: "Accumulate", n: 10, x: 1, mean: 1, lo: -0.5, hi: 2.5, sd: 1, k: 3 },
    { workflow: "Accumulate", n: 10, x: 2, mean: 0, lo: -1, hi: 1, sd: 1, k: 3 },
    { workflow: "Replace", n: 10, x: 1, mean: 0.01, lo: 0.005, hi: 0.02, sd: 1, k: 3 },
    { workflow: "Replace", n: 10, x: 2, mean: 100, lo: 50, hi: 150, sd: 1, k: 3 },
    { workflow: "Replace", n: 100, x: 1, mean: Infinity, lo: 0, hi: 0, sd: 1, k: 3 },
  ];
  const reference = [
    { n: 10, x: 1, y: 1 },
    { n: 10, x: 2, y: 0 },
    { workflow: "Replace", n: 100, x: 2, y: 3 },
  ];
  const spec = facetedLineChart(rows, {
    yScale: "log",
    reference,
    subtitle: ["preset: test", "second line"],
    resolveY: "independent",
  });
  const j = asJson(spec);
  const values = arr(obj(j.data).values).map(obj);
  const sim = values.filter((v) => v._layer === "sim");
  assert.deepEqual(sim.map((v) => [v.workflow, v.x, v.mean, v.lo]), [
    ["Accumulate", 1, 1, 0.005], // lo clamped to the smallest positive mean/lo
    ["Replace", 1, 0.01, 0.005],
    ["Replace", 2, 100, 50],
  ]);
  const ref = values.filter((v) => v._layer === "ref");
  // A reference row without workflow is drawn in every column; y <= 0 is dropped on log y.
  assert.deepEqual(ref.map((v) => [v.workflow, v.n, v.x]).sort(), [
    ["Accumulate", 10, 1],
    ["Replace", 10, 1],
    ["Replace", 100, 2],
  ]);
  assert.match(String(j.description), /mean <= 0/);
  assert.match(String(j.description), /non-finite/);
  const layers = arr(obj(j.spec).layer).map(obj);
  assert.equal(layers.length, 3);
  assert.deepEqual(obj(obj(layers[2].encoding).strokeDash).datum, "Closed form");
  const vg = await assertCompilesCleanly(spec);
  // Independent y: the y scale lives inside the facet cell ("child_y"), one per column.
  assert.equal(findVegaScale(vg, "child_y")?.type, "log");
  assert.equal(findVegaScale(vg, "y"), undefined);
  const svg = await specToSvg(spec);
  assert.ok(svg.includes("second line"), "subtitle drawn even without a title");

  const sym = facetedLineChart(syntheticBands(), { yScale: "symlog", xScale: "log" });
  const vgSym = await assertCompilesCleanly(sym);
  assert.equal(findVegaScale(vgSym, "y")?.type, "symlog");
  assert.equal(findVegaScale(vgSym, "x")?.type, "log");
});

Deno.test("facetedLineChart: one n (language-model figure) gets a centred colour", async () => {
  const rows = meanWithBand(
    [1, 2, 3].flatMap((t) => WORKFLOW_ORDER.map((workflow) => ({ workflow, n: 12500, t, y: 1 + t / 10 }))),
    { x: "t", y: "y", groupBy: ["workflow", "n"] },
  );
  const spec = facetedLineChart(rows, { yScale: "log", colorScale: "log" });
  await assertCompilesCleanly(spec);
  const png = await specToPng(spec, { scale: 1 });
  assert.ok(pngSize(png).width > 300);
});

Deno.test("facetedLineChart: a symlog colour scale accepts a colour value of 0", async () => {
  const rows = meanWithBand(
    [0, 64, 1024].flatMap((s) =>
      [1, 2].flatMap((t) => [0, 1, 2].map((seed) => ({ workflow: "Replace", s, t, y: 1 + s / 1000 + t + seed })))
    ),
    { x: "t", y: "y", groupBy: ["workflow", "s"] },
  );
  assert.throws(() => facetedLineChart(rows, { color: "s" }), /must be > 0 on a log colour scale/);
  assert.throws(() => facetedLineChart(rows.map((r) => ({ ...r, n: r.s }))), /must be > 0 for the n colours/);
  const vg = await assertCompilesCleanly(facetedLineChart(rows, { color: "s", colorScale: "symlog" }));
  assert.equal(findVegaScale(vg, "color")?.type, "symlog");
  // A small constant spreads small values: 0 and 64 then differ as much as 64 and 1024 nearly do.
  const spread = facetedLineChart(rows, { color: "s", colorScale: "symlog", colorSymlogConstant: 1 });
  const tight = facetedLineChart(rows, { color: "s", colorScale: "symlog", colorSymlogConstant: 1000 });
  assert.equal(findVegaScale(await assertCompilesCleanly(spread), "color")?.constant, 1);
  const [a, b] = [await renderedColors(spread, [0, 64, 1024]), await renderedColors(tight, [0, 64, 1024])];
  assert.notDeepEqual(a, b);
});

/** The colour the rendered chart gives each of `values` of its colour field. */
async function renderedColors(spec: VegaLiteSpec, values: readonly number[]): Promise<string[]> {
  const vega = await import("vega");
  const { vega: vg } = await compileSpec(spec);
  const view = new vega.View(vega.parse(vg), { renderer: "none" });
  await view.runAsync();
  const scale = view.scale("color") as (v: number) => string;
  const colors = values.map((v) => rgbHex(scale(v)));
  view.finalize();
  return colors;
}

Deno.test("facetedLineChart: one colour per n, whichever n values a chart shows", async () => {
  const bands = (ns: readonly number[]): BandRow[] =>
    ns.flatMap((n) => [1, 2].map((x) => ({ workflow: "Replace", n, x, mean: 1, lo: 0.5, hi: 1.5, sd: 1, k: 3 })));
  const gaussian = facetedLineChart(bands([10, 32, 100, 316, 1000]));
  const regression = facetedLineChart(bands([32, 316]));
  const lm = facetedLineChart(bands([32])); // a one-value chart
  const discrete = facetedLineChart(bands([10, 100, 1000, 10_000, 100_000]));
  const expected = (ns: number[]): string[] => ns.map((n) => rgbHex(nColor(n)));
  assert.deepEqual(await renderedColors(gaussian, [10, 32, 100, 316, 1000]), expected([10, 32, 100, 316, 1000]));
  assert.deepEqual(await renderedColors(regression, [32, 316]), expected([32, 316]));
  assert.deepEqual(await renderedColors(lm, [32]), expected([32]));
  assert.deepEqual(await renderedColors(discrete, [100, 10_000]), expected([100, 10_000]));
  assert.equal(new Set(expected([10, 32, 100, 316, 1000, 10_000, 100_000])).size, 7, "distinct colours");
  // Other colour fields keep a scale over the chart's own values.
  const byIteration = facetedLineChart(bands([1, 2]).map((r) => ({ ...r, iteration: r.n })), { color: "iteration" });
  const scale = obj(obj(obj(arr(obj(asJson(byIteration).spec).layer).map(obj)[0].encoding).color).scale);
  assert.equal(scale.range, undefined);
});

/** "rgb(r, g, b)" or "#rrggbb" as "#rrggbb". */
function rgbHex(color: string): string {
  const m = color.match(/^rgb\((\d+), (\d+), (\d+)\)$/);
  if (m === null) return color;
  return "#" + m.slice(1).map((c) => Number(c).toString(16).padStart(2, "0")).join("");
}

Deno.test("facetedLineChart: points without an interval get no band, and the subtitle says why", async () => {
  const rows = (k: number): BandRow[] =>
    meanWithBand(
      [1, 2, 3].flatMap((t) =>
        Array.from({ length: k }, (_, seed) => ({ workflow: "Replace", n: 10, t, seed, y: t + seed }))
      ),
      { x: "t", y: "y", groupBy: ["workflow", "n"] },
    );
  const two = asJson(facetedLineChart(rows(2), { title: "T", subtitle: "preset smoke" }));
  assert.deepEqual(obj(two.title).subtitle, ["preset smoke", "no interval: 2 seeds (at least 3 needed)"]);
  assert.deepEqual(arr(obj(two.spec).layer).map((l) => obj(obj(l).mark).type), ["line"], "no area layer");
  const one = asJson(facetedLineChart(rows(1), { title: "T" }));
  assert.equal(obj(one.title).subtitle, "no interval: 1 seed (at least 3 needed)");
  // Mixed: a band where there are 3 seeds, none at the others.
  const mixed = facetedLineChart([...rows(3), ...rows(2).map((r) => ({ ...r, n: 32 }))], { title: "T" });
  const j = asJson(mixed);
  assert.equal(obj(j.title).subtitle, "no interval at 3 of 6 points: 2 seeds (at least 3 needed)");
  const values = arr(obj(j.data).values).map(obj);
  assert.deepEqual(values.map((v) => "lo" in v), [true, true, true, false, false, false]);
  const area = arr(obj(j.spec).layer).map(obj)[0];
  assert.deepEqual(arr(area.transform)[1], { filter: { field: "lo", valid: true } });
  await assertCompilesCleanly(mixed);
  // No band asked for: no note either.
  assert.equal(obj(asJson(facetedLineChart(rows(2), { title: "T", band: false })).title).subtitle, undefined);
});

Deno.test("facetedLineChart: log y labels are plain decimals or powers of ten, never 1e-8", async () => {
  const rows: BandRow[] = [1, 2, 3, 4].map((x) => ({
    workflow: "Replace",
    n: 10,
    x,
    mean: 10 ** (-4 * x),
    lo: 0.5 * 10 ** (-4 * x),
    hi: 2 * 10 ** (-4 * x),
    sd: 1,
    k: 5,
  }));
  const spec = facetedLineChart(rows, { yScale: "log" });
  await assertCompilesCleanly(spec);
  const svg = await specToSvg(spec);
  for (const label of ["10\u207b\u2074", "10\u207b\u2078", "10\u207b\u00b9\u00b2", "10\u207b\u00b9\u2076"]) {
    assert.ok(svg.includes(`>${label}<`), `label ${label} drawn`);
  }
  assert.ok(!/>[0-9.]+e-\d+</.test(svg) && !svg.includes(">0.0000"), "no 1e-8 or 0.00001 labels");
  const small = facetedLineChart(rows.map((r) => ({ ...r, mean: 0.01, lo: 0.004, hi: 0.03 })), { yScale: "log" });
  const smallSvg = await specToSvg(small);
  for (const label of ["0.005", "0.01", "0.02"]) {
    assert.ok(smallSvg.includes(`>${label}<`), `plain decimal ${label} within [0.001, 10000]`);
  }
});
