import assert from "node:assert/strict";
import { groupValues } from "./rows.ts";

const rows = [
  { workflow: "Replace", n: 10, t: 1, v: 1 },
  { workflow: "Replace", n: 10, t: 1, v: 4 },
  { workflow: "Replace", n: 10, t: 1, v: 2 },
  { workflow: "Replace", n: 10, t: 2, v: NaN },
  { workflow: "Replace", n: 10, t: 2, v: 8 },
  { workflow: "Accumulate", n: 10, t: 1, v: 5 },
  { workflow: "Accumulate", n: 10, t: 1, v: 7 },
];

Deno.test("grouped values: the values, mean, median and standard error of one group", () => {
  const g = groupValues(rows, { y: "v", groupBy: ["workflow", "n", "t"] });
  assert.deepEqual(g.values({ workflow: "Replace", n: 10, t: 1 }), [1, 4, 2]);
  assert.equal(g.mean({ workflow: "Replace", n: 10, t: 1 }), 7 / 3);
  assert.equal(g.median({ workflow: "Replace", n: 10, t: 1 }), 2);
  assert.equal(g.median({ workflow: "Accumulate", n: 10, t: 1 }), 6);
  assert.equal(g.se({ workflow: "Accumulate", n: 10, t: 1 }), 1);
  assert.deepEqual(g.values({ workflow: "Replace", n: 10, t: 2 }), [8], "NaN values are skipped");
  // Extra fields of the keys are ignored: a row can be passed as its own key.
  assert.equal(g.mean({ ...rows[5], seed: 3 }), 6);
});

Deno.test("grouped values: an unknown group or a missing field throws instead of giving NaN", () => {
  const g = groupValues(rows, { y: "v", groupBy: ["workflow", "n", "t"] });
  assert.equal(g.has({ workflow: "Replace", n: 32, t: 1 }), false);
  assert.throws(() => g.mean({ workflow: "Replace", n: 32, t: 1 }), /no rows with a v for/);
  assert.throws(() => g.mean({ workflow: "Replace", n: 10 }), /must give "t"/);
});
