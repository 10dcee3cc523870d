import assert from "node:assert/strict";
import { leastSquares, MinimumNormSolver } from "./least_squares.ts";
import { fromRows } from "./matrix.ts";
import { Rng } from "./rng.ts";
import { assertClose } from "./_test_utils.ts";

/** Gaussian elimination with partial pivoting: an independent dense solver for tests. */
function gaussSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i][k]) > Math.abs(m[p][k])) p = i;
    [m[k], m[p]] = [m[p], m[k]];
    for (let i = k + 1; i < n; i++) {
      const f = m[i][k] / m[k][k];
      for (let j = k; j <= n; j++) m[i][j] -= f * m[k][j];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = m[i][n];
    for (let j = i + 1; j < n; j++) s -= m[i][j] * x[j];
    x[i] = s / m[i][i];
  }
  return x;
}

function randomRows(rng: Rng, n: number, d: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d + 1 }, () => rng.normal()));
}

Deno.test("leastSquares: a hand-solved overdetermined system", () => {
  // X = [[1,0],[0,1],[1,1]], y = [1,2,4]: X'X = [[2,1],[1,2]], X'y = [5,6],
  // w = (1/3)[[2,-1],[-1,2]] [5,6] = [4/3, 7/3].
  const w = leastSquares(fromRows([[1, 0, 1], [0, 1, 2], [1, 1, 4]]));
  assertClose(w, [4 / 3, 7 / 3], 1e-14);
});

Deno.test("leastSquares: rank-deficient designs give the minimum-norm solution", () => {
  // Two identical columns: every w with w1 + w2 = 1 fits exactly; the shortest is [1/2, 1/2].
  assertClose(leastSquares(fromRows([[1, 1, 1], [2, 2, 2]])), [0.5, 0.5], 1e-14);
  // One row in three dimensions: the minimum-norm solution is x y / |x|^2 = [1, 2, 3].
  assertClose(leastSquares(fromRows([[1, 2, 3, 14]])), [1, 2, 3], 1e-14);
  // The zero design: w = 0.
  assertClose(leastSquares(fromRows([[0, 0, 5]])), [0, 0], 0);
});

Deno.test("leastSquares equals the pseudo-inverse on random full-rank and wide designs", () => {
  const rng = new Rng(11);
  // Tall (n > d): the normal equations' unique solution.
  const tall = randomRows(rng, 30, 6);
  const g = Array.from(
    { length: 6 },
    (_, i) => Array.from({ length: 6 }, (_, j) => tall.reduce((s, r) => s + r[i] * r[j], 0)),
  );
  const xty = Array.from({ length: 6 }, (_, i) => tall.reduce((s, r) => s + r[i] * r[6], 0));
  assertClose(leastSquares(fromRows(tall)), gaussSolve(g, xty), 1e-10);
  // Wide (n < d): X^+ y = X^T (X X^T)^{-1} y.
  const d = 12, n = 5;
  const wide = randomRows(rng, n, d);
  const xxt = wide.map((a) => wide.map((b) => a.slice(0, d).reduce((s, v, j) => s + v * b[j], 0)));
  const z = gaussSolve(xxt, wide.map((r) => r[d]));
  const expected = Array.from({ length: d }, (_, j) => wide.reduce((s, r, i) => s + r[j] * z[i], 0));
  assertClose(leastSquares(fromRows(wide)), expected, 1e-10);
});

Deno.test("MinimumNormSolver reports the rank and solves a singular Gram matrix", () => {
  // G = v v^T with v = [1, 2, 2]: rank 1, G^+ b = v (v.b) / |v|^4.
  const v = [1, 2, 2];
  const gram = Float64Array.from(v.flatMap((a) => v.map((b) => a * b)));
  const solver = new MinimumNormSolver(gram, 3);
  assert.equal(solver.rank, 1);
  const b = Float64Array.from([3, 6, 6]); // = 3 v, in the range
  assertClose(solver.solve(b), v.map((x) => (x * 27) / 81), 1e-14);
  assert.throws(() => new MinimumNormSolver(new Float64Array(3), 2), /2 x 2 Gram matrix/);
});
