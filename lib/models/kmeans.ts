/**
 * The k-means start of the Gaussian mixture's EM (lib/models/gmm.ts): greedy
 * k-means++ seeding, Lloyd's iterations, and the best of several restarts by
 * the k-means objective, as scikit-learn's `KMeans` initializes its
 * `GaussianMixture`.
 *
 * @module
 */

import type { Matrix } from "../numerics/matrix.ts";
import { nativeKernels } from "../numerics/native/mod.ts";
import type { Rng } from "../numerics/rng.ts";

/**
 * Greedy k-means++ centres (Arthur and Vassilvitskii; the greedy variant of
 * scikit-learn's k-means init): the first a uniformly chosen point; each next
 * the best of 2 + floor(ln k) candidates drawn with probability proportional
 * to their squared distance to the nearest centre so far (uniformly if every
 * point sits on a centre), best = the one leaving the smallest total squared
 * distance. The greedy choice rarely puts two centres in one well-separated
 * cluster, which plain k-means++ does often enough (20 of 50 fits of 1000
 * points of the test mixture; 10 of 50 with the greedy choice, before Lloyd's
 * iterations and restarts) to leave EM in a merged-component local optimum.
 * Row-major k x d.
 */
export function kMeansPlusPlus(x: Matrix, options: { components: number; rng: Rng }): Float64Array {
  const { rows: n, cols: d, data } = x;
  const { components: k, rng } = options;
  if (n < 1) throw new RangeError("k-means++ needs at least one point");
  const candidates = 2 + Math.floor(Math.log(k));
  const centres = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Infinity);
  const trial = new Float64Array(n);
  const distances = (point: number, out: Float64Array): number => pointDistances(x, { point, nearest, out });
  let chosen = rng.int(n);
  let potential = distances(chosen, nearest);
  centres.set(data.subarray(chosen * d, (chosen + 1) * d), 0);
  for (let c = 1; c < k; c++) {
    if (!(potential > 0)) {
      chosen = rng.int(n);
    } else {
      let bestPotential = Infinity;
      for (let t = 0; t < candidates; t++) {
        let u = rng.random() * potential;
        let candidate = n - 1;
        for (let i = 0; i < n; i++) {
          u -= nearest[i];
          if (u < 0 && nearest[i] > 0) {
            candidate = i;
            break;
          }
        }
        const total = distances(candidate, trial);
        if (total < bestPotential) {
          bestPotential = total;
          chosen = candidate;
        }
      }
    }
    potential = distances(chosen, nearest);
    centres.set(data.subarray(chosen * d, (chosen + 1) * d), c * d);
  }
  return centres;
}

/** Lloyd's k-means iterations at most in the start (scikit-learn's `KMeans` default `max_iter`). */
const KMEANS_ITERATIONS = 300;

/** Lloyd's iterations stop once the centres move this little, relative to the data's variance (scikit-learn's `tol`). */
const KMEANS_TOLERANCE = 1e-4;

/** Rows from which the passes over the points run in C: below, a call costs more than the loop. The same bits either way. */
const NATIVE_ROWS = 256;

/** The native kernels for a pass over the rows of `x`, unless it is short or the caller asks for the TypeScript loop. */
function nativeFor(x: Matrix, typescript = false): ReturnType<typeof nativeKernels> {
  return !typescript && x.rows >= NATIVE_ROWS ? nativeKernels() : undefined;
}

/**
 * k-means++'s pass: `out[i]` = min(`nearest[i]`, |x_i - x_point|^2) (`out`
 * may be `nearest`); returns their sum in row order. In C where the native
 * kernels are available (the same bits), unless `typescript`.
 */
export function pointDistances(
  x: Matrix,
  options: { point: number; nearest: Float64Array; out: Float64Array; typescript?: boolean },
): number {
  const { rows: n, cols: d, data } = x;
  const { point, nearest, out } = options;
  const native = nativeFor(x, options.typescript);
  if (native) return native.kMeansDistances(data, { dim: d, point, nearest, out });
  let total = 0;
  for (let i = 0; i < n; i++) {
    let squared = 0;
    for (let j = 0; j < d; j++) squared += (data[i * d + j] - data[point * d + j]) ** 2;
    out[i] = Math.min(nearest[i], squared);
    total += out[i];
  }
  return total;
}

/**
 * Lloyd's assignment: `labels[i]` = the index of the centre nearest row i of
 * `x` (the first on ties); true if some label changed. In C where the native
 * kernels are available (the same labels), unless `typescript`.
 */
export function nearestCentres(
  x: Matrix,
  options: { centres: Float64Array; labels: Int32Array; typescript?: boolean },
): boolean {
  const { rows: n, cols: d, data } = x;
  const { centres, labels } = options;
  const native = nativeFor(x, options.typescript);
  if (native) return native.kMeansNearest(data, { dim: d, centres, labels });
  const k = centres.length / d;
  let changed = false;
  for (let i = 0; i < n; i++) {
    let best = 0, bestDistance = Infinity;
    for (let c = 0; c < k; c++) {
      let squared = 0;
      for (let j = 0; j < d; j++) squared += (data[i * d + j] - centres[c * d + j]) ** 2;
      if (squared < bestDistance) {
        bestDistance = squared;
        best = c;
      }
    }
    if (labels[i] !== best) changed = true;
    labels[i] = best;
  }
  return changed;
}

/**
 * Lloyd's k-means from `centres` (updated in place; an empty cluster keeps
 * its centre), as scikit-learn's: until no label changes, the centres move by
 * at most `relativeTolerance` times the data's mean per-feature variance in
 * total squared distance (then the labels are brought up to date once more),
 * or `iterations` run out. Returns the labels.
 */
export function lloyd(
  x: Matrix,
  options: { centres: Float64Array; iterations: number; relativeTolerance?: number },
): Int32Array {
  const { rows: n, cols: d } = x;
  const { centres, iterations } = options;
  const k = centres.length / d;
  const tolerance = (options.relativeTolerance ?? KMEANS_TOLERANCE) * meanVariance(x);
  const labels = new Int32Array(n).fill(-1);
  const sums = new Float64Array(k * d), counts = new Int32Array(k);
  for (let step = 0; step < iterations && nearestCentres(x, { centres, labels }); step++) {
    sums.fill(0);
    counts.fill(0);
    clusterSums(x, { labels, sums, counts });
    let shift = 0;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      for (let j = 0; j < d; j++) {
        const moved = sums[c * d + j] / counts[c];
        shift += (moved - centres[c * d + j]) ** 2;
        centres[c * d + j] = moved;
      }
    }
    if (shift <= tolerance) {
      nearestCentres(x, { centres, labels });
      break;
    }
  }
  return labels;
}

/**
 * Lloyd's update's sums: per row, its cluster's count and coordinate sums, in
 * row order. In C where the native kernels are available (the same bits),
 * unless `typescript`.
 */
export function clusterSums(
  x: Matrix,
  options: { labels: Int32Array; sums: Float64Array; counts: Int32Array; typescript?: boolean },
): void {
  const { rows: n, cols: d, data } = x;
  const { labels, sums, counts } = options;
  const native = nativeFor(x, options.typescript);
  if (native) return native.kMeansSums(data, { dim: d, labels, sums, counts });
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    counts[c]++;
    for (let j = 0; j < d; j++) sums[c * d + j] += data[i * d + j];
  }
}

/** The mean over features of the data's (population) variance: the scale of k-means' tolerance. */
function meanVariance(x: Matrix): number {
  const { rows: n, cols: d, data } = x;
  let total = 0;
  for (let j = 0; j < d; j++) {
    let sum = 0, squares = 0;
    for (let i = 0; i < n; i++) {
      sum += data[i * d + j];
      squares += data[i * d + j] ** 2;
    }
    total += Math.max(0, squares / n - (sum / n) ** 2);
  }
  return total / d;
}

/**
 * k-means starts tried, the one of least total squared distance kept. One
 * start leaves two centres in one cluster and one on two clusters in 11 of 50
 * fits of 1000 points of the 0.6/0.3/0.1 mixture of mixture_datasets.ts
 * (even with the greedy seeding and Lloyd's iterations), a local optimum that
 * EM then keeps; three starts leave 1 of 50, five none, at a cost below EM's.
 */
export const KMEANS_RESTARTS = 5;

/** The k-means objective: the total squared distance of the points to their centres. */
function kMeansPotential(x: Matrix, options: { centres: Float64Array; labels: Int32Array }): number {
  const { rows: n, cols: d, data } = x;
  const { centres, labels } = options;
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) total += (data[i * d + j] - centres[labels[i] * d + j]) ** 2;
  }
  return total;
}

/**
 * The start of EM: {@linkcode KMEANS_RESTARTS} greedy k-means++ seedings,
 * each refined by Lloyd's iterations; the centres and labels of least
 * k-means objective.
 */
export function kMeansStart(
  x: Matrix,
  options: { components: number; rng: Rng },
): { centres: Float64Array; labels: Int32Array } {
  let best: { centres: Float64Array; labels: Int32Array } = { centres: new Float64Array(0), labels: new Int32Array(0) };
  let potential = Infinity;
  for (let restart = 0; restart < KMEANS_RESTARTS; restart++) {
    const centres = kMeansPlusPlus(x, options);
    const labels = lloyd(x, { centres, iterations: KMEANS_ITERATIONS });
    const trial = kMeansPotential(x, { centres, labels });
    if (trial < potential) [best, potential] = [{ centres, labels }, trial];
  }
  return best;
}
