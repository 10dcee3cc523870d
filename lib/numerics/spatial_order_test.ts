import assert from "node:assert/strict";
import { matrix } from "./matrix.ts";
import { Rng } from "./rng.ts";
import { CELL_POINTS, spatialOrder } from "./spatial_order.ts";
import { randomMatrix } from "./_test_utils.ts";

const isPermutation = (order: Int32Array): boolean =>
  [...order].sort((a, b) => a - b).every((value, position) => value === position);

Deno.test("four quadrants of 4 x 64 points: a 2 x 2 grid, taken row by row, each cell in the given order", () => {
  // 256 points = 4 CELL_POINTS: a side of 2 cells per coordinate, cut at the bounding box's middle (x = 1.5, y = 1.5).
  assert.equal(CELL_POINTS, 64);
  const corners = [[0, 0], [3, 0], [0, 3], [3, 3]];
  // Point p sits in corner (p * 3) % 4: the corners interleave in the input.
  const rows = Array.from({ length: 256 }, (_, p) => corners[(p * 3) % 4]);
  const order = spatialOrder(matrix(256, 2, Float64Array.from(rows.flat())));
  assert(isPermutation(order));
  // Cells in order (x low, y low), (x high, y low), (x low, y high), (x high, y high): the first coordinate fastest.
  for (let cell = 0; cell < 4; cell++) {
    const run = [...order.subarray(cell * 64, (cell + 1) * 64)];
    assert(run.every((p) => (p * 3) % 4 === cell), `cell ${cell} holds only its corner's points`);
    assert.deepEqual(run, [...run].sort((a, b) => a - b), `cell ${cell} keeps the input order`);
  }
});

Deno.test("a random set: a permutation whose runs of 64 points have smaller boxes than the input's", () => {
  const points = randomMatrix(20000, 2, new Rng(5));
  const order = spatialOrder(points);
  assert(isPermutation(order));
  const meanBoxArea = (at: (k: number) => number): number => {
    let total = 0;
    for (let start = 0; start < points.rows; start += 64) {
      const lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
      for (let k = start; k < Math.min(start + 64, points.rows); k++) {
        for (let j = 0; j < 2; j++) {
          lo[j] = Math.min(lo[j], points.data[at(k) * 2 + j]);
          hi[j] = Math.max(hi[j], points.data[at(k) * 2 + j]);
        }
      }
      total += (hi[0] - lo[0]) * (hi[1] - lo[1]);
    }
    return total / Math.ceil(points.rows / 64);
  };
  // A run in input order spans most of the points' spread (~8 x 8); in spatial order one or two cells of a 17 x 17
  // grid over it (a cell ~0.22), longer runs only in the sparse rows at the edges.
  const [spatial, input] = [meanBoxArea((k) => order[k]), meanBoxArea((k) => k)];
  assert(input > 10 && spatial < 1, `mean box area ${spatial} in spatial order, ${input} in input order`);
});

Deno.test("degenerate sets: no points, one point, a coordinate with no spread, a NaN", () => {
  assert.equal(spatialOrder(matrix(0, 2)).length, 0);
  assert.deepEqual([...spatialOrder(matrix(1, 3, Float64Array.of(1, 2, 3)))], [0]);
  const flat = matrix(300, 2, Float64Array.from({ length: 600 }, (_, i) => (i % 2 === 0 ? i : 7)));
  assert(isPermutation(spatialOrder(flat)));
  const withNaN = matrix(3, 1, Float64Array.of(2, NaN, 1));
  assert(isPermutation(spatialOrder(withNaN)));
});
