/**
 * Row-major float matrices: the data type of every numeric estimator, a
 * growable pool of rows for the Accumulate workflows, and the small dense linear algebra
 * the estimators need (plain Float64Array loops: at these sizes they beat tfjs).
 *
 * @module
 */

import { nativeKernels } from "./native/mod.ts";

/** A dense row-major matrix of `rows` x `cols` doubles. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** Wraps `data` (row-major) as a matrix, checking the shape. */
export function matrix(
  rows: number,
  cols: number,
  data?: Float64Array,
): Matrix {
  if (
    !Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 1
  ) {
    throw new RangeError(
      `matrix shape must be rows >= 0, cols >= 1 integers, got ${rows} x ${cols}`,
    );
  }
  const values = data ?? new Float64Array(rows * cols);
  if (values.length !== rows * cols) {
    throw new RangeError(
      `matrix data has ${values.length} values, expected ${rows} x ${cols}`,
    );
  }
  return { rows, cols, data: values };
}

/** A matrix from an array of equal-length rows. */
export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  if (rows.length === 0) {
    throw new RangeError("fromRows needs at least one row");
  }
  const cols = rows[0].length;
  const out = matrix(rows.length, cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) {
      throw new RangeError(
        `row ${i} has ${row.length} values, expected ${cols}`,
      );
    }
    out.data.set(row, i * cols);
  });
  return out;
}

/**
 * A growable pool of rows: appends are amortized O(rows added). It is the
 * matrix data type's `DataPool` (see `lib/models/estimator.ts`).
 */
export class MatrixPool {
  #cols = 0;
  #size = 0;
  #buffer = new Float64Array(0);

  get size(): number {
    return this.#size;
  }

  append(part: Matrix): void {
    if (this.#size === 0 && this.#cols === 0) this.#cols = part.cols;
    if (part.cols !== this.#cols) {
      throw new RangeError(
        `pool has ${this.#cols} columns, appended rows have ${part.cols}`,
      );
    }
    const needed = (this.#size + part.rows) * this.#cols;
    if (needed > this.#buffer.length) {
      const grown = new Float64Array(Math.max(needed, 2 * this.#buffer.length));
      grown.set(this.#buffer.subarray(0, this.#size * this.#cols));
      this.#buffer = grown;
    }
    this.#buffer.set(part.data, this.#size * this.#cols);
    this.#size += part.rows;
  }

  select(indices: Int32Array): Matrix {
    const cols = this.#cols;
    const out = new Float64Array(indices.length * cols);
    for (let i = 0; i < indices.length; i++) {
      const row = indices[i];
      if (row < 0 || row >= this.#size) {
        throw new RangeError(`row ${row} is outside the pool of ${this.#size}`);
      }
      out.set(this.#buffer.subarray(row * cols, (row + 1) * cols), i * cols);
    }
    return matrix(indices.length, cols, out);
  }

  all(): Matrix {
    return matrix(
      this.#size,
      this.#cols,
      this.#buffer.subarray(0, this.#size * this.#cols),
    );
  }
}

/** Column means of `x`. */
export function columnMeans(x: Matrix): Float64Array {
  const { rows, cols, data } = x;
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    for (let j = 0; j < cols; j++) mean[j] += data[offset + j];
  }
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  return mean;
}

/** Options of {@linkcode dotRows}. */
export interface DotRowsOptions {
  /** Rows of A (A is rows x depth, row-major). */
  rows: number;
  /** Rows of B (B is columns x depth, row-major): the columns of the result. */
  columns: number;
  /** The length of every row of A and B. */
  depth: number;
  /** The result is known to be symmetric (A = B, or A = B scaled per column): compute half, mirror the rest. */
  symmetric?: boolean;
}

/**
 * C = A B^T (rows x columns, row-major): every row of A dotted with every
 * row of B. The kernel of every Gram matrix, scatter and Gaussian sample:
 * native (lib/native) where it can be built, else {@linkcode dotRowsTypeScript}.
 */
export function dotRows(a: Float64Array, b: Float64Array, options: DotRowsOptions): Float64Array {
  const { rows, columns, depth, symmetric = false } = options;
  if (symmetric && rows !== columns) throw new RangeError("dotRows: a symmetric result must be square");
  if (a.length !== rows * depth || b.length !== columns * depth) {
    throw new RangeError(
      `dotRows: A must hold ${rows} x ${depth} and B ${columns} x ${depth} values, got ${a.length} and ${b.length}`,
    );
  }
  const native = nativeKernels();
  if (!native) return dotRowsTypeScript(a, b, options);
  const out = new Float64Array(rows * columns);
  native.dotRows(a, b, { out, rows, columns, depth, symmetric });
  return out;
}

/**
 * {@linkcode dotRows} in plain loops: four dot products at a time share each
 * load of the row of A, and two partial sums per product hide the latency of
 * the additions. The fallback without a C compiler, and the tests' reference.
 */
export function dotRowsTypeScript(a: Float64Array, b: Float64Array, options: DotRowsOptions): Float64Array {
  const { rows, columns, depth: k, symmetric = false } = options;
  const c = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i++) {
    const ai = i * k;
    let j = symmetric ? i : 0;
    for (; j + 4 <= columns; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let p = 0; p < k; p++) {
        const v = a[ai + p];
        s0 += v * b[b0 + p];
        s1 += v * b[b1 + p];
        s2 += v * b[b2 + p];
        s3 += v * b[b3 + p];
      }
      c[i * columns + j] = s0;
      c[i * columns + j + 1] = s1;
      c[i * columns + j + 2] = s2;
      c[i * columns + j + 3] = s3;
    }
    for (; j < columns; j++) {
      let even = 0, odd = 0, p = 0;
      for (; p + 1 < k; p += 2) {
        even += a[ai + p] * b[j * k + p];
        odd += a[ai + p + 1] * b[j * k + p + 1];
      }
      if (p < k) even += a[ai + p] * b[j * k + p];
      c[i * columns + j] = even + odd;
    }
  }
  if (symmetric) {
    for (let i = 1; i < rows; i++) for (let j = 0; j < i; j++) c[i * columns + j] = c[j * columns + i];
  }
  return c;
}

/** Options of {@linkcode scatterMatrix}. */
export interface ScatterMatrixOptions {
  /** A weight per row (e.g. how many times the row was drawn); default 1 each. */
  weights?: Float64Array;
}

/**
 * The scatter matrix sum_r w_r (x_r - center)(x_r - center)^T (cols x cols,
 * full symmetric): with a zero center and unit weights, the Gram matrix X^T X.
 * The centred data are transposed so that every entry is a dot product of two
 * contiguous columns ({@linkcode dotRows}).
 */
export function scatterMatrix(x: Matrix, center: Float64Array, options: ScatterMatrixOptions = {}): Float64Array {
  const { rows, cols: d, data } = x;
  const { weights } = options;
  if (center.length !== d) throw new RangeError(`center has ${center.length} values, expected ${d}`);
  if (weights && weights.length !== rows) {
    throw new RangeError(`weights has ${weights.length} values, expected one per row (${rows})`);
  }
  const columns = new Float64Array(d * rows);
  for (let r = 0; r < rows; r++) {
    const offset = r * d;
    for (let j = 0; j < d; j++) columns[j * rows + r] = data[offset + j] - center[j];
  }
  let weighted = columns;
  if (weights) {
    weighted = new Float64Array(d * rows);
    for (let j = 0; j < d; j++) {
      const offset = j * rows;
      for (let r = 0; r < rows; r++) weighted[offset + r] = columns[offset + r] * weights[r];
    }
  }
  return dotRows(weighted, columns, { rows: d, columns: d, depth: rows, symmetric: true });
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
  const work = Float64Array.from(a);
  const perm = Int32Array.from({ length: dim }, (_, i) => i);
  let maxDiagonal = 0;
  for (let i = 0; i < dim; i++) {
    maxDiagonal = Math.max(maxDiagonal, work[i * dim + i]);
  }
  const tolerance = (options.relativeTolerance ?? dim * Number.EPSILON) * maxDiagonal;
  const l = new Float64Array(dim * dim); // row-major, in pivoted order
  let rank = 0;
  let logDeterminant = 0;
  for (let k = 0; k < dim; k++) {
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
  // Un-permute rows: A[p_i, p_j] = (L L^T)_{ij}, so row p_i of B is row i of L.
  const factor = new Float64Array(dim * rank);
  const pivotedFactor = new Float64Array(dim * rank);
  const nonZeros = new Int32Array(dim);
  for (let i = 0; i < dim; i++) {
    const count = Math.min(i + 1, rank);
    for (let m = 0; m < count; m++) {
      factor[perm[i] * rank + m] = l[i * dim + m];
      pivotedFactor[i * rank + m] = l[i * dim + m];
    }
    nonZeros[perm[i]] = count;
  }
  return {
    dim,
    rank,
    factor,
    nonZeros,
    permutation: perm,
    pivotedFactor,
    logDeterminant: rank === dim ? logDeterminant : -Infinity,
  };
}
