import assert from "node:assert/strict";
import { assertKnownFields, integerField } from "./fields.ts";

Deno.test("integerField accepts integers at or above the minimum and names the field otherwise", () => {
  assert.equal(integerField({ n: 3 }, "n"), 3);
  assert.equal(integerField({ n: 0 }, "n", { min: 0 }), 0);
  for (const bad of [0, -1, 1.5, "3", NaN, Infinity, undefined]) {
    assert.throws(() => integerField({ n: bad }, "n"), {
      name: "RangeError",
      message: /^n must be an integer >= 1, got /,
    });
  }
});

Deno.test("assertKnownFields lists the allowed fields", () => {
  assertKnownFields({ a: 1 }, ["a", "b"]);
  assert.throws(() => assertKnownFields({ c: 1 }, ["a", "b"]), /unknown field "c"; allowed fields: a, b/);
});
