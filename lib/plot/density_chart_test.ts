// Tests of density_chart.ts: densityChart's specs, compiled with vega-lite 6 and 5.
import assert from "node:assert/strict";
import { densityChart } from "./density_chart.ts";
import { specToSvg } from "./render.ts";
import { WORKFLOW_ORDER } from "./spec.ts";
import { arr, asJson, assertCompilesCleanly, findVegaScale, obj, syntheticDensities } from "./_test_utils.ts";

Deno.test("densityChart: compiles cleanly (vega-lite 6 and 5), panels in workflow order", async () => {
  const spec = densityChart(syntheticDensities(), { title: "Densities", subtitle: "preset: test" });
  const j = asJson(spec);
  assert.deepEqual(obj(obj(j.facet).column).sort, [...WORKFLOW_ORDER]);
  const values = arr(obj(j.data).values).map(obj);
  const its = values.map((v) => Number(v.iteration));
  assert.deepEqual(its, [...its].sort((a, b) => a - b), "later iterations drawn last (on top)");
  const vg = await assertCompilesCleanly(spec);
  assert.equal(findVegaScale(vg, "color")?.type, "linear");
  // Panels come out Replace before Accumulate although the data lists Accumulate first.
  const svg = await specToSvg(spec);
  const r = svg.indexOf(">Replace<");
  const a = svg.indexOf(">Accumulate<");
  assert.ok(r >= 0 && a >= 0 && r < a, "Replace panel header precedes Accumulate");
});
