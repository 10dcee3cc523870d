// The native route of the Gaussian's factorization and sampling computes the same bits as the TypeScript loops it
// replaced: those loops are the references below, run against the library on the same inputs and seeds.
import assert from "node:assert/strict";
import { pivotedCholesky } from "../numerics/linalg.ts";
import { dotRows } from "../numerics/matrix.ts";
import { nativeKernels } from "../numerics/native/mod.ts";
import { Rng } from "../numerics/rng.ts";
import { type GaussianModel, sampleGaussian, sampleGaussianSummary } from "./gaussian.ts";

const ignore = nativeKernels() === undefined;

/** linalg.ts's pivoted Cholesky loop in TypeScript: rank, L (pivot order) and the pivots' permutation. */
function choleskyReference(a: Float64Array, dim: number) {
  const work = Float64Array.from(a), perm = Int32Array.from({ length: dim }, (_, i) => i);
  let maxDiagonal = 0;
  for (let i = 0; i < dim; i++) maxDiagonal = Math.max(maxDiagonal, work[i * dim + i]);
  const tolerance = dim * Number.EPSILON * maxDiagonal, l = new Float64Array(dim * dim);
  let rank = 0, logDeterminant = 0;
  for (let k = 0; k < dim; k++) {
    let pivot = k, best = -Infinity;
    for (let i = k; i < dim; i++) {
      const value = work[perm[i] * dim + perm[i]];
      if (value > best) [best, pivot] = [value, i];
    }
    if (!(best > tolerance)) break;
    if (pivot !== k) {
      [perm[k], perm[pivot]] = [perm[pivot], perm[k]];
      for (let m = 0; m < k; m++) [l[k * dim + m], l[pivot * dim + m]] = [l[pivot * dim + m], l[k * dim + m]];
    }
    const pk = perm[k], lkk = Math.sqrt(best);
    l[k * dim + k] = lkk;
    logDeterminant += 2 * Math.log(lkk);
    for (let i = k + 1; i < dim; i++) {
      const pi = perm[i];
      let even = 0, odd = 0, m = 0;
      for (; m + 1 < k; m += 2) {
        even += l[i * dim + m] * l[k * dim + m];
        odd += l[i * dim + m + 1] * l[k * dim + m + 1];
      }
      if (m < k) even += l[i * dim + m] * l[k * dim + m];
      const lik = (work[pi * dim + pk] - (even + odd)) / lkk;
      l[i * dim + k] = lik;
      work[pi * dim + pi] -= lik * lik;
    }
    rank++;
  }
  return { rank, l, perm, logDeterminant };
}

/** A covariance of rank `rank` in `dim` dimensions: (1/n) X^T X for n = rank standard normal rows. */
function covariance(dim: number, rank: number, rng: Rng): Float64Array {
  const x = rng.fillNormal(new Float64Array(rank * dim)), c = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) {
      let s = 0;
      for (let r = 0; r < rank; r++) s += x[r * dim + i] * x[r * dim + j];
      c[i * dim + j] = s / rank;
    }
  }
  return c;
}

const CASES = [[8, 8], [9, 3], [13, 13], [31, 31], [40, 17], [64, 64], [100, 100], [100, 37]];

Deno.test({
  name: "pivotedCholesky in C gives the TypeScript loop's factor, pivots and log-determinant, bit for bit",
  ignore,
  fn() {
    const rng = new Rng(5, "cholesky");
    for (const [dim, rank] of CASES) {
      const a = covariance(dim, rank, rng);
      const got = pivotedCholesky(a, dim), expected = choleskyReference(a, dim);
      assert.equal(got.rank, expected.rank, `${dim} x ${dim} of rank ${rank}`);
      assert.deepEqual(got.permutation, expected.perm);
      assert(Object.is(got.logDeterminant, expected.rank === dim ? expected.logDeterminant : -Infinity));
      for (let i = 0; i < dim; i++) {
        for (let m = 0; m < got.rank; m++) {
          assert(Object.is(got.pivotedFactor[i * got.rank + m], expected.l[i * dim + m]), `L[${i}][${m}]`);
        }
      }
    }
  },
});

/** gaussian.ts's sampleGaussianSummary products in TypeScript, for the draws `a` (k >= r) or `zt` (k < r). */
function summaryProducts(
  factor: { factor: Float64Array; rank: number; nonZeros: Int32Array },
  draws: { dim: number; k: number; a?: Float64Array; zt?: Float64Array },
): Float64Array {
  const { factor: b, rank: r, nonZeros } = factor, { dim: d, k, a, zt } = draws;
  const q = Math.min(k, r), c = new Float64Array(d * q);
  for (let p = 0; p < d; p++) {
    const end = nonZeros[p];
    for (let j = 0; j < q; j++) {
      let sum = 0;
      if (a) { for (let m = j; m < end; m++) sum += b[p * r + m] * a[m * r + j]; }
      else for (let m = 0; m < end; m++) sum += b[p * r + m] * zt![j * r + m];
      c[p * q + j] = sum;
    }
  }
  const scatter = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let sum = 0;
      for (let m = 0; m < q; m++) sum += c[i * q + m] * c[j * q + m];
      scatter[i * d + j] = scatter[j * d + i] = sum;
    }
  }
  return scatter;
}

Deno.test({
  name: "the summary sample's products and a sample's x = B z in C are the TypeScript loops' bits",
  ignore,
  fn() {
    const rng = new Rng(6, "summary");
    for (const [dim, rank] of CASES) {
      const model: GaussianModel = {
        dim,
        mean: rng.fillNormal(new Float64Array(dim)),
        covariance: covariance(dim, rank, rng),
      };
      const factor = pivotedCholesky(model.covariance, dim);
      for (const count of [3, rank, rank + 7, 1000]) {
        // The library's draw, and the same draws replayed into the reference products.
        const got = sampleGaussianSummary(model, count, new Rng(count, "draw"));
        const replay = new Rng(count, "draw"), k = count - 1, r = factor.rank;
        replay.fillNormal(new Float64Array(r)); // the sample mean's normals
        let expected: Float64Array;
        if (k >= r) {
          const a = new Float64Array(r * r);
          for (let i = 0; i < r; i++) {
            a[i * r + i] = Math.sqrt(replay.chiSquare(k - i));
            for (let j = 0; j < i; j++) a[i * r + j] = replay.normal();
          }
          expected = summaryProducts(factor, { dim, k, a });
        } else expected = summaryProducts(factor, { dim, k, zt: replay.fillNormal(new Float64Array(k * r)) });
        assert.deepEqual(got.scatter, expected, `d = ${dim}, rank ${rank}, ${count} points`);
      }
      // x = mean + B z: the trapezoidal product of the pivot-ordered factor against dotRows of the factor.
      const x = sampleGaussian(model, 50, new Rng(1, "points"));
      const z = new Rng(1, "points").fillNormal(new Float64Array(50 * factor.rank));
      const bz = dotRows(z, factor.factor, { rows: 50, columns: dim, depth: factor.rank });
      for (let row = 0; row < 50; row++) for (let i = 0; i < dim; i++) bz[row * dim + i] += model.mean[i];
      assert.deepEqual(x.data, bz, `sample, d = ${dim}, rank ${rank}`);
    }
  },
});
