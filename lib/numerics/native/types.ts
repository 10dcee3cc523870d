/**
 * The types of the native kernels (mod.ts): what each C function takes and
 * returns, as the TypeScript callers see them. Tested in mod_test.ts.
 *
 * @module
 */

/** kdeMomentsAdd's options: the route's centre, bandwidth and squared radius, the monomials' table, the sums. */
export interface MomentsAddOptions {
  dim: number;
  centre: Float64Array;
  bandwidth: number;
  radius2: number;
  parent: Int32Array;
  axis: Int32Array;
  moments: Float64Array;
  /** Out: 1 for each point off the route, else 0. */
  outlier: Uint8Array;
}

/** The compiled kernels, called on typed arrays. */
export interface NativeKernels {
  /** The compiler and flags the library was built with. */
  readonly build: string;
  /**
   * Adds `count` training points (coordinate-major: coordinate j of point p at
   * `points[j * count + p]`) to the kernel sums `max`/`sum` of the test points
   * `test` (row-major, `max.length` x dim), in place. See kde_add_sums in kernels.c.
   */
  kdeAddSums(
    test: Float64Array,
    options: {
      points: Float64Array;
      count: number;
      dim: number;
      bandwidth: number;
      tophat: boolean;
      max: Float64Array;
      sum: Float64Array;
      /**
       * "off" (default): every term within e^-50 of the running maximum. "reach": a call of more than one block
       * also leaves out the terms below e^-50 of the call's largest. "boxes": as "reach", the same bits, skipping
       * the blocks and groups of points whose bounding box lies past a test point's cutoff (points in spatial order).
       */
      bounds?: "off" | "reach" | "boxes";
    },
  ): void;
  /**
   * Of the points (row-major, `outlier.length` x dim), adds those with |v|^2 <= radius2, v = (y - centre) /
   * bandwidth, to `moments` (per monomial k of the table, the sum of exp(-|v|^2 / 2) times it; monomial k is
   * monomial `parent[k]` times coordinate `axis[k]`, monomial 0 is 1) and flags the others in `outlier` (1);
   * returns their count. See kde_moments.c.
   */
  kdeMomentsAdd(points: Float64Array, options: MomentsAddOptions): number;
  /**
   * scatterMatrix's operands (matrix.ts): `columns` (coordinate-major, dim x rows) = the rows of `x` (row-major)
   * less `centre`, and with `weights`, `weighted` = each column times the row weights.
   */
  centredColumns(
    x: Float64Array,
    options: {
      dim: number;
      centre: Float64Array;
      weights?: Float64Array;
      columns: Float64Array;
      weighted?: Float64Array;
    },
  ): void;
  /**
   * Least squares' operands on drawn design rows (linear_regression.ts's fitRowTotals): of the transposed design
   * `t` (dim x rows), the `drawn` rows as columns (dim x k), the same times each row's count, and
   * `xty` = sum_i t[j][drawn[i]] labelSums[drawn[i]], summed in order.
   */
  drawnColumns(
    t: Float64Array,
    options: {
      rows: number;
      dim: number;
      drawn: Int32Array;
      counts: Float64Array;
      labelSums: Float64Array;
      columns: Float64Array;
      weighted: Float64Array;
      xty: Float64Array;
    },
  ): void;
  /** The address of an array's first value, for {@linkcode gatherRows}' table of parts (valid while it lives). */
  address(values: Float64Array): bigint;
  /**
   * MatrixPool.select (matrix.ts): the pool's rows `indices`, in order, into `out` (indices x cols). The pool is
   * `count` parts: part p at address `parts[p]` holds rows `starts[p]` on (`uniform` rows each but the last, or 0
   * where their sizes differ). Returns -1, or the position of the first index outside [0, size) (then `out` is left
   * as it was).
   */
  gatherRows(
    parts: BigUint64Array,
    options: {
      starts: Int32Array;
      count: number;
      uniform: number;
      size: number;
      cols: number;
      indices: Int32Array;
      out: Float64Array;
    },
  ): number;
  /** C = A B^T into `out` (rows x columns), for row-major A (rows x depth) and B (columns x depth). */
  dotRows(
    a: Float64Array,
    b: Float64Array,
    options: { out: Float64Array; rows: number; columns: number; depth: number; symmetric: boolean },
  ): void;
  /**
   * C[i][perm[j]] = A_i . B_j (rows x columns) for a lower trapezoidal B (row j zero beyond column j), in the bits
   * {@linkcode dotRows} gives the same rows in any order, skipping the zero products; with `offset` (columns
   * values), C[i][c] = A_i . B_j + offset[c], the sum rounded first.
   */
  dotRowsTrapezoid(
    a: Float64Array,
    b: Float64Array,
    options: {
      out: Float64Array;
      rows: number;
      columns: number;
      depth: number;
      permutation: Int32Array;
      offset?: Float64Array;
    },
  ): void;
  /** out[j] = the sum of column j of x (rows x out.length, row-major), rows added in order from +0. */
  columnSums(x: Float64Array, options: { rows: number; out: Float64Array }): void;
  /** least_squares.ts's L^T L (r x r) of L (d x r): each entry summed over d in order, as the TypeScript loop. */
  gramOfColumns(l: Float64Array, options: { dim: number; rank: number; out: Float64Array }): void;
  /** linalg.ts's plain Cholesky into `l` (zeroed, n x n); false when a pivot is not above the tolerance. */
  cholesky(a: Float64Array, options: { n: number; tolerance: number; l: Float64Array }): boolean;
  /**
   * linalg.ts's pivotedCholesky loop (see psd_pivoted_cholesky in kernels.c): `work` (the matrix, updated), `l`
   * (zeroed, d x d), `perm` (identity) and `pivots` filled in; returns the rank.
   */
  pivotedCholesky(
    work: Float64Array,
    options: { dim: number; tolerance: number; l: Float64Array; perm: Int32Array; pivots: Float64Array },
  ): number;
  /** The products of gaussian.ts's sampleGaussianSummary: C = B A (A lower triangular r x r) or C = B Z^T. */
  gaussianProduct(
    b: Float64Array,
    options: {
      dim: number;
      rank: number;
      nonZeros: Int32Array;
      triangular?: Float64Array;
      /** Z by columns (rank x columns). */
      columnsOfZ?: Float64Array;
      columns: number;
      out: Float64Array;
    },
  ): void;
  /** S = C C^T (dim x dim) for C (dim x depth) given row-major (`c`) and by columns (`cc`). */
  gaussianGram(c: Float64Array, cc: Float64Array, options: { dim: number; depth: number; out: Float64Array }): void;
  /**
   * Adds to `tally` the outcome of each of the distinct positions `indices` of a pool of rolls laid out as runs
   * (discrete.ts's CountsPool; poolTally there is the same loop), through the all-zero bit set `bits`; false,
   * counting nothing, when a position repeats or is outside the pool.
   */
  poolTally(
    indices: Int32Array,
    options: { size: number; bits: Int32Array; ends: Float64Array; outcomes: Int32Array; tally: Float64Array },
  ): boolean;
  /** {@linkcode poolTally} of a pool that keeps every position's roll in `rolls`. */
  poolTallyRolls(
    indices: Int32Array,
    options: { size: number; bits: Int32Array; rolls: Int32Array; tally: Float64Array },
  ): boolean;
  /**
   * k-means' assignment (kmeans.ts): `labels[i]` = the centre (row-major, dim columns) nearest row i of `x`, the
   * first on ties; true if some label changed.
   */
  kMeansNearest(x: Float64Array, options: { dim: number; centres: Float64Array; labels: Int32Array }): boolean;
  /**
   * k-means++'s distances (kmeans.ts): `out[i]` = min(`nearest[i]`, |x_i - x_point|^2) (`out` may be `nearest`);
   * returns their sum in row order.
   */
  kMeansDistances(
    x: Float64Array,
    options: { dim: number; point: number; nearest: Float64Array; out: Float64Array },
  ): number;
  /** Lloyd's sums (kmeans.ts): per row i, `counts[labels[i]]` += 1 and the row added to `sums`' row labels[i]. */
  kMeansSums(
    x: Float64Array,
    options: { dim: number; labels: Int32Array; sums: Float64Array; counts: Int32Array },
  ): void;
  /**
   * gaussian_likelihood.ts's log-densities: `out[r]` = -0.5 (`base` + |L^-1 (x_r - mean)|^2) for the lower
   * Cholesky factor L (`factor`, row-major dim x dim, dim <= 64), in the TypeScript loop's bits.
   */
  gaussianLogDensity(
    x: Float64Array,
    options: { dim: number; mean: Float64Array; factor: Float64Array; base: number; out: Float64Array },
  ): void;
  /** binned_sums.ts's histogram update (`points` coordinate-major, `count` of them; `c` the next fit's). */
  binnedAdd(
    state: BinnedState,
    points: Float64Array,
    options: { count: number; c: number },
  ): void;
  /** binned_sums.ts's evaluation at `c` into `max` and `sum`. */
  binnedEval(state: BinnedState, options: { c: number; max: Float64Array; sum: Float64Array }): void;
  /** The machine's limits for the roofline of `deno task bench` (see kernels.c): peak multiply-adds, bandwidth. */
  readonly limits: {
    /** Runs `iterations` rounds of the peak loop (`fused`: one FMA a round, else a multiply and an add); its flops
     * are iterations * 24 * lanes. */
    peakMultiplyAdd(iterations: number, options?: { fused?: boolean }): number;
    readonly lanes: number;
    /** Runs `rounds` passes of the kernel sums' exponential over 1024 values: rounds * 1024 exponentials. */
    exponentials(rounds: number): number;
    /** Sums `a` (or, with `triad`, sets a = b + s c) `reps` times. */
    stream(a: Float64Array, b: Float64Array, c: Float64Array, options: { reps: number; triad: boolean }): number;
  };
  /**
   * The generator of rng.ts on its state words (see kernels.c): use it through rng.ts, which checks once that it
   * draws what the TypeScript route draws.
   */
  readonly rng: NativeRng;
}

/** What the binned sums' kernels read and update (lib/numerics/binned_sums.ts's BinnedSums). */
export interface BinnedState {
  readonly test: { rows: number; cols: number; data: Float64Array };
  readonly width: number;
  readonly slots: number;
  readonly powers: Float64Array;
  readonly base: Float64Array;
  readonly nearest: Float64Array;
}

/** The ziggurat's tables, as rng.ts computes them: x (129), ratio (128), x squared (129). */
export interface ZigguratTables {
  x: Float64Array;
  ratio: Float64Array;
  xsq: Float64Array;
}

/**
 * The native generator's draws, on an Rng's 4 state words in place. Each returns where it stopped: the end, or
 * the position of a draw the TypeScript route must make (the state is then as before that draw).
 */
export interface NativeRng {
  fillNormal(state: Int32Array, z: ZigguratTables, out: Float64Array, start: number): number;
  gammas(state: Int32Array, z: ZigguratTables, shapes: Float64Array, out: Float64Array): number;
  /** Multinomial counts from `start` on; `io` = [rolls left, mass left], updated. */
  multinomial(
    state: Int32Array,
    z: ZigguratTables,
    options: { counts: Float64Array; drawn: Float64Array; start: number; io: Float64Array },
  ): number;
  /** `out.length` draws of rng.int(n), n <= 2^32. */
  ints(state: Int32Array, n: number, out: Float64Array): void;
  /**
   * Gaussian-KDE samples as sampleKde draws them (a training point by rng.int, plus `bandwidth` times a normal per
   * coordinate), rows `start`.. of `out` (row-major, `dim` columns) from `points` (row-major); returns the row
   * where it stopped (the row count when done; else that row is the TypeScript route's, the state as before it).
   */
  kdeSample(
    state: Int32Array,
    z: ZigguratTables,
    options: { points: Float64Array; dim: number; bandwidth: number; out: Float64Array; start: number },
  ): number;
  /** The means of `means.length` bootstrap resamples of `values`, as lib/plot/bands.ts draws them. */
  bootstrapMeans(state: Int32Array, values: Float64Array, means: Float64Array): void;
  /** rng.sampleWithoutReplacement(populationSize, out.length) into `out` (populationSize <= 2^31). */
  sampleWithoutReplacement(state: Int32Array, populationSize: number, out: Int32Array): void;
}
