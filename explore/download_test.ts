import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { EXPERIMENTS } from "../lib/experiments/mod.ts";
import { rowsToCsv, rowsToParquet, VERSION_COLUMN, withVersion } from "./download.ts";

Deno.test("CSV: every column, numbers in full, text quoted where needed", () => {
  const csv = rowsToCsv([
    { a: 0.1 + 0.2, b: "x,y", c: NaN },
    { a: -Infinity, d: true },
  ]);
  assert.equal(csv, 'a,b,c,d\n0.30000000000000004,"x,y",NaN,\n-inf,,,true\n');
  assert.equal(Number(csv.split("\n")[1].split(",")[0]), 0.1 + 0.2);
});

Deno.test("Parquet: the rows read back by nodejs-polars (the store's reader), doubles bit for bit", async () => {
  const kde = EXPERIMENTS.kde;
  const rows = withVersion(await kde.runConfig({ ...kde.example, bandwidth: "scott" }), kde.version);
  const file = await Deno.makeTempFile({ suffix: ".parquet" });
  try {
    await Deno.writeFile(file, new Uint8Array(rowsToParquet(rows)));
    const back = pl.readParquet(file).toRecords();
    assert.equal(back.length, rows.length);
    back.forEach((row, i) => {
      for (const [key, value] of Object.entries(rows[i])) assert.ok(Object.is(row[key], value), `${i} ${key}`);
    });
    assert.equal(back[0][VERSION_COLUMN], kde.version);
  } finally {
    await Deno.remove(file);
  }
  // A column some rows lack reads back as null there; numbers and names together as text.
  const mixed = rowsToParquet([{ h: 0.5, only: 1 }, { h: "scott" }]);
  const path = await Deno.makeTempFile({ suffix: ".parquet" });
  try {
    await Deno.writeFile(path, new Uint8Array(mixed));
    assert.deepStrictEqual(pl.readParquet(path).toRecords(), [{ h: "0.5", only: 1 }, { h: "scott", only: null }]);
  } finally {
    await Deno.remove(path);
  }
});
