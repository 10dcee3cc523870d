import assert from "node:assert/strict";
import { canonicalConfig, defineExperiment, expandGrid, type Grid, parameterValues, workflowRows } from "./define.ts";
import { choice, integer } from "./fields.ts";

const grid = (seeds: number): Grid => ({
  size: { values: [1, 2] },
  mode: { value: "x" },
  seed: { min: 0, max: seeds - 1 },
});

const toy = defineExperiment({
  name: "toy",
  version: 2,
  module: import.meta.url,
  description: "a test experiment",
  fields: { size: integer(), mode: choice(["x", "y"]), seed: integer({ min: 0 }) },
  check: (c) => {
    if (c.size > 5 && c.mode === "y") throw new RangeError("size > 5 needs mode x");
  },
  grids: {
    main: { smoke: grid(1), default: grid(2), paper: grid(3) },
    extra: {
      smoke: { size: { value: 2 }, mode: { values: ["x", "y"] }, seed: { value: 0 } },
      default: grid(1),
      paper: grid(1),
    },
  },
  example: { size: 1, mode: "x", seed: 0 },
  run: (c) => Promise.resolve([{ ...c, value: c.size * 10 + c.seed }]),
});

Deno.test("a grid expands by the cartesian product, last parameter fastest", () => {
  assert.deepEqual(expandGrid({ a: { values: [1, 2] }, b: { min: 5, max: 6 }, c: { value: "z" } }), [
    { a: 1, b: 5, c: "z" },
    { a: 1, b: 6, c: "z" },
    { a: 2, b: 5, c: "z" },
    { a: 2, b: 6, c: "z" },
  ]);
  assert.deepEqual(expandGrid({}), [{}]);
});

Deno.test("parameter specs: value, values or an integer range, anything else named", () => {
  assert.deepEqual(parameterValues({ min: -1, max: 1 }), [-1, 0, 1]);
  assert.deepEqual(parameterValues({ values: ["a", true, 2] }), ["a", true, 2]);
  for (
    const [spec, message] of [
      [{ min: 2, max: 1 }, /min and max must be integers with min <= max/],
      [{ min: 0.5, max: 1 }, /min and max must be integers/],
      [{ values: [] }, /non-empty list/],
      [{ value: [1] }, /value must be a number, string or boolean/],
      [{ value: 1, values: [1] }, /has keys \["value","values"\]/],
      [[1, 2], /must be a mapping/],
    ] as const
  ) {
    assert.throws(() => parameterValues(spec), message);
  }
});

Deno.test("a preset's configurations: the union of its grids, validated, without duplicates, in order", () => {
  assert.deepEqual(toy.configs("smoke"), [
    { size: 1, mode: "x", seed: 0 },
    { size: 2, mode: "x", seed: 0 },
    { size: 2, mode: "y", seed: 0 },
  ]);
  assert.equal(toy.configs("paper").length, 6);
  assert.deepEqual(toy.configs("smoke", { grid: "extra" }).map((c) => c.mode), ["x", "y"]);
  assert.throws(() => toy.configs("smoke", { grid: "nope" }), /grid must be one of "main", "extra", got "nope"/);
  assert.throws(() => toy.configs("huge" as never), /preset must be one of "smoke", "default", "paper"/);
  assert.deepEqual(toy.gridValues("default"), { size: [1, 2], mode: ["x"], seed: [0, 1] });
});

Deno.test("validation runs the field checks, then the definition's own check", async () => {
  assert.deepEqual(toy.validate({ seed: 1, mode: "x", size: 9 }), { size: 9, mode: "x", seed: 1 });
  assert.throws(() => toy.validate({ size: 9, mode: "y", seed: 0 }), /size > 5 needs mode x/);
  assert.throws(() => toy.validate({ size: 0, mode: "x", seed: 0 }), /size must be an integer >= 1, got 0/);
  assert.deepEqual(await toy.runConfig({ size: 3, mode: "x", seed: 4 }), [{ size: 3, mode: "x", seed: 4, value: 34 }]);
  await assert.rejects(() => toy.runConfig({ size: 3, seed: 4 }), /mode is required/);
});

Deno.test("bad definitions fail when defined, naming what is wrong", () => {
  const base = {
    name: "ok",
    version: 1,
    module: import.meta.url,
    description: "",
    fields: { seed: integer({ min: 0 }) },
    grids: { main: { smoke: {}, default: {}, paper: {} } },
    example: {},
    run: () => Promise.resolve([]),
  };
  assert.throws(() => defineExperiment({ ...base, name: "Bad-Name" }), /snake_case/);
  assert.throws(() => defineExperiment({ ...base, version: 0 }), /version must be an integer >= 1/);
  assert.throws(() => defineExperiment({ ...base, grids: {} }), /at least one grid/);
  assert.throws(
    () => defineExperiment({ ...base, grids: { main: { smoke: {}, default: {} } } as never }),
    /grid "main" has no "paper" preset/,
  );
  const broken = defineExperiment({
    ...base,
    grids: { main: { smoke: { seed: { value: -1 } }, default: {}, paper: {} } },
  });
  assert.throws(() => broken.configs("smoke"), /ok grid "main", preset "smoke": seed must be an integer >= 0, got -1/);
});

Deno.test("workflow rows: the configuration, the iteration's bookkeeping, metrics, then extras", () => {
  const rows = workflowRows(
    { a: 1 },
    [{ iteration: 1, trainingSize: 5, realFraction: 1, metrics: { loss: 2 } }],
    () => ({
      extra: "e",
    }),
  );
  assert.deepEqual(rows, [{ a: 1, iteration: 1, trainingSize: 5, realFraction: 1, loss: 2, extra: "e" }]);
  assert.deepEqual(Object.keys(rows[0]), ["a", "iteration", "trainingSize", "realFraction", "loss", "extra"]);
});

Deno.test("canonical configurations sort keys, so key order never changes a run's identity", () => {
  assert.equal(canonicalConfig({ b: 1, a: "x" }), '{"a":"x","b":1}');
  assert.equal(canonicalConfig({ a: "x", b: 1 }), canonicalConfig({ b: 1, a: "x" }));
  assert.notEqual(canonicalConfig({ a: 1 }), canonicalConfig({ a: "1" }));
});
