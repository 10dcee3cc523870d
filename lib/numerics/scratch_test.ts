import assert from "node:assert/strict";
import { Scratch } from "./scratch.ts";

Deno.test("a scratch buffer hands out views of the length asked, reusing its memory until it must grow", () => {
  const scratch = new Scratch();
  const first = scratch.doubles(10);
  assert.equal(first.length, 10);
  first[0] = 7;
  const second = scratch.doubles(4);
  assert.equal(second.length, 4);
  assert.equal(second.buffer, first.buffer); // no new allocation: the same memory
  assert.equal(second[0], 7);
  const grown = scratch.doubles(11);
  assert.notEqual(grown.buffer, first.buffer);
  assert(grown.buffer.byteLength >= 20 * 8); // at least doubled
  const ints = scratch.ints(3);
  assert.equal(ints.length, 3);
  assert.equal(scratch.ints(2).buffer, ints.buffer);
});
