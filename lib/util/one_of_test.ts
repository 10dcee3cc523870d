import assert from "node:assert/strict";
import { assertOneOf } from "./one_of.ts";

Deno.test("a value outside the list fails naming the field, the allowed values and the value", () => {
  assertOneOf("b", ["a", "b"], "letter");
  assert.throws(() => assertOneOf("c", ["a", "b"], "letter"), /^RangeError: letter must be one of "a", "b", got "c"$/);
  assert.throws(() => assertOneOf(undefined, ["a"], "x"), /x must be one of "a", got undefined/);
  assert.throws(() => assertOneOf(1, ["1"], "x"), /got 1$/);
});
