import assert from "node:assert/strict";
import { groupValues, meanWhere } from "./rows.ts";

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

Deno.test("meanWhere: the mean over the matching rows, by hand; a missing field matches undefined; no match throws", () => {
  assert.equal(meanWhere(rows, { workflow: "Replace", t: 1 }, "v"), (1 + 4 + 2) / 3);
  assert.equal(meanWhere(rows, { t: 1, workflow: "Accumulate" }, "v"), 6); // the fields' order does not matter
  assert.ok(Number.isNaN(meanWhere(rows, { workflow: "Replace", t: 2 }, "v"))); // every matching row counts
  assert.equal(meanWhere(rows, { n: 10 }, "t"), 9 / 7);
  const mixed = [{ q: 1, v: 2 }, { q: 0.5, v: 4, verifier: "oracle" }, { q: 1, v: 6 }];
  assert.equal(meanWhere(mixed, { verifier: undefined }, "v"), 4);
  assert.equal(meanWhere(mixed, { verifier: "oracle" }, "v"), 4);
  // Values compare as === does: the string "1" is not the number 1.
  assert.throws(() => meanWhere(mixed, { q: "1" }, "v"), /meanWhere: no rows with \{"q":"1"\}/);
});
