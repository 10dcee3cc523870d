import assert from "node:assert/strict";
import { fromRows } from "../numerics/matrix.ts";
import { matrixOps } from "./estimator.ts";

Deno.test("a matrix pool appends in order and selects rows", () => {
  const pool = matrixOps.pool();
  pool.append(fromRows([[1, 1], [2, 2]]));
  pool.append(fromRows([[3, 3]]));
  pool.append(fromRows([[4, 4], [5, 5], [6, 6]]));
  assert.equal(pool.size, 6);
  assert.deepEqual([...pool.all().data], [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
  assert.deepEqual([...pool.select(new Int32Array([5, 0, 2])).data], [
    6,
    6,
    1,
    1,
    3,
    3,
  ]);
  assert.throws(() => pool.append(fromRows([[1, 2, 3]])), {
    name: "RangeError",
    message: /pool has 2 columns/,
  });
});
