import assert from "node:assert/strict";
import { leastSquares } from "../numerics/least_squares.ts";
import { matrix } from "../numerics/matrix.ts";
import { nativeKernels } from "../numerics/native/mod.ts";
import { Rng } from "../numerics/rng.ts";
import { assertClose, randomMatrix } from "../numerics/_test_utils.ts";
import {
  designXty,
  drawnColumns,
  type DrawnColumnsOptions,
  drawnColumnsTypeScript,
  fitRowTotals,
  rowTotals,
} from "./design_fit.ts";

/** Rows drawn with repeats from a design of n rows, their labels, and the same as one plain matrix [x, y]. */
function drawnRows(n: number, d: number, draws: number, seed: number) {
  const rng = new Rng(seed, "design-fit-test");
  const design = randomMatrix(n, d, rng);
  const rows = Int32Array.from({ length: draws }, () => rng.int(n));
  const labels = rng.fillNormal(new Float64Array(draws));
  const plain = matrix(draws, d + 1);
  for (let r = 0; r < draws; r++) {
    plain.data.set(design.data.subarray(rows[r] * d, (rows[r] + 1) * d), r * (d + 1));
    plain.data[r * (d + 1) + d] = labels[r];
  }
  return { design, rows, labels, plain };
}

Deno.test("row totals count each design row's draws and sum its labels", () => {
  const counts = new Float64Array(3), labelSums = new Float64Array(3);
  rowTotals({ labels: Float64Array.of(1, 2, 4, 8), rows: Int32Array.of(2, 0, 2, 2) }, { counts, labelSums });
  assert.deepEqual([...counts], [1, 0, 3]);
  assert.deepEqual([...labelSums], [2, 0, 13]);
});

Deno.test("a fit from row totals is the least-squares fit of the drawn rows, repeats and all", () => {
  // Full rank (40 draws of 25 rows in 6 dimensions) and rank deficient (4 draws in 6 dimensions: the minimum norm).
  for (const [n, d, draws] of [[25, 6, 40], [25, 6, 4]]) {
    const { design, rows, labels, plain } = drawnRows(n, d, draws, n + draws);
    const counts = new Float64Array(n), labelSums = new Float64Array(n);
    rowTotals({ labels, rows }, { counts, labelSums });
    assertClose(fitRowTotals(design, { counts, labelSums }), leastSquares(plain), 1e-9);
  }
});

Deno.test("the drawn rows' operands: the native kernel gives the TypeScript loop's bits", () => {
  const native = nativeKernels();
  if (!native) {
    console.log("native kernels unavailable: the TypeScript loop is the only route");
    return;
  }
  const { design, rows, labels } = drawnRows(50, 7, 80, 3);
  const n = 50, d = 7;
  const counts = new Float64Array(n), labelSums = new Float64Array(n);
  rowTotals({ labels, rows }, { counts, labelSums });
  const drawn = Int32Array.from([...counts.keys()].filter((row) => counts[row] > 0));
  const t = new Float64Array(n * d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) t[j * n + r] = design.data[r * d + j];
  const operands = (): DrawnColumnsOptions => {
    const k = drawn.length;
    return {
      rows: n,
      dim: d,
      drawn,
      counts,
      labelSums,
      columns: new Float64Array(d * k),
      weighted: new Float64Array(d * k),
      xty: new Float64Array(d),
    };
  };
  const got = operands(), want = operands();
  drawnColumns(t, got);
  drawnColumnsTypeScript(t, want);
  assert.deepEqual([got.columns, got.weighted, got.xty], [want.columns, want.weighted, want.xty]);
  assert.throws(
    () => native.drawnColumns(t, { ...operands(), drawn: drawn.map((row, i) => i === 1 ? n : row) }),
    /row 50 is outside 50/,
  );
});

Deno.test("X0^T y is the design's columns dotted with the labels", () => {
  const design = matrix(3, 2, Float64Array.of(1, 2, 3, 4, 5, 6));
  assert.deepEqual([...designXty(design, Float64Array.of(1, 0, -1))], [-4, -4]);
});
