// Tests of render.ts: compiling, SVG and PNG rendering.
import assert from "node:assert/strict";
import { compileSpec, specToPng } from "./render.ts";
import { pngSize, titleOnly } from "./_test_utils.ts";

Deno.test("specToPng: a valid PNG at scale 2 that contains rendered TEXT", async () => {
  const withText = await specToPng(titleOnly("Collapse or Thrive?"));
  const without = await specToPng(titleOnly(""));
  const size = pngSize(withText);
  assert.deepEqual(size, { width: 1040, height: 180 }); // (500 + 20) x (20 + 70), scale 2
  assert.deepEqual(pngSize(without), size);
  // The only difference between the two charts is the title's text: if resvg found no font the
  // two PNGs would be byte-identical (no text, no error).
  assert.notDeepEqual(withText, without, "title text was not rendered (fonts missing?)");

  const scale1 = pngSize(await specToPng(titleOnly("Collapse or Thrive?"), { scale: 1 }));
  assert.equal(scale1.width * 2, size.width);
});

Deno.test("compileSpec: returns vega-lite's warnings instead of printing them", async () => {
  const clean = await compileSpec(titleOnly("t"));
  assert.deepEqual(clean.warnings, []);
  assert.ok(Array.isArray((clean.vega as { marks?: unknown[] }).marks));
  const { warnings } = await compileSpec({
    data: { values: [{ a: 1, b: "x" }] },
    mark: "bar",
    encoding: { x: { field: "a", type: "quantitative" }, shape: { field: "b", type: "nominal" } },
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /shape/);
});
