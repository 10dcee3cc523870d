import assert from "node:assert/strict";
import { pivotedCholesky } from "./linalg.ts";
import { assertClose } from "./_test_utils.ts";

function productWithTranspose(
  b: Float64Array,
  dim: number,
  rank: number,
): Float64Array {
  const out = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) {
      for (let m = 0; m < rank; m++) {
        out[i * dim + j] += b[i * rank + m] * b[j * rank + m];
      }
    }
  }
  return out;
}

Deno.test("pivoted Cholesky factors a positive definite matrix and its log determinant", () => {
  const a = new Float64Array([4, 2, 0.4, 2, 5, 1, 0.4, 1, 3]);
  const f = pivotedCholesky(a, 3);
  assert.equal(f.rank, 3);
  assertClose(productWithTranspose(f.factor, 3, f.rank), a, 1e-12);
  // det by cofactors: 4(15-1) - 2(6-0.4) + 0.4(2-2) = 44.8
  assert(Math.abs(f.logDeterminant - Math.log(44.8)) < 1e-12);
});

Deno.test("pivoted Cholesky factors a singular matrix exactly at its rank", () => {
  // A = v v^T + w w^T in 4 dimensions: rank 2.
  const v = [1, 2, 0, -1], w = [0, 1, 3, 1];
  const a = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) a[i * 4 + j] = v[i] * v[j] + w[i] * w[j];
  }
  const f = pivotedCholesky(a, 4);
  assert.equal(f.rank, 2);
  assert.equal(f.logDeterminant, -Infinity);
  assertClose(productWithTranspose(f.factor, 4, f.rank), a, 1e-12);
  assert(f.factor.every(Number.isFinite));
});

Deno.test("the zero matrix has rank 0 and a finite empty factor", () => {
  const f = pivotedCholesky(new Float64Array(9), 3);
  assert.equal(f.rank, 0);
  assert.equal(f.factor.length, 0);
});

Deno.test("pivoted Cholesky in place (a temporary overwritten) gives the factor of a copy", () => {
  // 12 dimensions: the native loop's size where the kernels load, the TypeScript loop's below it.
  for (const dim of [3, 12]) {
    const a = new Float64Array(dim * dim);
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) a[i * dim + j] = 1 / (1 + Math.abs(i - j)) + (i === j ? dim : 0);
    }
    const copy = pivotedCholesky(a, dim);
    const inPlace = pivotedCholesky(a.slice(), dim, { overwrite: true });
    assert.deepEqual(inPlace, copy);
  }
});
