/**
 * Row-major float matrices: the data type of every numeric estimator, a
 * growable pool of rows for the Accumulate workflows, and the row-dot products
 * behind every Gram and scatter matrix (plain Float64Array loops or the native
 * kernels: at these sizes they beat tfjs). Factorizations are in linalg.ts.
 *
 * @module
 */

import { type NativeKernels, nativeKernels } from "./native/mod.ts";
import { Scratch } from "./scratch.ts";

/**
 * MatrixPool.select calls the native copy (it prefetches rows ahead, where a large pool's rows miss the cache) for
 * rows of at least this many values, and selections of at least NATIVE_SELECT_FROM values; shorter rows come from
 * a small pool and copy faster in the TypeScript loop than through the call.
 */
const NATIVE_SELECT_COLS = 8, NATIVE_SELECT_FROM = 1024;
/** ... and from a pool of at least this many values whatever its rows' length: a pool beyond the caches (prefetched). */
const NATIVE_SELECT_POOL = 1 << 18;
/** columnMeans sums in C from this many values in rows of at least 4 (narrower columns are one latency-bound chain each there). */
const NATIVE_COLUMN_SUMS_FROM = 1024;

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
 * A growable pool of rows: the matrix data type's `DataPool` (see
 * `lib/models/estimator.ts`). It keeps the appended matrices themselves (an
 * appended matrix must not be changed afterwards: the workflows append fresh
 * samples), so appending copies nothing; a selection copies the rows it
 * names, and the whole pool is laid out in one buffer only when asked for
 * ({@linkcode all}), incrementally. An Accumulate-Subsample pool of 1e5 rows
 * of 100 values is then never copied as it grows.
 */
export class MatrixPool {
  #cols = 0;
  #size = 0;
  #parts: Matrix[] = [];
  /** The first row of each part. */
  #starts = new Int32Array(16);
  /** Rows per part when every part but the last has that many (else 0). */
  #uniform = 0;
  #flat = new Float64Array(0);
  #flatRows = 0;
  /** The native select's table of the first `#addressed` parts' addresses. */
  #addressTable = new BigUint64Array(0);
  #addressed = 0;

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
    if (part.rows === 0) return;
    const last = this.#parts.at(-1);
    if (this.#parts.length === 0) this.#uniform = part.rows;
    else if (last!.rows !== this.#uniform) this.#uniform = 0;
    this.#parts.push(part);
    this.#starts = withRoom(this.#starts, this.#parts.length);
    this.#starts[this.#parts.length - 1] = this.#size;
    this.#size += part.rows;
  }

  select(indices: Int32Array): Matrix {
    const cols = this.#cols, parts = this.#parts, starts = this.#starts, uniform = this.#uniform;
    const out = new Float64Array(indices.length * cols);
    const large = cols >= NATIVE_SELECT_COLS || this.#size * cols >= NATIVE_SELECT_POOL;
    const native = large && indices.length * cols >= NATIVE_SELECT_FROM ? nativeKernels() : undefined;
    if (native) {
      const bad = native.gatherRows(this.#addresses(native), {
        starts,
        count: parts.length,
        uniform,
        size: this.#size,
        cols,
        indices,
        out,
      });
      if (bad >= 0) throw new RangeError(`row ${indices[bad]} is outside the pool of ${this.#size}`);
      return matrix(indices.length, cols, out);
    }
    for (let i = 0; i < indices.length; i++) {
      const row = indices[i];
      if (!(row >= 0 && row < this.#size)) {
        throw new RangeError(`row ${row} is outside the pool of ${this.#size}`);
      }
      let p: number;
      if (uniform > 0) p = Math.min(Math.floor(row / uniform), parts.length - 1);
      else {
        let lo = 0, hi = parts.length - 1; // the last part starting at or before row
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (starts[mid] <= row) lo = mid;
          else hi = mid - 1;
        }
        p = lo;
      }
      const data = parts[p].data, from = (row - starts[p]) * cols, to = i * cols;
      if (cols >= 16) out.set(data.subarray(from, from + cols), to);
      else for (let j = 0; j < cols; j++) out[to + j] = data[from + j];
    }
    return matrix(indices.length, cols, out);
  }

  /** The parts' addresses for the native select, extended to new parts. */
  #addresses(native: NativeKernels): BigUint64Array {
    const parts = this.#parts;
    this.#addressTable = withRoom(this.#addressTable, parts.length);
    for (let p = this.#addressed; p < parts.length; p++) this.#addressTable[p] = native.address(parts[p].data);
    this.#addressed = parts.length;
    return this.#addressTable;
  }

  all(): Matrix {
    const cols = this.#cols;
    if (this.#flatRows < this.#size) {
      const needed = this.#size * cols;
      if (needed > this.#flat.length) {
        const grown = new Float64Array(Math.max(needed, 2 * this.#flat.length));
        grown.set(this.#flat.subarray(0, this.#flatRows * cols));
        this.#flat = grown;
      }
      // Parts not yet laid out: those starting at or after flatRows (parts are never split).
      for (let p = this.#parts.length - 1; p >= 0 && this.#starts[p] >= this.#flatRows; p--) {
        this.#flat.set(this.#parts[p].data, this.#starts[p] * cols);
      }
      this.#flatRows = this.#size;
    }
    return matrix(this.#size, cols, this.#flat.subarray(0, this.#size * cols));
  }
}

/** `array` if it holds `length` values, else a copy at least twice as long (the rest zero). */
function withRoom<A extends Int32Array | BigUint64Array>(array: A, length: number): A {
  if (array.length >= length) return array;
  const grown = new (array.constructor as new (length: number) => A)(Math.max(length, 2 * array.length, 16));
  (grown as { set(values: A): void }).set(array);
  return grown;
}

/** The rows of `parts`, stacked in order. */
export function stackRows(parts: readonly Matrix[]): Matrix {
  const pool = new MatrixPool();
  for (const part of parts) pool.append(part);
  return pool.all();
}

/** Column means of `x`. */
export function columnMeans(x: Matrix): Float64Array {
  const { rows, cols, data } = x;
  const mean = new Float64Array(cols);
  // The same sums in C for all but small matrices (the loop below's order: the same bits).
  const native = cols >= 4 && rows * cols >= NATIVE_COLUMN_SUMS_FROM ? nativeKernels() : undefined;
  if (native) {
    native.columnSums(data, { rows, out: mean });
    for (let j = 0; j < cols; j++) mean[j] /= rows;
    return mean;
  }
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
  /** Where to write C (rows x columns values; default a new array): a temporary's reused buffer. */
  out?: Float64Array;
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
  if (options.out && options.out.length !== rows * columns) {
    throw new RangeError(`dotRows: out must hold ${rows} x ${columns} values, got ${options.out.length}`);
  }
  const native = nativeKernels();
  if (!native) return dotRowsTypeScript(a, b, options);
  const out = options.out ?? new Float64Array(rows * columns);
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
  const c = options.out ?? new Float64Array(rows * columns);
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

const columnsScratch = new Scratch(), weightedScratch = new Scratch();

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
  // The centred (and weighted) columns are temporaries of the product: reused buffers where the product is native
  // (a fresh one of 1e5 values costs a calloc and its page faults every fit).
  const native = rows > 0 && d > 0 ? nativeKernels() : undefined;
  if (native) {
    const columns = columnsScratch.doubles(d * rows);
    const weighted = weights ? weightedScratch.doubles(d * rows) : columns;
    native.centredColumns(data, { dim: d, centre: center, weights, columns, weighted });
    return dotRows(weighted, columns, { rows: d, columns: d, depth: rows, symmetric: true });
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
