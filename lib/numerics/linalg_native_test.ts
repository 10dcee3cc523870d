// The native plain Cholesky and L^T L give the TypeScript loops' bits (the references below are those loops).
import assert from "node:assert/strict";
import { cholesky } from "./linalg.ts";
import { MinimumNormSolver } from "./least_squares.ts";
import { nativeKernels } from "./native/mod.ts";
import { Rng } from "./rng.ts";

const native = nativeKernels();
const ignore = native === undefined;

function choleskyReference(a: Float64Array, n: number, tolerance: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diagonal = a[j * n + j];
    for (let m = 0; m < j; m++) diagonal -= l[j * n + m] ** 2;
    if (!(diagonal > tolerance)) return undefined;
    const ljj = Math.sqrt(diagonal);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let sum = a[i * n + j];
      for (let m = 0; m < j; m++) sum -= l[i * n + m] * l[j * n + m];
      l[i * n + j] = sum / ljj;
    }
  }
  return l;
}

function spd(n: number, rng: Rng): Float64Array {
  const x = rng.fillNormal(new Float64Array(n * (n + 3))), a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let r = 0; r < n + 3; r++) s += x[r * n + i] * x[r * n + j];
      a[i * n + j] = s;
    }
  }
  return a;
}

Deno.test({
  name: "cholesky in C is the TypeScript loop, bit for bit, and fails where it fails",
  ignore,
  fn() {
    const rng = new Rng(9, "cholesky");
    for (const n of [8, 9, 15, 64, 101]) {
      const a = spd(n, rng);
      assert.deepEqual(cholesky(a, n), choleskyReference(a, n, 0), `n = ${n}`);
      const singular = a.slice();
      for (let i = 0; i < n; i++) singular[i * n + n - 1] = singular[(n - 1) * n + i] = 0;
      assert.equal(cholesky(singular, n), undefined);
      assert.equal(choleskyReference(singular, n, 0), undefined);
    }
  },
});

Deno.test({
  name: "L^T L in C sums each entry as the TypeScript loop does",
  ignore,
  fn() {
    const rng = new Rng(10, "gram");
    for (const [dim, rank] of [[9, 8], [40, 13], [100, 63]]) {
      const l = rng.fillNormal(new Float64Array(dim * rank)), got = new Float64Array(rank * rank);
      native!.gramOfColumns(l, { dim, rank, out: got });
      const expected = new Float64Array(rank * rank);
      for (let i = 0; i < rank; i++) {
        for (let j = 0; j <= i; j++) {
          let sum = 0;
          for (let p = 0; p < dim; p++) sum += l[p * rank + i] * l[p * rank + j];
          expected[i * rank + j] = expected[j * rank + i] = sum;
        }
      }
      assert.deepEqual(got, expected);
    }
    // And through the solver: a rank-deficient Gram matrix (n = 30 rows of 50 features) solves without error.
    const x = rng.fillNormal(new Float64Array(30 * 50)), g = new Float64Array(50 * 50);
    for (let i = 0; i < 50; i++) {
      for (let j = 0; j < 50; j++) for (let r = 0; r < 30; r++) g[i * 50 + j] += x[r * 50 + i] * x[r * 50 + j];
    }
    assert.equal(new MinimumNormSolver(g, 50).rank, 30);
  },
});
