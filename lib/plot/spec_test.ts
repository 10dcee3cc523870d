// Tests of spec.ts: the shared spec pieces.
import assert from "node:assert/strict";
import { resolveY, round6, VEGA_LITE_V5_SCHEMA, WORKFLOW_ORDER, workflowColumns } from "./spec.ts";

Deno.test("WORKFLOW_ORDER: the paper's column order", () => {
  assert.deepEqual([...WORKFLOW_ORDER], ["Replace", "Accumulate-Subsample", "Accumulate"]);
  assert.match(VEGA_LITE_V5_SCHEMA, /vega-lite\/v5\.json$/);
});

Deno.test("workflowColumns and resolveY: facet by a field in workflow order; shared y by default", () => {
  assert.deepEqual(workflowColumns("family"), {
    column: {
      field: "family",
      type: "nominal",
      sort: ["Replace", "Accumulate-Subsample", "Accumulate"],
      header: { title: null, labelFontSize: 15, labelPadding: 6 },
    },
  });
  assert.deepEqual(resolveY(undefined), { scale: { y: "shared" }, axis: { y: "shared" } });
  assert.deepEqual(resolveY("independent"), { scale: { y: "independent" }, axis: { y: "independent" } });
});

Deno.test("round6: six significant digits; 0 and non-finite values unchanged", () => {
  assert.equal(round6(1 / 3), 0.333333);
  assert.equal(round6(123456789), 123457000);
  assert.equal(round6(-2.0000004e-9), -2e-9);
  assert.equal(round6(0), 0);
  assert.equal(round6(Infinity), Infinity);
  assert.ok(Number.isNaN(round6(NaN)));
});
