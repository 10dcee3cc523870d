/**
 * Least squares on a fixed design (the linear-regression experiment's fits,
 * linear_regression.ts): from labels on every design row in order (X0^T y,
 * for the design's factorization), or from per-row totals of rows drawn with
 * repeats (each distinct row weighted by its count). Temporaries live in
 * reused buffers: a fresh typed array costs a calloc in Deno.
 *
 * @module
 */

import { MinimumNormSolver } from "../numerics/least_squares.ts";
import { dotRows, type Matrix, scatterMatrix } from "../numerics/matrix.ts";
import { nativeKernels } from "../numerics/native/mod.ts";
import { Scratch } from "../numerics/scratch.ts";

/** Per-row totals of a label set: how many times each design row occurs, and the sum of its labels. */
export interface RowTotals {
  counts: Float64Array;
  labelSums: Float64Array;
}

const scratch = new Scratch(), gramScratch = new Scratch(), xtyScratch = new Scratch(), formScratch = new Scratch();

const transposes = new WeakMap<Matrix, Float64Array>();

/** The design transposed (d x n, one feature per row), computed once per design. */
function designTranspose(design: Matrix): Float64Array {
  let t = transposes.get(design);
  if (!t) {
    const { rows: n, cols: d, data: x } = design;
    t = new Float64Array(n * d);
    for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) t[j * n + r] = x[r * d + j];
    transposes.set(design, t);
  }
  return t;
}

/** Per design row: how many times it occurs in `set`, and the sum of its labels. */
export function rowTotals(set: { labels: Float64Array; rows?: Int32Array }, totals: RowTotals): void {
  const { labels, rows } = set;
  const { counts, labelSums } = totals;
  for (let r = 0; r < labels.length; r++) {
    const row = rows ? rows[r] : r;
    counts[row]++;
    labelSums[row] += labels[r];
  }
}

/**
 * Least squares on design rows drawn with repeats, from per-row totals: the
 * Gram matrix is sum_i c_i x_i x_i^T over the distinct rows i drawn c_i times
 * (about 63% of n distinct rows once an Accumulate-Subsample pool is large)
 * and X^T y = sum_i x_i (sum of row i's labels).
 */
export function fitRowTotals(design: Matrix, totals: RowTotals): Float64Array {
  const { rows: n, cols: d } = design;
  const { counts, labelSums } = totals;
  const drawn = scratch.ints(n);
  let k = 0;
  for (let row = 0; row < n; row++) if (counts[row] > 0) drawn[k++] = row;
  // The drawn rows as columns (d x k), plain and weighted by their counts; the Gram is their row-dot products.
  // Both are temporaries of the product: reused buffers.
  const t = designTranspose(design);
  const both = scratch.doubles(2 * d * k);
  const columns = both.subarray(0, d * k), weighted = both.subarray(d * k);
  const xty = new Float64Array(d);
  drawnColumns(t, { rows: n, dim: d, drawn: drawn.subarray(0, k), counts, labelSums, columns, weighted, xty });
  // The Gram is a temporary too, factored in place in a reused buffer.
  const gram = dotRows(weighted, columns, {
    rows: d,
    columns: d,
    depth: k,
    symmetric: true,
    out: gramScratch.doubles(d * d),
  });
  return new MinimumNormSolver(gram, d, { overwrite: true }).solve(xty);
}

/** Options of {@linkcode drawnColumns}: the drawn rows, their totals, and the outputs. */
export interface DrawnColumnsOptions extends RowTotals {
  /** Rows n of the design. */
  rows: number;
  /** Its columns d. */
  dim: number;
  /** The distinct drawn rows, k of them. */
  drawn: Int32Array;
  /** The drawn rows as columns (d x k). */
  columns: Float64Array;
  /** The same, each times its row's count. */
  weighted: Float64Array;
  /** sum_i t[j][drawn[i]] labelSums[drawn[i]] (length d). */
  xty: Float64Array;
}

/**
 * The operands of a fit on drawn rows, from the transposed design `t` (d x n):
 * in C where the native kernels are built, else {@linkcode drawnColumnsTypeScript}
 * (the same operations in the same order: the same bits).
 */
export function drawnColumns(t: Float64Array, options: DrawnColumnsOptions): void {
  const native = nativeKernels();
  if (native) native.drawnColumns(t, options);
  else drawnColumnsTypeScript(t, options);
}

/** {@linkcode drawnColumns} in TypeScript: the fallback without a C compiler, and the tests' reference. */
export function drawnColumnsTypeScript(t: Float64Array, options: DrawnColumnsOptions): void {
  const { rows: n, dim: d, drawn, counts, labelSums, columns, weighted, xty } = options;
  const k = drawn.length;
  for (let j = 0; j < d; j++) {
    const from = j * n, to = j * k;
    let sum = 0;
    for (let i = 0; i < k; i++) {
      const row = drawn[i], v = t[from + row];
      columns[to + i] = v;
      weighted[to + i] = v * counts[row];
      sum += v * labelSums[row];
    }
    xty[j] = sum;
  }
}

/** X0^T y for labels on the design's rows in order, in a buffer reused by the next call (a temporary). */
export function designXty(design: Matrix, labels: Float64Array): Float64Array {
  const out = xtyScratch.doubles(design.cols);
  return dotRows(designTranspose(design), labels, { rows: design.cols, columns: 1, depth: design.rows, out });
}

/** X0^T X0 of a design matrix (n x d). */
export function designGram(design: Matrix): Float64Array {
  return scatterMatrix(design, new Float64Array(design.cols));
}

/** e^T A e for a symmetric row-major A. */
export function quadraticForm(a: Float64Array, e: Float64Array): number {
  const d = e.length;
  const ae = dotRows(a, e, { rows: d, columns: 1, depth: d, out: formScratch.doubles(d) });
  let sum = 0;
  for (let i = 0; i < d; i++) sum += e[i] * ae[i];
  return sum;
}
