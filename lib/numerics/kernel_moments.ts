/**
 * Gaussian kernel sums by Taylor moments about a centre (the fast Gauss
 * transform's single-cluster form), for a bandwidth wide against the test set.
 * With u = (x - z) / h and v = (y - z) / h for a test point x, a training
 * point y and the centre z,
 *
 *   exp(-|x - y|^2 / (2 h^2)) = exp(-|u|^2 / 2) exp(-|v|^2 / 2) exp(u . v),
 *
 * and exp(u . v) = sum over multi-indices a of u^a v^a / a!. Truncated at
 * total degree p, with |u| |v| <= A, each term's relative error is at most
 * A^(p+1) / (p+1)! e^(2A) (Lagrange's remainder of e^t for |t| <= A, over the
 * term's least value e^-A): the moments M_a = sum_y exp(-|v|^2 / 2) v^a are
 * carried as points come, whatever their number, and a test point's sum is
 * exp(-|u|^2 / 2) sum_a M_a u^a / a!. A point takes this route where
 * |v| <= A_max / max|u| (the bound then at most 2^-53, the unit roundoff)
 * and |v|^2 / 2 <= 8 (its weight's exponent, so the rounding of the
 * factored form stays that of a few operations); the others are summed
 * exactly (kernel_sums.ts). The route exists where that radius is at least
 * one bandwidth ({@linkcode kernelMoments}), in 1 to 3 dimensions.
 *
 * @module
 */

import { type Matrix, matrix } from "./matrix.ts";
import { type MomentsAddOptions, nativeKernels } from "./native/mod.ts";
import type { KernelSums } from "./kernel_sums.ts";
import { boundingBox } from "./spatial_order.ts";

/** Total degree of the expansion per dimension (index 1 to 3): 21, 231 and 680 moments. */
const DEGREE = [0, 20, 20, 14];
/** The largest |v|^2 / 2 of a point on the route. */
const WEIGHT_EXPONENT = 8;
/** The truncation bound's target: the unit roundoff. */
const TARGET = 2 ** -53;

/** The relative truncation error bound of a term with |u| |v| <= a at degree p: a^(p+1) / (p+1)! e^(2a). */
export function truncationBound(a: number, degree: number): number {
  let bound = Math.exp(2 * a);
  for (let k = 1; k <= degree + 1; k++) bound *= a / k;
  return bound;
}

/** The largest A with truncationBound(A, degree) <= 2^-53 (to 1e-12 relative, by bisection). */
export function largestProduct(degree: number): number {
  let lo = 0, hi = 1;
  while (truncationBound(hi, degree) <= TARGET) hi *= 2;
  while (hi - lo > 1e-12 * hi) {
    const mid = (lo + hi) / 2;
    if (truncationBound(mid, degree) <= TARGET) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The monomials of total degree <= p in d coordinates, in graded order: each one's parent times one coordinate. */
export function monomials(
  dim: number,
  degree: number,
): { parent: Int32Array; axis: Int32Array; exponents: number[][] } {
  const exponents: number[][] = [new Array(dim).fill(0)];
  const parent = [0], axis = [0];
  for (let start = 0, total = 1; total <= degree; total++) {
    const end = exponents.length;
    for (let k = start; k < end; k++) {
      // Extend by a coordinate at or past the last one raised, so each monomial is made once.
      const last = exponents[k].findLastIndex((e) => e > 0);
      for (let j = Math.max(0, last); j < dim; j++) {
        const next = exponents[k].slice();
        next[j]++;
        exponents.push(next);
        parent.push(k);
        axis.push(j);
      }
    }
    start = end;
  }
  return { parent: Int32Array.from(parent), axis: Int32Array.from(axis), exponents };
}

/**
 * The carried moments of a fixed test set and bandwidth: {@linkcode KernelMoments.add} takes the points on the
 * route and returns the others, {@linkcode KernelMoments.addTo} adds the moments' sums to kernel sums.
 */
export class KernelMoments {
  readonly #centre: Float64Array;
  readonly #bandwidth: number;
  /** The largest |v|^2 of a point on the route. */
  readonly #radius2: number;
  readonly #table: { parent: Int32Array; axis: Int32Array };
  readonly #inverseFactorials: Float64Array;
  readonly #moments: Float64Array;
  /** The test points' monomials (test point i's at [i * terms, (i + 1) * terms)) and |u|^2: fixed for the run. */
  readonly #testMonomials: Float64Array;
  readonly #testRadius2: Float64Array;

  constructor(test: Matrix, options: { centre: Float64Array; bandwidth: number; radius: number }) {
    const d = test.cols;
    this.#centre = options.centre;
    this.#bandwidth = options.bandwidth;
    this.#radius2 = options.radius * options.radius;
    const { parent, axis, exponents } = monomials(d, DEGREE[d]);
    this.#table = { parent, axis };
    this.#inverseFactorials = Float64Array.from(exponents, (e) => {
      let f = 1;
      for (const k of e) for (let t = 2; t <= k; t++) f *= t;
      return 1 / f;
    });
    this.#moments = new Float64Array(parent.length);
    const terms = parent.length, m = test.rows, x = test.data;
    this.#testMonomials = new Float64Array(m * terms);
    this.#testRadius2 = new Float64Array(m);
    const u = new Float64Array(d);
    for (let i = 0; i < m; i++) {
      let r2 = 0;
      for (let j = 0; j < d; j++) {
        u[j] = (x[i * d + j] - this.#centre[j]) / this.#bandwidth;
        r2 += u[j] * u[j];
      }
      this.#testRadius2[i] = r2;
      const mono = this.#testMonomials.subarray(i * terms, (i + 1) * terms);
      mono[0] = 1;
      for (let k = 1; k < terms; k++) mono[k] = mono[parent[k]] * u[axis[k]];
    }
  }

  /** Adds the rows of `points` within the route's radius to the moments; returns the others, in their order. */
  add(points: Matrix): Matrix {
    const { rows: n, cols: d, data: y } = points;
    const outlier = new Uint8Array(n);
    const options = {
      dim: d,
      centre: this.#centre,
      bandwidth: this.#bandwidth,
      radius2: this.#radius2,
      ...this.#table,
      moments: this.#moments,
      outlier,
    };
    const native = nativeKernels();
    const count = native ? native.kdeMomentsAdd(y, options) : momentsAddTypeScript(y, options);
    const rest = new Float64Array(count * d);
    for (let p = 0, k = 0; k < count; p++) if (outlier[p]) rest.set(y.subarray(p * d, (p + 1) * d), d * k++);
    return matrix(count, d, rest);
  }

  /** Adds each test point's sum over the points on the route to `state` (kernel_sums.ts's form), in place. */
  addTo(state: KernelSums): void {
    const terms = this.#moments.length;
    const weighted = this.#moments.map((v, k) => v * this.#inverseFactorials[k]);
    for (let i = 0; i < this.#testRadius2.length; i++) {
      const mono = this.#testMonomials.subarray(i * terms, (i + 1) * terms);
      let series = weighted[0];
      for (let k = 1; k < terms; k++) series += weighted[k] * mono[k];
      const r2 = this.#testRadius2[i];
      if (!(series > 0)) continue;
      const log = Math.log(series) - r2 / 2;
      const top = Math.max(state.max[i], log);
      state.sum[i] = state.sum[i] * Math.exp(state.max[i] - top) + Math.exp(log - top);
      state.max[i] = top;
    }
  }
}

/** kde_moments_add (kde_moments.c) in TypeScript, point by point: the same sums, added in another order. */
export function momentsAddTypeScript(y: Float64Array, options: MomentsAddOptions): number {
  const { dim: d, centre, bandwidth, radius2, parent, axis, moments, outlier } = options;
  const mono = new Float64Array(parent.length);
  const v = new Float64Array(d);
  let outliers = 0;
  for (let p = 0; p < outlier.length; p++) {
    let r2 = 0;
    for (let j = 0; j < d; j++) {
      v[j] = (y[p * d + j] - centre[j]) / bandwidth;
      r2 += v[j] * v[j];
    }
    outlier[p] = r2 <= radius2 ? 0 : 1;
    if (outlier[p]) {
      outliers++;
      continue;
    }
    mono[0] = Math.exp(-0.5 * r2);
    moments[0] += mono[0];
    for (let k = 1; k < parent.length; k++) {
      mono[k] = mono[parent[k]] * v[axis[k]];
      moments[k] += mono[k];
    }
  }
  return outliers;
}

/**
 * The moments' route for `test` at bandwidth h, or undefined where it does not exist: in 1 to 3 dimensions, about
 * the centre of the test set's bounding box, for the points within A_max / max|u| of it (at most 4 bandwidths, the
 * weight's exponent bound), where that radius is at least one bandwidth.
 */
export function kernelMoments(test: Matrix, bandwidth: number): KernelMoments | undefined {
  const { rows: m, cols: d, data: x } = test;
  if (d < 1 || d >= DEGREE.length || m === 0) return undefined;
  const { lo, hi } = boundingBox(test);
  const centre = Float64Array.from(lo, (l, j) => (l + hi[j]) / 2);
  let reach = 0;
  for (let i = 0; i < m; i++) {
    let r2 = 0;
    for (let j = 0; j < d; j++) r2 += ((x[i * d + j] - centre[j]) / bandwidth) ** 2;
    reach = Math.max(reach, Math.sqrt(r2));
  }
  // Rounding margin: the computed |u| and |v| may exceed the exact ones by a few ulps.
  const radius = Math.min(Math.sqrt(2 * WEIGHT_EXPONENT), (largestProduct(DEGREE[d]) / reach) * (1 - 1e-12));
  if (!Number.isFinite(radius) || radius < 1) return undefined;
  return new KernelMoments(test, { centre, bandwidth, radius });
}
