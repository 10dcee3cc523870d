/**
 * Native kernels: kernels.c beside this file (which includes the other C
 * files of this folder, one idea each), compiled on first use with the
 * machine's C compiler (`$CC`, else cc, gcc or clang) into `.cache/native/`
 * at the repository root and called through Deno's FFI. Four doubles per
 * operation (AVX2 where the CPU has it) instead of V8's one: measured 3-4x
 * faster than the TypeScript loops on the KDE's kernel sums and 2-4x on Gram
 * matrices (`deno task bench`).
 *
 * Everything here is optional: without a compiler, without FFI permission,
 * with `COLLAPSE_NATIVE=0` in the environment, or outside Deno (a browser:
 * the explorer bundles this module with the rest of the numeric core),
 * {@linkcode nativeKernels} returns undefined and callers use their
 * TypeScript loops, which compute the same quantities (to rounding: sums are
 * taken in another order, so results differ in the last bits between the two
 * routes; each route is reproducible bit for bit, and the native one is the
 * same on every machine: no fast-math, no contraction the compiler chooses;
 * the KDE's kernel sums fuse their multiply-adds explicitly, with the FMA
 * instructions where the CPU has them, else the C library's fma).
 *
 * The build (flags, instruction sets, the cached library) is build.ts.
 *
 * @module
 */

import { timedSection } from "../../util/profile.ts";
import { buildKernels, nativeIsa } from "./build.ts";
import { SYMBOLS } from "./symbols.ts";
import type { NativeKernels } from "./types.ts";

export type { BinnedState, MomentsAddOptions, NativeKernels, NativeRng, ZigguratTables } from "./types.ts";

/** kdeAddSums' bounds, by their code in kde_add_sums (kde_sums.c). */
const KDE_BOUNDS = ["off", "reach", "boxes"] as const;

let loaded: NativeKernels | null | undefined;
let taken = new Uint8Array(4096);
const noItems = new Int32Array(0);

/** The native kernels, compiled and loaded on first call; undefined where they cannot be (see the module doc). */
export function nativeKernels(): NativeKernels | undefined {
  if (loaded === undefined) {
    // Not Deno (a browser, a web worker): no files, no compiler, no FFI. Expected there, so no warning.
    if (typeof Deno === "undefined") {
      loaded = null;
      return undefined;
    }
    // A mistyped setting is an error, not a silent fall back to the TypeScript loops (other bits).
    const isa = nativeIsa();
    try {
      loaded = load(isa);
    } catch (error) {
      loaded = null;
      console.error(
        `native kernels unavailable (${(error as Error).message.split("\n")[0]}): using the TypeScript loops`,
      );
    }
  }
  return loaded ?? undefined;
}

function load(isa: string): NativeKernels | null {
  if (Deno.env.get("COLLAPSE_NATIVE") === "0") return null;
  const { path, build } = buildKernels(isa);
  const library = Deno.dlopen(path, SYMBOLS);
  const {
    kde_add_sums,
    kde_moments_add,
    dot_rows,
    dot_rows_trapezoid,
    column_sums,
    centred_columns,
    drawn_columns,
    rng_fill_normal,
    rng_gammas,
    rng_multinomial,
    rng_ints,
    rng_kde_sample,
    rng_bootstrap_means,
    rng_sample_without_replacement,
    pool_tally,
    pool_tally_rolls,
    kmeans_nearest,
    kmeans_distances,
    kmeans_sums,
    gaussian_log_density,
    binned_add,
    binned_eval,
    peak_multiply_add,
    peak_lanes,
    exp_throughput,
    stream,
    psd_pivoted_cholesky,
    gram_of_columns,
    cholesky_plain,
    gaussian_triangular_product,
    gaussian_dense_product,
    gaussian_gram,
    gather_rows,
  } = library.symbols;
  return timedKernels({
    build,
    kdeAddSums(test, options) {
      const { points, count, dim, bandwidth: h, tophat, max, sum, bounds = "off" } = options;
      if (test.length !== max.length * dim || sum.length !== max.length || points.length !== count * dim) {
        throw new RangeError("kdeAddSums: test, max, sum and points do not match in size");
      }
      kde_add_sums(
        test,
        max.length,
        points,
        count,
        dim,
        1 / (2 * h * h),
        h * h,
        tophat ? 1 : 0,
        KDE_BOUNDS.indexOf(bounds),
        max,
        sum,
      );
    },
    kdeMomentsAdd(points, { dim, centre, bandwidth, radius2, parent, axis, moments, outlier }) {
      const count = outlier.length;
      if (points.length !== count * dim || parent.length !== moments.length || axis.length !== moments.length) {
        throw new RangeError("kdeMomentsAdd: points, flags, table and moments do not match in size");
      }
      const outliers = kde_moments_add(
        points,
        count,
        dim,
        centre,
        bandwidth,
        radius2,
        moments.length,
        parent,
        axis,
        moments,
        outlier,
      );
      if (outliers < 0) throw new RangeError(`kdeMomentsAdd: dim ${dim} is not 1 to 8, or no scratch`);
      return outliers as number;
    },
    centredColumns(x, { dim, centre, weights, columns, weighted }) {
      const rows = columns.length / dim;
      if (
        x.length !== rows * dim || centre.length !== dim ||
        (weights && (weights.length !== rows || !weighted || weighted.length !== columns.length))
      ) {
        throw new RangeError("centredColumns: x, centre, weights, columns and weighted do not match in size");
      }
      centred_columns(x, rows, dim, centre, weights ?? null, columns, weights ? weighted! : null);
    },
    drawnColumns(t, { rows, dim, drawn, counts, labelSums, columns, weighted, xty }) {
      const k = drawn.length;
      if (
        t.length !== rows * dim || counts.length !== rows || labelSums.length !== rows ||
        columns.length !== dim * k || weighted.length !== dim * k || xty.length !== dim
      ) {
        throw new RangeError("drawnColumns: t, counts, labelSums, columns, weighted and xty do not match in size");
      }
      for (let i = 0; i < k; i++) {
        if (!(drawn[i] >= 0 && drawn[i] < rows)) {
          throw new RangeError(`drawnColumns: row ${drawn[i]} is outside ${rows}`);
        }
      }
      drawn_columns(t, rows, dim, drawn, k, counts, labelSums, columns, weighted, xty);
    },
    dotRows(a, b, options) {
      const { out, rows, columns, depth, symmetric } = options;
      if (a.length !== rows * depth || b.length !== columns * depth || out.length !== rows * columns) {
        throw new RangeError("dotRows: A, B and C do not match in size");
      }
      dot_rows(a, b, out, rows, columns, depth, symmetric ? 1 : 0);
    },
    poolTally(indices, { size, bits, ends, outcomes, tally }) {
      if (bits.length * 32 < size || outcomes.length !== ends.length) {
        throw new RangeError("poolTally: the bit set is too short, or ends and outcomes differ in length");
      }
      return pool_tally(indices, indices.length, size, bits, ends, outcomes, ends.length, tally) === 1;
    },
    kMeansNearest(x, { dim, centres, labels }) {
      const n = labels.length;
      if (x.length !== n * dim || centres.length % dim !== 0) {
        throw new RangeError("kMeansNearest: x, centres and labels do not match in size");
      }
      return kmeans_nearest(x, n, dim, centres, centres.length / dim, labels) === 1;
    },
    kMeansDistances(x, { dim, point, nearest, out }) {
      const n = out.length;
      if (x.length !== n * dim || nearest.length !== n || !(point >= 0 && point < n)) {
        throw new RangeError("kMeansDistances: x, nearest, out and point do not match in size");
      }
      return kmeans_distances(x, n, dim, point, nearest, out);
    },
    kMeansSums(x, { dim, labels, sums, counts }) {
      const n = labels.length;
      if (x.length !== n * dim || sums.length !== counts.length * dim) {
        throw new RangeError("kMeansSums: x, labels, sums and counts do not match in size");
      }
      kmeans_sums(x, n, dim, labels, sums, counts);
    },
    gaussianLogDensity(x, { dim, mean, factor, base, out }) {
      if (x.length !== out.length * dim || mean.length !== dim || factor.length !== dim * dim || dim > 64) {
        throw new RangeError("gaussianLogDensity: x, mean, factor and out do not match in size (or dim > 64)");
      }
      gaussian_log_density(x, out.length, dim, mean, factor, base, out);
    },
    dotRowsTrapezoid(a, b, { out, rows, columns, depth, permutation, offset }) {
      if (
        a.length !== rows * depth || b.length !== columns * depth || out.length !== rows * columns ||
        permutation.length !== columns || (offset && offset.length !== columns)
      ) {
        throw new RangeError("dotRowsTrapezoid: A, B, C, the permutation and the offset do not match in size");
      }
      dot_rows_trapezoid(a, b, out, rows, columns, depth, permutation, offset ?? null);
    },
    columnSums(x, { rows, out }) {
      if (out.length === 0 || x.length !== rows * out.length) {
        throw new RangeError("columnSums: x must hold rows x out.length values");
      }
      column_sums(x, rows, out.length, out);
    },
    gramOfColumns(l, { dim, rank, out }) {
      if (l.length !== dim * rank || out.length !== rank * rank) throw new RangeError("gramOfColumns: sizes differ");
      gram_of_columns(l, dim, rank, out);
    },
    cholesky(a, { n, tolerance, l }) {
      if (a.length !== n * n || l.length !== n * n) throw new RangeError("cholesky: A and L must be n x n");
      return cholesky_plain(a, n, tolerance, l, new Float64Array(n * n)) === 1;
    },
    pivotedCholesky(work, { dim, tolerance, l, perm, pivots }) {
      if (work.length !== dim * dim || l.length !== dim * dim || perm.length !== dim || pivots.length !== dim) {
        throw new RangeError("pivotedCholesky: work, l, perm and pivots do not match dim");
      }
      return psd_pivoted_cholesky(work, dim, tolerance, l, new Float64Array(dim * dim), perm, pivots);
    },
    gaussianProduct(b, { dim, rank, nonZeros, triangular, columnsOfZ, columns, out }) {
      if (b.length !== dim * rank || nonZeros.length !== dim || out.length !== dim * columns) {
        throw new RangeError("gaussianProduct: B, nonZeros and out do not match");
      }
      if (triangular) {
        if (triangular.length !== rank * rank || columns !== rank) throw new RangeError("gaussianProduct: A is r x r");
        gaussian_triangular_product(b, dim, rank, nonZeros, triangular, out);
      } else {
        if (!columnsOfZ || columnsOfZ.length !== rank * columns) throw new RangeError("gaussianProduct: Z is r x k");
        gaussian_dense_product(b, dim, rank, nonZeros, columnsOfZ, columns, out);
      }
    },
    gaussianGram(c, cc, { dim, depth, out }) {
      if (c.length !== dim * depth || cc.length !== dim * depth || out.length !== dim * dim) {
        throw new RangeError("gaussianGram: C and S do not match");
      }
      gaussian_gram(c, dim, depth, cc, out);
    },
    address: (values) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(values))),
    gatherRows(parts, { starts, count, uniform, size, cols, indices, out }) {
      if (parts.length < count || starts.length < count || out.length !== indices.length * cols) {
        throw new RangeError("gatherRows: parts, starts, indices and out do not match in size");
      }
      return gather_rows(parts, starts, count, uniform, size, cols, indices, indices.length, out);
    },
    binnedAdd(state, points, { count, c }) {
      const { test, width, slots, powers, base, nearest } = state;
      if (points.length !== count * test.cols) throw new RangeError("binnedAdd: points do not match count");
      binned_add(test.data, test.rows, points, count, test.cols, width, slots, c, powers, base, nearest);
    },
    binnedEval(state, { c, max, sum }) {
      const { test, width, slots, powers, base, nearest } = state;
      if (max.length !== test.rows || sum.length !== test.rows) {
        throw new RangeError("binnedEval: one value per test point");
      }
      binned_eval(test.rows, width, slots, c, powers, base, nearest, max, sum);
    },
    limits: {
      peakMultiplyAdd: (iterations, options = {}) =>
        peak_multiply_add(BigInt(Math.round(iterations)), options.fused ? 1 : 0),
      lanes: peak_lanes(),
      exponentials: (rounds) => exp_throughput(BigInt(Math.round(rounds))),
      stream: (a, b, c, { reps, triad }) => {
        if (b.length < a.length || c.length < a.length) throw new RangeError("stream: b and c must be as long as a");
        return stream(a, b, c, BigInt(a.length), reps, triad ? 1 : 0);
      },
    },
    poolTallyRolls(indices, { size, bits, rolls, tally }) {
      if (bits.length * 32 < size || rolls.length < size) {
        throw new RangeError("poolTallyRolls: bits or rolls too short");
      }
      return pool_tally_rolls(indices, indices.length, size, bits, rolls, tally) === 1;
    },
    rng: {
      fillNormal: (state, z, out, start) => rng_fill_normal(state, z.x, z.ratio, z.xsq, out, start, out.length),
      gammas: (state, z, shapes, out) => {
        if (out.length < shapes.length) throw new RangeError("gammas: out is shorter than shapes");
        return rng_gammas(state, z.x, z.ratio, z.xsq, shapes, out, shapes.length);
      },
      multinomial: (state, z, { counts, drawn, start, io }) => {
        if (drawn.length < counts.length || io.length < 2) throw new RangeError("multinomial: drawn or io too short");
        return rng_multinomial(state, z.x, z.ratio, z.xsq, counts, counts.length, drawn, start, io);
      },
      ints: (state, n, out) => {
        if (!(Number.isInteger(n) && n >= 1 && n <= 2 ** 32)) throw new RangeError(`ints: n must be in [1, 2^32]`);
        rng_ints(state, n, out, out.length);
      },
      kdeSample: (state, z, { points, dim, bandwidth, out, start }) => {
        const rows = points.length / dim;
        if (!(Number.isInteger(rows) && rows >= 1 && out.length % dim === 0)) {
          throw new RangeError(`kdeSample: ${points.length} and ${out.length} values are not rows of ${dim}`);
        }
        return rng_kde_sample(state, z.x, z.ratio, z.xsq, points, rows, dim, bandwidth, out, start, out.length / dim);
      },
      bootstrapMeans: (state, values, means) => {
        if (values.length < 1 || values.length > 2 ** 31 - 1) {
          throw new RangeError(`bootstrapMeans: ${values.length} values (1 to 2^31 - 1 allowed)`);
        }
        rng_bootstrap_means(state, values, values.length, means, means.length);
      },
      sampleWithoutReplacement: (state, populationSize, out) => {
        const k = out.length;
        if (!(Number.isInteger(populationSize) && populationSize >= k && populationSize <= 2 ** 31)) {
          throw new RangeError(`sampleWithoutReplacement: population ${populationSize} for ${k} draws`);
        }
        const sparse = 2 * k <= populationSize;
        // The bit set is reused, all zero between calls (a fresh one is a calloc of up to megabytes per call).
        const bytes = Math.ceil(populationSize / 8);
        if (sparse && taken.length < bytes) taken = new Uint8Array(Math.max(bytes, 2 * taken.length));
        const items = sparse ? noItems : new Int32Array(populationSize);
        rng_sample_without_replacement(state, populationSize, k, out, sparse ? taken : noItems, items);
        if (sparse) { for (let i = 0; i < k; i++) taken[out[i] >>> 3] = 0; }
      },
    },
  });
}

/** Every kernel as a timed section, counted only while section timing is on (`sweep --profile`). */
function timedKernels<T extends object>(kernels: T, prefix = ""): T {
  return Object.fromEntries(
    Object.entries(kernels).map(([name, value]) => [
      name,
      typeof value === "function"
        ? timedSection(prefix + name, value)
        : typeof value === "object" && value !== null
        ? timedKernels(value, `${prefix}${name}.`)
        : value,
    ]),
  ) as T;
}
