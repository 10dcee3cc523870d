import assert from "node:assert/strict";
import { padBatch } from "./batch.ts";

const CONFIG = { vocabSize: 10, contextLength: 4 };

Deno.test("sequences are shifted into inputs and targets, right-padded with 0 and masked", () => {
  const b = padBatch([[1, 2, 3, 4], [5, 6], [7, 8, 9]], CONFIG);
  assert.equal(b.rows, 3);
  assert.equal(b.length, 3);
  assert.deepEqual([...b.ids], [1, 2, 3, 5, 0, 0, 7, 8, 0]);
  assert.deepEqual([...b.targets], [2, 3, 4, 6, 0, 0, 8, 9, 0]);
  assert.deepEqual([...b.mask], [1, 1, 1, 1, 0, 0, 1, 1, 0]);
  assert.equal(b.tokens, 6);
});

Deno.test("bad batches fail naming the first bad sequence", () => {
  assert.throws(() => padBatch([], CONFIG), /at least one sequence/);
  assert.throws(() => padBatch([[1, 2], "ab" as never], CONFIG), /sequence 1 is not an array/);
  assert.throws(() => padBatch([[1, 10]], CONFIG), /token id 10, outside 0\.\.9/);
  assert.throws(() => padBatch([[1, -1]], CONFIG), /token id -1/);
  assert.throws(() => padBatch([[1], [2]], CONFIG), /shorter than 2 tokens/);
  assert.throws(
    () => padBatch([[1, 2, 3, 4, 5, 6]], CONFIG),
    /6 tokens gives 5 positions, more than the context length 4/,
  );
});
