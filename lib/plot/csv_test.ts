// Tests of csv.ts: withCsvData.
import assert from "node:assert/strict";
import { meanWithBand } from "./bands.ts";
import { withCsvData } from "./csv.ts";
import { facetedLineChart } from "./line_chart.ts";
import { specToSvg } from "./render.ts";

Deno.test("withCsvData: the CSV-encoded spec renders the same picture, in less space", async () => {
  const rows = meanWithBand(
    [1, 2, 3].flatMap((seed) =>
      [10, 100].flatMap((n) =>
        ["Replace", "Accumulate"].flatMap((workflow) =>
          [1, 2, 3].map((t) => ({ workflow, n, t, seed, y: (1 - 1 / n) ** t + seed / 100 }))
        )
      )
    ),
    { x: "t", y: "y", groupBy: ["workflow", "n"] },
  );
  const spec = facetedLineChart(rows, { title: "csv", reference: [{ x: 1, y: 0.5, n: 10, workflow: "Replace" }] });
  const compact = withCsvData(spec);
  assert(typeof (compact as { data: { values: unknown } }).data.values === "string");
  assert(JSON.stringify(compact).length < JSON.stringify(spec).length);
  assert.equal(await specToSvg(compact), await specToSvg(spec));
});

Deno.test("withCsvData: quotes what CSV needs quoted; leaves non-flat or non-finite data alone", () => {
  const spec = {
    data: { values: [{ a: 'say "hi", then', b: 1 }, { a: "", b: 2.5 }, { b: -3 }] },
    mark: "point",
  } as const;
  const csv = withCsvData(spec as never) as unknown as { data: { values: string; format: { type: string } } };
  assert.equal(csv.data.values, 'a,b\n"say ""hi"", then",1\n"",2.5\n,-3');
  assert.equal(csv.data.format.type, "csv");
  const nested = { data: { values: [{ a: { b: 1 } }] }, mark: "point" };
  assert.equal(withCsvData(nested as never), nested);
  const infinite = { data: { values: [{ a: Infinity }] }, mark: "point" };
  assert.equal(withCsvData(infinite as never), infinite);
  const empty = { data: { values: [] }, mark: "point" };
  assert.equal(withCsvData(empty as never), empty);
});
