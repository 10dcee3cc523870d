import assert from "node:assert/strict";
import { columnMeans, dotRows, dotRowsTypeScript, fromRows, matrix, MatrixPool, scatterMatrix } from "./matrix.ts";
import { assertClose } from "./_test_utils.ts";

Deno.test("column means and scatter matrix match a hand computation", () => {
  // Five rows so both the 4-row block and the remainder loop run.
  const x = fromRows([[1, 2], [3, 0], [5, 4], [-1, 2], [2, 2]]);
  const mean = columnMeans(x);
  assertClose(mean, [2, 2]);
  // Deviations: (-1,0) (1,-2) (3,2) (-3,0) (0,0): sum of squares 20 and 8, cross -2+6 = 4.
  assertClose(scatterMatrix(x, mean), [20, 4, 4, 8]);
});

Deno.test("column means in C (large matrices) are the row-by-row loop's bits", () => {
  // Widths on every route of the C sums (16 at a time, 4 at a time, one by one) and below their threshold; values of
  // mixed scales so that the order of the additions shows in the bits, and a column of -0 (its sum from +0 is +0).
  for (const [rows, cols] of [[300, 37], [64, 16], [1000, 4], [500, 3], [7, 5]]) {
    const data = Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(i) * 10 ** ((i % 7) - 3));
    for (let r = 0; r < rows; r++) data[r * cols] = -0;
    const expected = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) expected[j] += data[r * cols + j];
    for (let j = 0; j < cols; j++) expected[j] /= rows;
    assert.deepEqual(columnMeans(matrix(rows, cols, data)), expected, `${rows} x ${cols}`);
    assert.ok(Object.is(expected[0], 0));
  }
});

Deno.test("a matrix pool's large selections (the native copy) equal the rows copied one by one", () => {
  const cols = 37; // 37 x 40 selected values: above the size from which the copy is native where the kernels load
  const pool = new MatrixPool();
  const rows: number[][] = [];
  const append = (count: number, offset: number) => {
    // A view into a larger buffer: the part's first value is not its buffer's first.
    const buffer = new Float64Array((count + offset) * cols);
    const data = buffer.subarray(offset * cols);
    for (let r = 0; r < count; r++) {
      const row = Array.from({ length: cols }, (_, j) => rows.length * 1000 + j);
      data.set(row, r * cols);
      rows.push(row);
    }
    pool.append(matrix(count, cols, data));
  };
  append(5, 0);
  append(17, 3);
  append(1, 1);
  const pick = (count: number) => Int32Array.from({ length: count }, (_, i) => (i * 7 + 3) % rows.length);
  const check = (indices: Int32Array) => {
    const selected = pool.select(indices);
    assert.equal(selected.rows, indices.length);
    assert.deepEqual([...selected.data], [...indices].flatMap((i) => rows[i]));
  };
  check(pick(40));
  // Parts appended after a selection are found too; every part's first and last row.
  append(30, 2);
  check(pick(45));
  const edges = [0, 4, 5, 21, 22, 23, 52, 52];
  check(Int32Array.from([...edges, ...edges, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14]));
  assert.throws(() => pool.select(Int32Array.from({ length: 40 }, (_, i) => (i === 33 ? 53 : i))), {
    name: "RangeError",
    message: "row 53 is outside the pool of 53",
  });
  assert.throws(() => pool.select(Int32Array.from({ length: 40 }, (_, i) => -i)), /row -1 is outside the pool of 53/);
  // Parts of one size but the last (the rows' part found by a division); rows of 2 values (the TypeScript copy) too.
  for (const width of [2, 37]) {
    const uniform = new MatrixPool();
    const all: number[] = [];
    for (const count of [100, 100, 100, 7]) {
      const data = Float64Array.from({ length: count * width }, (_, k) => all.length + k);
      all.push(...data);
      uniform.append(matrix(count, width, data));
    }
    const indices = Int32Array.from({ length: 600 }, (_, i) => (i * 131 + 17) % 307);
    assert.deepEqual(
      [...uniform.select(indices).data],
      [...indices].flatMap((i) => all.slice(i * width, (i + 1) * width)),
    );
  }
  // Rows of 2 values from a pool beyond the caches (the native copy, whatever the rows' length), parts of two sizes.
  const large = new MatrixPool();
  for (const count of [100_000, 50_000, 3]) {
    const start = large.size;
    large.append(matrix(count, 2, Float64Array.from({ length: 2 * count }, (_, k) => 2 * start + k)));
  }
  const far = Int32Array.from({ length: 2000 }, (_, i) => (i * 7919 + 11) % large.size);
  assert.deepEqual([...large.select(far).data], [...far].flatMap((i) => [2 * i, 2 * i + 1]));
  assert.throws(() => large.select(Int32Array.from({ length: 2000 }, (_, i) => i * 100)), /outside the pool of 150003/);
});

Deno.test("dotRows writes into a given buffer (every entry, whatever it held) and checks its size", () => {
  const a = Float64Array.of(1, 2, 3, 4, 5, 6), b = Float64Array.of(1, 0, 1, 0, 1, 1); // A 3 x 2, B 3 x 2
  const want = dotRows(a, b, { rows: 3, columns: 3, depth: 2 });
  assert.deepEqual([...want], [1, 1, 3, 3, 3, 7, 5, 5, 11]);
  for (const route of [dotRows, dotRowsTypeScript]) {
    const out = new Float64Array(9).fill(NaN);
    assert.equal(route(a, b, { rows: 3, columns: 3, depth: 2, out }), out);
    assert.deepEqual(out, want);
  }
  assert.throws(
    () => dotRows(a, b, { rows: 3, columns: 3, depth: 2, out: new Float64Array(8) }),
    /out must hold 3 x 3/,
  );
});
