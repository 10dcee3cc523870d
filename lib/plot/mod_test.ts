// Tests of mod.ts: the public API the notebooks import stays exported.
import assert from "node:assert/strict";
import * as plot from "./mod.ts";

Deno.test("mod.ts exports the notebooks' API", () => {
  assert.deepEqual(Object.keys(plot).sort(), [
    "FONT_FAMILY",
    "MIN_SEEDS_FOR_INTERVAL",
    "VEGA_LITE_V5_SCHEMA",
    "WORKFLOW_ORDER",
    "compileSpec",
    "densityChart",
    "facetedLineChart",
    "fontFiles",
    "meanWithBand",
    "nColor",
    "showFigure",
    "specToPng",
    "specToSvg",
    "withCsvData",
  ]);
});
