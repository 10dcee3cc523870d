// Tests of show.ts: showFigure's files (outside the Jupyter kernel).
import assert from "node:assert/strict";
import { facetedLineChart } from "./line_chart.ts";
import { cachedPng, showFigure } from "./show.ts";
import { specToPng } from "./render.ts";
import type { VegaLiteSpec } from "./spec.ts";
import { pngSize, syntheticBands } from "./_test_utils.ts";

Deno.test("showFigure: writes <resultsDir>/<notebook>/<name>.png (env var and option)", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "plot_test_" });
  const before = Deno.env.get("COLLAPSE_RESULTS_DIR");
  try {
    Deno.env.set("COLLAPSE_RESULTS_DIR", `${tmp}/env`);
    const spec = facetedLineChart(syntheticBands(), { title: "t", subtitle: "preset: test" });
    // Nothing is returned: a notebook cell ending with the call then shows no Out[...] value.
    assert.equal(await showFigure(spec, { name: "trace_dim=10", notebook: "00_gaussian" }), undefined);
    pngSize(await Deno.readFile(`${tmp}/env/00_gaussian/trace_dim=10.png`));
    await showFigure(spec, { name: "x.png", notebook: "nb", resultsDir: `${tmp}/opt/` });
    pngSize(await Deno.readFile(`${tmp}/opt/nb/x.png`));
    assert.deepEqual([...Deno.readDirSync(`${tmp}/opt/nb`)].map((e) => e.name), ["x.png"]);
    await assert.rejects(showFigure(spec, { name: "../evil", notebook: "nb" }), /plain file name/);
    await assert.rejects(showFigure(spec, { name: "a", notebook: ".." }), /plain file name/);
  } finally {
    if (before === undefined) Deno.env.delete("COLLAPSE_RESULTS_DIR");
    else Deno.env.set("COLLAPSE_RESULTS_DIR", before);
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("cachedPng: a figure from the cache has the bytes and prints the warnings of one drawn afresh", async () => {
  // No data on quantitative axes: vega warns of an infinite extent. A nonce makes the spec new to the cache.
  const spec = {
    data: { values: [] },
    mark: "point",
    encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
    description: crypto.randomUUID(),
  } as unknown as VegaLiteSpec;
  const warnings: string[] = [];
  const fresh = await specToPng(spec, { scale: 1, warnings });
  assert(warnings.some((w) => /^WARN Infinite extent for field "x"/.test(w)), warnings.join("\n"));
  const printed: string[][] = [];
  const { warn } = console;
  try {
    for (let i = 0; i < 2; i++) {
      const lines: string[] = [];
      console.warn = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
      assert.deepEqual(await cachedPng(spec, 1), fresh, `draw ${i + 1}`);
      printed.push(lines);
    }
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(printed[0], warnings, "drawn afresh: its warnings printed");
  assert.deepEqual(printed[1], warnings, "from the cache: the same warnings printed");
});
