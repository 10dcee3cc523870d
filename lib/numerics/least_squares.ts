/**
 * Minimum-norm least squares: the pseudo-inverse's solution of X w ~ y, also
 * for rank-deficient and wide designs, through the normal equations and the
 * pivoted Cholesky of linalg.ts.
 *
 * @module
 */

import { cholesky, choleskySolve, pivotedCholesky } from "./linalg.ts";
import { type Matrix, scatterMatrix } from "./matrix.ts";
import { nativeKernels } from "./native/mod.ts";
import { Scratch } from "./scratch.ts";

const cScratch = new Scratch(), uScratch = new Scratch(), vScratch = new Scratch();

/** Options of {@linkcode MinimumNormSolver}. */
export interface MinimumNormSolverOptions {
  /**
   * A pivot (remaining diagonal of the Gram matrix) at or below this fraction
   * of the largest diagonal counts as zero. Default 1e-10: directions whose
   * singular value in X is below 1e-5 of the largest are dropped, as a
   * pseudo-inverse with that cutoff would. A Gram matrix carries rounding
   * errors near 1e-16 times its scale, so smaller cutoffs cannot be resolved.
   */
  relativeTolerance?: number;
  /** The Gram matrix is a temporary: factored in place (its values are overwritten). Default false. */
  overwrite?: boolean;
}

/**
 * Minimum-norm solutions of G w = b for a symmetric positive semi-definite G
 * (a Gram matrix X^T X), i.e. w = G^+ b, which for b = X^T y is the
 * pseudo-inverse's least-squares fit X^+ y.
 *
 * Method: Cholesky with complete pivoting, P^T G P = L L^T with L of the
 * numerical rank r (d x r). At full rank, two triangular solves. When r < d,
 * G^+ = P L (L^T L)^{-2} L^T P^T (from the thin SVD of L), with L^T L (r x r,
 * well conditioned when the retained pivots are) factored by a plain Cholesky.
 * O(d^3 / 3) to factor, O(d r) per solve.
 */
export class MinimumNormSolver {
  /** The dimension d of G. */
  readonly dim: number;
  /** The numerical rank of G. */
  readonly rank: number;
  #perm: Int32Array;
  #l: Float64Array; // d x r row-major, rows in pivoted order
  #m: Float64Array | undefined; // Cholesky factor (r x r, lower) of L^T L when r < d

  /** Factors `gram` (row-major dim x dim, symmetric positive semi-definite). */
  constructor(gram: Float64Array, dim: number, options: MinimumNormSolverOptions = {}) {
    if (!Number.isInteger(dim) || dim < 1 || gram.length !== dim * dim) {
      throw new RangeError(
        `expected a ${dim} x ${dim} Gram matrix, got ${gram.length} values`,
      );
    }
    const { rank, permutation: perm, pivotedFactor: l } = pivotedCholesky(gram, dim, {
      relativeTolerance: options.relativeTolerance ?? 1e-10,
      overwrite: options.overwrite,
    });
    this.dim = dim;
    this.rank = rank;
    this.#perm = perm;
    this.#l = l;
    if (rank < dim && rank > 0) {
      const gramL = new Float64Array(rank * rank);
      const native = rank >= 8 ? nativeKernels() : undefined;
      if (native) native.gramOfColumns(l, { dim, rank, out: gramL }); // the same sums in C
      else {
        for (let i = 0; i < rank; i++) {
          for (let j = 0; j <= i; j++) {
            let sum = 0;
            for (let p = 0; p < dim; p++) sum += l[p * rank + i] * l[p * rank + j];
            gramL[i * rank + j] = sum;
            gramL[j * rank + i] = sum;
          }
        }
      }
      const factor = cholesky(gramL, rank);
      if (!factor) throw new RangeError("L^T L of the retained pivots is not positive definite");
      this.#m = factor;
    }
  }

  /** The minimum-norm solution w = G^+ b. */
  solve(rhs: Float64Array): Float64Array {
    const { dim, rank } = this;
    if (rhs.length !== dim) {
      throw new RangeError(`right-hand side has ${rhs.length} values, expected ${dim}`);
    }
    const perm = this.#perm, l = this.#l;
    const out = new Float64Array(dim);
    if (rank === 0) return out;
    // c, u and v are temporaries of the solve: reused buffers.
    const c = cScratch.doubles(dim);
    for (let i = 0; i < dim; i++) c[i] = rhs[perm[i]];
    let u: Float64Array;
    if (rank === dim) {
      // L L^T u = c: forward then backward substitution.
      u = c;
      for (let i = 0; i < dim; i++) {
        let sum = u[i];
        for (let m = 0; m < i; m++) sum -= l[i * dim + m] * u[m];
        u[i] = sum / l[i * dim + i];
      }
      for (let i = dim - 1; i >= 0; i--) {
        let sum = u[i];
        for (let m = i + 1; m < dim; m++) sum -= l[m * dim + i] * u[m];
        u[i] = sum / l[i * dim + i];
      }
    } else {
      // u = L (L^T L)^{-2} L^T c.
      const v = vScratch.doubles(rank).fill(0);
      for (let p = 0; p < dim; p++) {
        for (let m = 0; m < rank; m++) v[m] += l[p * rank + m] * c[p];
      }
      const m = this.#m!;
      choleskySolve(m, rank, v);
      choleskySolve(m, rank, v);
      u = uScratch.doubles(dim);
      for (let p = 0; p < dim; p++) {
        let sum = 0;
        for (let q = 0; q < rank; q++) sum += l[p * rank + q] * v[q];
        u[p] = sum;
      }
    }
    for (let i = 0; i < dim; i++) out[perm[i]] = u[i];
    return out;
  }
}

/** The Gram matrix X^T X and X^T y of rows [x, y] (data has d + 1 columns). */
export function normalEquations(data: Matrix): { gram: Float64Array; xty: Float64Array } {
  const d = data.cols - 1;
  if (d < 1) throw new RangeError("data needs at least one feature column and a label column");
  const full = scatterMatrix(data, new Float64Array(d + 1));
  const gram = new Float64Array(d * d);
  const xty = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    gram.set(full.subarray(i * (d + 1), i * (d + 1) + d), i * d);
    xty[i] = full[i * (d + 1) + d];
  }
  return { gram, xty };
}

/**
 * The minimum-norm least-squares fit X^+ y of rows [x_1 .. x_d, y]: the
 * pseudo-inverse's solution, also when X is rank deficient (e.g. n <= d).
 */
export function leastSquares(data: Matrix, options: MinimumNormSolverOptions = {}): Float64Array {
  if (data.rows < 1) throw new RangeError("leastSquares needs at least one data point");
  const { gram, xty } = normalEquations(data);
  return new MinimumNormSolver(gram, data.cols - 1, options).solve(xty);
}
