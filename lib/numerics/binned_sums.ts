/**
 * Gaussian kernel sums over a pool that only grows, scored at a bandwidth that
 * only shrinks: the KDE's Accumulate workflow under a bandwidth rule (Scott,
 * Silverman), whose h falls as the pool grows. The exact sums rescan the whole
 * pool at every fit, O(T^2 n) per run; here each test point keeps, instead of
 * the pool, a histogram of its squared distances q to the pool's points with
 * the power sums of each bin, and a fit at any c = 1 / (2 h^2) up to the run's
 * largest evaluates the histogram: O(bins) per test point however large the
 * pool, and each new point costs one bin update per test point.
 *
 * The bound. Bins have width w = 1 / (4 c_max) in q. Bin b holds the points
 * with q in [b w, (b + 1) w); with delta = q - b w its power sums are
 * P_k = sum delta^k (k = 0 .. K). Its terms are
 *
 *   sum exp(-c q) = exp(-c b w) sum exp(-c delta)
 *                 = exp(-c b w) (sum_k (-c)^k P_k / k! + R),
 *
 * and since 0 <= c delta <= c w <= 1/4, the series alternates with shrinking
 * terms, so |R| <= P_0 (c w)^(K+1) / (K+1)!. The bin's terms are at least
 * P_0 exp(-c w), so the relative error of every bin, and so of the whole sum,
 * is at most exp(1/4) (1/4)^(K+1) / (K+1)! = 3.4e-13 for K = 9 (BOUND below),
 * plus rounding (~1e-15: the series' largest term is P_0, the sum at least
 * exp(-1/4) P_0). The log-density is then within 4e-13 of the exact sum's.
 * Bins entirely beyond the cutoff of the exact kernel (terms below e^-50 of
 * the largest: q >= q_min + 50 / c) are left out, as the exact sums leave
 * those terms out; a point beyond the cutoff when it arrives is beyond every
 * later cutoff too (q_min only falls, c only grows) and is not kept at all.
 * Each test point's bins sit in a ring of L slots covering q_min to
 * q_min + 50 / c_min + w: the widest cutoff of the run.
 *
 * In C where the native kernels are available (binned_add and binned_eval in
 * kernels.c), else in TypeScript below; the two agree to rounding.
 *
 * @module
 */

import type { Matrix } from "./matrix.ts";
import { nativeKernels } from "./native/mod.ts";

/** Power sums kept per bin: P_0 .. P_{K}, K = 9. */
export const POWERS = 10;

/** The bound on each sum's relative error: exp(1/4) (1/4)^10 / 10!. */
export const BOUND: number = Math.exp(0.25) * 0.25 ** POWERS / factorial(POWERS);

/** The exact kernels' cutoff: terms below e^-50 of the largest are left out. */
const SKIP = 50;

function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

/** The histogram of every test point's squared distances to the pool (see the module doc). */
export class BinnedSums {
  readonly test: Matrix;
  /** Bin width in q: 1 / (4 c_max). */
  readonly width: number;
  /** Slots per test point. */
  readonly slots: number;
  /** Per test point and slot, POWERS power sums. */
  readonly powers: Float64Array;
  /** Per test point: the bin index (an integer, as a double) of its ring's first slot. */
  readonly base: Float64Array;
  /** Per test point: the smallest squared distance to the pool so far (+Infinity for an empty pool). */
  readonly nearest: Float64Array;
  /** Points added. */
  count = 0;
  readonly #cMin: number;
  readonly #cMax: number;

  /**
   * An empty histogram for `test`, for fits at c from `cMin` to `cMax`
   * (c = 1 / (2 h^2): the rule's bandwidths at the smallest and largest pool).
   */
  constructor(test: Matrix, options: { cMin: number; cMax: number }) {
    const { cMin, cMax } = options;
    if (!(cMin > 0 && cMax >= cMin && Number.isFinite(cMax))) {
      throw new RangeError(`BinnedSums needs 0 < cMin <= cMax, got ${cMin} and ${cMax}`);
    }
    this.test = test;
    this.#cMin = cMin;
    this.#cMax = cMax;
    this.width = 1 / (4 * cMax);
    this.slots = Math.ceil(SKIP / (cMin * this.width)) + 2;
    this.powers = new Float64Array(test.rows * this.slots * POWERS);
    this.base = new Float64Array(test.rows);
    this.nearest = new Float64Array(test.rows).fill(Infinity);
  }

  /** Adds `points` to every test point's histogram; `c` is the next fit's (the cutoff's). */
  add(points: Matrix, c: number): void {
    if (points.cols !== this.test.cols) throw new RangeError("points and test points differ in dimension");
    if (points.rows === 0) return;
    const native = nativeKernels();
    if (native) {
      // Coordinate-major, as the kernel sums take their training points.
      const n = points.rows, d = points.cols, columns = new Float64Array(n * d);
      for (let p = 0; p < n; p++) for (let j = 0; j < d; j++) columns[j * n + p] = points.data[p * d + j];
      native.binnedAdd(this, columns, { count: n, c });
    } else binnedAddTypeScript(this, points, c);
    this.count += points.rows;
  }

  /** The kernel sums at `c` of every test point, as the exact sums give them: max (the largest log-term) and sum. */
  evaluate(c: number): { max: Float64Array; sum: Float64Array } {
    // Beyond cMax the bins are too wide for the bound; below cMin the rings are too short for the cutoff.
    if (!(c >= this.#cMin * (1 - 1e-12) && c <= this.#cMax * (1 + 1e-12))) {
      throw new RangeError(
        `BinnedSums evaluated at c = ${c}, outside the [${this.#cMin}, ${this.#cMax}] it was set up for`,
      );
    }
    const max = new Float64Array(this.test.rows), sum = new Float64Array(this.test.rows);
    const native = nativeKernels();
    if (native) native.binnedEval(this, { c, max, sum });
    else binnedEvalTypeScript(this, { c, max, sum });
    return { max, sum };
  }
}

/** {@linkcode BinnedSums.add} in TypeScript (binned_add in kernels.c is the same loop, the same bits). */
export function binnedAddTypeScript(state: BinnedSums, points: Matrix, c: number): void {
  const { test, width: w, slots: L, powers, base, nearest } = state;
  const d = test.cols, x = test.data, y = points.data, reach = SKIP / c;
  for (let i = 0; i < test.rows; i++) {
    const ring = i * L;
    let bi = base[i], near = nearest[i];
    // The slot of bin b is b mod L: first + (b - bi), less L past the end, with first the slot of bin bi.
    let first = near === Infinity ? 0 : bi % L;
    for (let p = 0; p < points.rows; p++) {
      let q = 0;
      for (let j = 0; j < d; j++) {
        const diff = x[i * d + j] - y[p * d + j];
        q += diff * diff;
      }
      const b = Math.floor(q / w);
      if (!(q < near)) {
        if (!(q < near + reach) || b >= bi + L) continue; // beyond every cutoff from now on
      } else {
        if (near === Infinity) bi = b;
        else if (b < bi) {
          // The ring slides down: the slots it gives up hold bins beyond every cutoff from now on.
          for (let k = Math.max(b + L, bi); k < bi + L; k++) {
            const at = (ring + slotOf(k, bi, first, L)) * POWERS;
            powers.fill(0, at, at + POWERS);
          }
          bi = b;
        }
        first = bi % L;
        near = q;
      }
      const slot = (ring + slotOf(b, bi, first, L)) * POWERS, delta = q - b * w;
      let power = 1;
      for (let k = 0; k < POWERS; k++) {
        powers[slot + k] += power;
        power *= delta;
      }
    }
    base[i] = bi;
    nearest[i] = near;
  }
}

/** The slot of bin b (b mod L) in a ring whose first bin `base` sits in slot `first`; b - base is in [0, L). */
function slotOf(b: number, base: number, first: number, L: number): number {
  const k = first + (b - base);
  return k >= L ? k - L : k;
}

/** {@linkcode BinnedSums.evaluate} in TypeScript (binned_eval in kernels.c: the same terms, four bins at a time). */
export function binnedEvalTypeScript(
  state: BinnedSums,
  out: { c: number; max: Float64Array; sum: Float64Array },
): void {
  const { width: w, slots: L, powers, base, nearest } = state;
  const { c, max, sum } = out;
  const inverse = new Float64Array(POWERS);
  for (let k = 0; k < POWERS; k++) inverse[k] = 1 / factorial(k);
  for (let i = 0; i < max.length; i++) {
    if (nearest[i] === Infinity) {
      max[i] = -Infinity;
      sum[i] = 0;
      continue;
    }
    const top = -c * nearest[i];
    const last = Math.min(base[i] + L - 1, Math.floor((nearest[i] + SKIP / c) / w));
    let s = 0;
    for (let b = base[i], k = base[i] % L; b <= last; b++, k = k + 1 === L ? 0 : k + 1) {
      const slot = (i * L + k) * POWERS;
      if (powers[slot] === 0) continue;
      // sum_k (-c)^k P_k / k! by Horner's rule, times exp(-c b w - top) (in [1, e^(1/4)]).
      let poly = 0;
      for (let j = POWERS - 1; j >= 0; j--) poly = poly * -c + powers[slot + j] * inverse[j];
      s += Math.exp(-c * b * w - top) * poly;
    }
    max[i] = top;
    sum[i] = s;
  }
}
