import assert from "node:assert/strict";
import pl from "nodejs-polars";
import type { RunRow } from "../experiments/define.ts";
import { ColumnBuilder, columnType, DecodedFrame, encodeColumns, encodeRows, NUMBER_SUFFIX } from "./columns.ts";
import { readRun, storedColumns, writeRun } from "./store.ts";
import { integer, real, seed } from "../experiments/fields.ts";

const declared = storedColumns({
  fields: { samplesPerIteration: integer(), seed: seed(), sigmaSquared: real() },
});

// Every kind of value a run stores, including those a careless encoding loses: -0, NaN, infinities, a number and a
// string in one column, numbers that look like strings and strings that look like numbers, absent values.
function awkwardRows(count: number): RunRow[] {
  return Array.from({ length: count }, (_, i) => {
    const row: RunRow = {
      samplesPerIteration: 1000 + i,
      seed: Number.MAX_SAFE_INTEGER - i,
      sigmaSquared: 1,
      iteration: i,
      trainingSize: 10 * i,
      bandwidth: i % 3 === 0 ? "scott" : i % 3 === 1 ? 0.1 : "0.1",
      metric: [NaN, Infinity, -Infinity, -0, 5e-324, 0.1 + 0.2][i % 6],
      label: i % 2 === 0 ? "" : 'ü \u2028 "quoted"',
      converged: i % 2 === 0,
      experimentVersion: 2,
    };
    if (i % 4 === 1) delete row.metric;
    return row;
  });
}

Deno.test("declared integers are Int64 columns, floats Float64, strings Utf8, booleans Bool; a mixed column has a companion", () => {
  const frame = encodeRows(awkwardRows(6), { types: declared });
  const types = Object.fromEntries(frame.columns.map((name, i) => [name, frame.dtypes[i].variant]));
  assert.deepEqual(types, {
    samplesPerIteration: "Int64",
    seed: "Int64",
    sigmaSquared: "Float64",
    iteration: "Int64",
    trainingSize: "Int64",
    bandwidth: "String",
    [`bandwidth${NUMBER_SUFFIX}`]: "Float64",
    metric: "Float64",
    label: "String",
    converged: "Bool",
    experimentVersion: "Int64",
  });
  assert.deepEqual(frame.getColumn("bandwidth").toArray().slice(0, 3), ["scott", "0.1", "0.1"], "text a person reads");
});

Deno.test("rows read back equal the rows written, value for value, in small files and large ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "collapse-columns-" });
  try {
    // 5000 rows decode column by column through typed arrays, 7 rows through one record conversion.
    for (const count of [7, 5000]) {
      const rows = awkwardRows(count);
      const path = `${dir}/run-${count}.parquet`;
      writeRun(path, rows, { columns: declared });
      const back = readRun(path)!;
      assert.deepStrictEqual(back, rows);
      assert(Object.is(back[3].metric, -0) && Number.isNaN(back[0].metric as number), "-0 and NaN survive");
      assert.equal(back[1].bandwidth, 0.1);
      assert.equal(back[2].bandwidth, "0.1", "a string that looks like a number stays a string");
      assert(!("metric" in back[1]), "an absent value stays absent");
      // What a person gets loading the file with polars: integers as integers.
      const schema = pl.readParquet(path).schema;
      assert.equal(String(schema.samplesPerIteration), "DataType(Int64)");
      assert.equal(String(schema.iteration), "DataType(Int64)");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a column that does not fit its declaration fails, naming it", () => {
  assert.throws(
    () => encodeRows([{ samplesPerIteration: 1.5 }], { types: declared }),
    /column "samplesPerIteration" is declared integer but row 0 holds 1.5/,
  );
  assert.throws(
    () => encodeRows([{ seed: "7" }], { types: declared }),
    /column "seed" is declared integer but holds a string/,
  );
  assert.throws(() => encodeRows([{ iteration: 2 ** 53 }], { types: declared }), /declared integer but row 0 holds/);
  assert.throws(() => encodeRows([{ flag: true }, { flag: 1 }]), /column "flag" holds values of types boolean, number/);
  assert.throws(() => encodeRows([{ [`x${NUMBER_SUFFIX}`]: 1 }]), /reserved for mixed columns/);
  assert.equal(columnType("x", [1, "a", null]), "mixed");
  assert.equal(columnType("x", [1, null]), "float");
});

Deno.test("old files, whose integers are Float64, decode to the same numbers", () => {
  const rows = [{ dim: 3, seed: 7, value: 0.5 }, { dim: 3, seed: 7, value: 1.5 }];
  const old = pl.readParquet(pl.DataFrame(rows).writeParquet());
  assert.equal(String(old.schema.dim), "DataType(Float64)");
  assert.deepStrictEqual(new DecodedFrame(old).rows(), rows);
});

Deno.test("a column builder gathers ranges of frames, missing columns as nulls, with a constant column first", () => {
  const a = new DecodedFrame(encodeRows([{ x: 1, y: "a" }, { x: 2, y: "b" }, { x: 3, y: "c" }]));
  const b = new DecodedFrame(encodeRows([{ x: 4, z: true }]));
  const builder = new ColumnBuilder();
  builder.append(a, { start: 1, end: 3, constant: { key: "k1" } });
  builder.append(b, { start: 0, end: 1, constant: { key: "k2" } });
  assert.equal(builder.height, 3);
  assert.deepStrictEqual(new DecodedFrame(encodeColumns(builder.columns)).rows(), [
    { key: "k1", x: 2, y: "b" },
    { key: "k1", x: 3, y: "c" },
    { key: "k2", x: 4, z: true },
  ]);
});
