/**
 * The project's factorizations of symmetric matrices: a plain Cholesky for
 * positive definite ones and a Cholesky with complete pivoting, which factors
 * positive semi-definite (singular) ones exactly at their numerical rank.
 *
 * @module
 */

import { nativeKernels } from "./native/mod.ts";
import { Scratch } from "./scratch.ts";

/** From this dimension on, pivotedCholesky runs in C (below, the call costs more than the loop). */
const NATIVE_FROM = 8;
/** pivotedCholesky's temporaries (the remaining matrix, the pivots). */
const workScratch = new Scratch(), pivotScratch = new Scratch();

/** Options of {@linkcode cholesky}. */
export interface CholeskyOptions {
  /**
   * A pivot at or below this fraction of the largest diagonal counts as zero
   * (the matrix is then not positive definite). Default 0.
   */
  relativeTolerance?: number;
}

/**
 * Plain Cholesky of a symmetric positive definite matrix: the lower factor L
 * (A = L L^T), row-major; undefined when a pivot is not above the tolerance.
 */
export function cholesky(a: Float64Array, n: number, options: CholeskyOptions = {}): Float64Array | undefined {
  let maxDiagonal = 0;
  for (let i = 0; i < n; i++) maxDiagonal = Math.max(maxDiagonal, a[i * n + i]);
  const tolerance = (options.relativeTolerance ?? 0) * maxDiagonal;
  const l = new Float64Array(n * n);
  const native = n >= NATIVE_FROM ? nativeKernels() : undefined;
  if (native) return native.cholesky(a, { n, tolerance, l }) ? l : undefined; // the same loop in C
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

/** Solves (L L^T) x = b in place, L lower triangular. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let m = 0; m < i; m++) sum -= l[i * n + m] * b[m];
    b[i] = sum / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i];
    for (let m = i + 1; m < n; m++) sum -= l[m * n + i] * b[m];
    b[i] = sum / l[i * n + i];
  }
}

/** A factor B (d x rank, row-major) of a positive semi-definite matrix: A = B B^T. */
export interface PsdFactor {
  readonly dim: number;
  readonly rank: number;
  /** Row-major d x rank; row `i` has non-zeros only in its first `nonZeros[i]` columns. */
  readonly factor: Float64Array;
  readonly nonZeros: Int32Array;
  /** log det A when A is full rank, else -Infinity. */
  readonly logDeterminant: number;
  /** The pivot order: P^T A P = L L^T with P the permutation to these rows. */
  readonly permutation: Int32Array;
  /** L: row-major d x rank, lower trapezoidal, rows in pivot order. */
  readonly pivotedFactor: Float64Array;
}

/** Options of {@linkcode pivotedCholesky}. */
export interface PivotedCholeskyOptions {
  /**
   * Stop when the largest remaining diagonal is at or below this fraction of
   * the largest diagonal of A. Default d * machine epsilon: only exact
   * (rounding-level) rank deficiency.
   */
  relativeTolerance?: number;
  /** A is a temporary: factor it in place (its values are overwritten) instead of a copy. Default false. */
  overwrite?: boolean;
}

/**
 * Cholesky factorization with complete pivoting (as LAPACK's dpstrf), stopping
 * when the largest remaining diagonal is below a relative tolerance. It factors
 * singular covariances exactly (A = B B^T with B of the numerical rank), so
 * Gaussian sampling stays exact and finite when n <= d, where a plain Cholesky
 * would fail and jitter would change the distribution.
 */
export function pivotedCholesky(a: Float64Array, dim: number, options: PivotedCholeskyOptions = {}): PsdFactor {
  if (a.length !== dim * dim) {
    throw new RangeError(
      `expected a ${dim} x ${dim} matrix, got ${a.length} values`,
    );
  }
  // The remaining matrix is a temporary: A itself (overwrite), else a copy in a reused buffer (this runs once per fit).
  const work = options.overwrite ? a : workScratch.doubles(a.length);
  if (work !== a) work.set(a);
  const perm = new Int32Array(dim);
  for (let i = 0; i < dim; i++) perm[i] = i;
  let maxDiagonal = 0;
  for (let i = 0; i < dim; i++) {
    maxDiagonal = Math.max(maxDiagonal, work[i * dim + i]);
  }
  const tolerance = (options.relativeTolerance ?? dim * Number.EPSILON) * maxDiagonal;
  const l = new Float64Array(dim * dim); // row-major, in pivoted order
  let rank = 0;
  let logDeterminant = 0;
  const native = dim >= NATIVE_FROM ? nativeKernels() : undefined;
  if (native) {
    // The same loop in C (the same bits: see psd_pivoted_cholesky in kernels.c); the log-determinant here.
    const pivots = pivotScratch.doubles(dim);
    rank = native.pivotedCholesky(work, { dim, tolerance, l, perm, pivots });
    for (let k = 0; k < rank; k++) logDeterminant += 2 * Math.log(pivots[k]);
  }
  for (let k = native ? dim : 0; k < dim; k++) {
    let pivot = k;
    let best = -Infinity;
    for (let i = k; i < dim; i++) {
      // Remaining diagonal = a_ii - sum_{m<k} l_im^2, kept in `work`.
      const value = work[perm[i] * dim + perm[i]];
      if (value > best) {
        best = value;
        pivot = i;
      }
    }
    if (!(best > tolerance)) break;
    if (pivot !== k) {
      [perm[k], perm[pivot]] = [perm[pivot], perm[k]];
      for (let m = 0; m < k; m++) {
        const t = l[k * dim + m];
        l[k * dim + m] = l[pivot * dim + m];
        l[pivot * dim + m] = t;
      }
    }
    const pk = perm[k];
    const lkk = Math.sqrt(best);
    l[k * dim + k] = lkk;
    logDeterminant += 2 * Math.log(lkk);
    for (let i = k + 1; i < dim; i++) {
      const pi = perm[i];
      const rowI = i * dim, rowK = k * dim;
      // Two partial sums: a single running sum would wait on each addition's latency.
      let even = 0, odd = 0, m = 0;
      for (; m + 1 < k; m += 2) {
        even += l[rowI + m] * l[rowK + m];
        odd += l[rowI + m + 1] * l[rowK + m + 1];
      }
      if (m < k) even += l[rowI + m] * l[rowK + m];
      const lik = (work[pi * dim + pk] - (even + odd)) / lkk;
      l[rowI + k] = lik;
      work[pi * dim + pi] -= lik * lik;
    }
    rank++;
  }
  // L in pivot order: at full rank L itself (d x d, zero above the diagonal), else its first `rank` columns.
  let pivotedFactor = l;
  if (rank < dim) {
    pivotedFactor = new Float64Array(dim * rank);
    for (let i = 0; i < dim; i++) {
      for (let m = 0; m < Math.min(i + 1, rank); m++) pivotedFactor[i * rank + m] = l[i * dim + m];
    }
  }
  // B, rows un-permuted (A[p_i, p_j] = (L L^T)_{ij}, so row p_i of B is row i of L), built when first read: a
  // least-squares solver reads only L.
  let unpermuted: { factor: Float64Array; nonZeros: Int32Array } | undefined;
  const unpermute = (): { factor: Float64Array; nonZeros: Int32Array } => {
    if (unpermuted) return unpermuted;
    const factor = new Float64Array(dim * rank);
    const nonZeros = new Int32Array(dim);
    for (let i = 0; i < dim; i++) {
      const count = Math.min(i + 1, rank);
      for (let m = 0; m < count; m++) factor[perm[i] * rank + m] = pivotedFactor[i * rank + m];
      nonZeros[perm[i]] = count;
    }
    return unpermuted = { factor, nonZeros };
  };
  return {
    dim,
    rank,
    get factor(): Float64Array {
      return unpermute().factor;
    },
    get nonZeros(): Int32Array {
      return unpermute().nonZeros;
    },
    permutation: perm,
    pivotedFactor,
    logDeterminant: rank === dim ? logDeterminant : -Infinity,
  };
}
