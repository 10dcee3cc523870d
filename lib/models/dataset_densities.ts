/**
 * The true distributions of the four toy data sets (datasets.ts): their
 * log-densities, the "oracle" verifier of the KDE experiment, and independent
 * draws from them, the KDE experiment's fresh real data.
 *
 * The generators place moons and circles points EVENLY on their arcs (a batch
 * of m points sits at m fixed arc positions, plus noise), so the distribution
 * a large batch approaches, and the one described here, is uniform on each
 * arc (weight 1/2 per arc), convolved with N(0, 0.05^2 I); blobs put count/k
 * points on each centre, whose limit is the equal mixture of N(c, I). The
 * swiss roll is drawn independently already: t uniform in [1.5 pi, 4.5 pi],
 * height uniform in [0, 21], plus N(0, 0.05^2 I_3).
 *
 * Densities:
 * - blobs: the mixture (1/k) sum_c N(x; c, I), exactly.
 * - moons, circles: the arc integral by quadrature, a mixture of Gaussians
 *   centred on the quadrature nodes (weights summing to 1, so it integrates to
 *   exactly 1): composite Simpson along each half circle (1025 nodes, spacing
 *   0.003 = noise/16) and the periodic trapezoid rule around each circle (512
 *   nodes, spacing at most 0.012; spectrally accurate for a periodic
 *   integrand).
 * - swiss roll: the height integral in closed form,
 *   (1/21)(Phi((21 - y)/s) - Phi(-y/s)), times the spiral integral over t by
 *   composite Simpson (8193 nodes: spacing at most 0.016 = noise/3 along the
 *   outer turn), summed only over the nodes that can matter (below).
 * All in log space (log-sum-exp), so a point far from the data keeps a finite
 * log-density.
 *
 * @module
 */

import {
  assertDatasetName,
  DATASET_DIMS,
  DATASET_PARAMETERS,
  type DatasetName,
  drawBlobCentres,
  makeBlobs,
  makeCircles,
  makeMoons,
  makeSwissRoll,
} from "./datasets.ts";
import { type Matrix, matrix } from "../numerics/matrix.ts";
import { logNormalInterval } from "../numerics/normal_cdf.ts";
import type { Rng } from "../numerics/rng.ts";

/** Quadrature nodes per arc: Simpson on each half moon, trapezoid around each circle, Simpson along the roll. */
export const QUADRATURE_NODES = { moons: 1025, circles: 512, swissRoll: 8193 } as const;

/** The swiss roll's parameter range and height, as `make_swiss_roll` draws them. */
const ROLL = { start: 1.5 * Math.PI, end: 4.5 * Math.PI, height: 21 } as const;

/** A data set's true distribution, with its parameters (the blob centres) fixed for one run. */
export interface DatasetTruth {
  readonly name: DatasetName;
  readonly dim: number;
  /** `count` points from the paper's generator (datasets.ts; evenly spaced on the arcs for moons and circles). */
  sample(count: number, rng: Rng): Matrix;
  /** `count` independent draws from the true distribution (the generators' limit). */
  sampleIid(count: number, rng: Rng): Matrix;
  /** log p(x) for each row of `x`. */
  logDensity(x: Matrix): Float64Array;
}

/**
 * The truth of data set `name`: the blob centres are drawn from `rng` when it
 * is made, exactly as datasets.ts's `datasetSampler` draws them, so its
 * `sample` gives the same points as that sampler from the same streams.
 */
export function datasetTruth(name: DatasetName, rng: Rng): DatasetTruth {
  assertDatasetName(name);
  const dim = DATASET_DIMS[name];
  switch (name) {
    case "blobs": {
      const centres = drawBlobCentres(rng);
      const std = DATASET_PARAMETERS.blobs.clusterStd;
      const k = centres.rows;
      const nodes = { points: centres.data, logWeights: new Float64Array(k).fill(-Math.log(k)) };
      return {
        name,
        dim,
        sample: (count, r) => makeBlobs(count, r, { centres }),
        sampleIid: (count, r) =>
          iid(count, { dim, noise: std, rng: r }, (out) => {
            const c = r.int(k);
            out[0] = centres.data[2 * c];
            out[1] = centres.data[2 * c + 1];
          }),
        logDensity: (x) => mixtureLogDensity(x, { nodes, variance: std * std }),
      };
    }
    case "moons": {
      const noise = DATASET_PARAMETERS.moons.noise;
      const nodes = moonNodes(QUADRATURE_NODES.moons);
      return {
        name,
        dim,
        sample: (count, r) => makeMoons(count, r),
        sampleIid: (count, r) =>
          iid(count, { dim, noise, rng: r }, (out) => {
            const upper = r.random() < 0.5, t = Math.PI * r.random();
            out[0] = upper ? Math.cos(t) : 1 - Math.cos(t);
            out[1] = upper ? Math.sin(t) : 0.5 - Math.sin(t);
          }),
        logDensity: (x) => mixtureLogDensity(x, { nodes, variance: noise * noise }),
      };
    }
    case "circles": {
      const { noise, factor } = DATASET_PARAMETERS.circles;
      const nodes = circleNodes(QUADRATURE_NODES.circles, factor);
      return {
        name,
        dim,
        sample: (count, r) => makeCircles(count, r),
        sampleIid: (count, r) =>
          iid(count, { dim, noise, rng: r }, (out) => {
            const radius = r.random() < 0.5 ? 1 : factor, a = 2 * Math.PI * r.random();
            out[0] = radius * Math.cos(a);
            out[1] = radius * Math.sin(a);
          }),
        logDensity: (x) => mixtureLogDensity(x, { nodes, variance: noise * noise }),
      };
    }
    case "swiss_roll":
      return {
        name,
        dim,
        sample: (count, r) => makeSwissRoll(count, r),
        sampleIid: (count, r) => makeSwissRoll(count, r),
        logDensity: swissRollLogDensity,
      };
  }
}

/** `count` points: `place` writes each point's noiseless position, then N(0, noise^2 I) is added. */
function iid(
  count: number,
  options: { dim: number; noise: number; rng: Rng },
  place: (out: Float64Array) => void,
): Matrix {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be an integer >= 0, got ${count}`);
  const { dim, noise, rng } = options;
  const x = matrix(count, dim);
  for (let i = 0; i < count; i++) {
    const row = x.data.subarray(i * dim, (i + 1) * dim);
    place(row);
    for (let j = 0; j < dim; j++) row[j] += noise * rng.normal();
  }
  return x;
}

/** Gaussian centres in the plane (x, y interleaved) and their log weights (the weights sum to 1). */
interface Nodes {
  points: Float64Array;
  logWeights: Float64Array;
}

/** Composite Simpson weights of `count` (odd) equally spaced nodes, normalized to sum to 1. */
export function simpsonWeights(count: number): Float64Array {
  if (!Number.isInteger(count) || count < 3 || count % 2 === 0) {
    throw new RangeError(`Simpson's rule needs an odd number of nodes >= 3, got ${count}`);
  }
  const w = new Float64Array(count);
  for (let i = 0; i < count; i++) w[i] = i === 0 || i === count - 1 ? 1 : i % 2 === 1 ? 4 : 2;
  const total = 3 * (count - 1); // 1 + 4 + 2 + ... + 4 + 1
  for (let i = 0; i < count; i++) w[i] /= total;
  return w;
}

/** Both half moons, Simpson along t in [0, pi], half the weight each. */
function moonNodes(perArc: number): Nodes {
  const w = simpsonWeights(perArc);
  const points = new Float64Array(4 * perArc), logWeights = new Float64Array(2 * perArc);
  for (let i = 0; i < perArc; i++) {
    const t = (Math.PI * i) / (perArc - 1);
    points.set([Math.cos(t), Math.sin(t)], 2 * i);
    points.set([1 - Math.cos(t), 0.5 - Math.sin(t)], 2 * (perArc + i));
    logWeights[i] = logWeights[perArc + i] = Math.log(w[i] / 2);
  }
  return { points, logWeights };
}

/** Both circles, `perCircle` equally spaced angles each (the periodic trapezoid rule), half the weight each. */
function circleNodes(perCircle: number, factor: number): Nodes {
  const points = new Float64Array(4 * perCircle);
  for (let i = 0; i < perCircle; i++) {
    const a = (2 * Math.PI * i) / perCircle;
    points.set([Math.cos(a), Math.sin(a)], 2 * i);
    points.set([factor * Math.cos(a), factor * Math.sin(a)], 2 * (perCircle + i));
  }
  return { points, logWeights: new Float64Array(2 * perCircle).fill(-Math.log(2 * perCircle)) };
}

/** log sum_j w_j N(x; node_j, variance I_2) for each row of `x` (2 columns). */
function mixtureLogDensity(x: Matrix, options: { nodes: Nodes; variance: number }): Float64Array {
  if (x.cols !== 2) throw new RangeError(`points must have 2 columns, got ${x.cols}`);
  const { nodes: { points, logWeights }, variance } = options;
  const scale = -0.5 / variance, norm = -Math.log(2 * Math.PI * variance);
  const k = logWeights.length;
  const v = new Float64Array(k);
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    const a = x.data[2 * r], b = x.data[2 * r + 1];
    let max = -Infinity;
    for (let j = 0; j < k; j++) {
      const da = a - points[2 * j], db = b - points[2 * j + 1];
      v[j] = logWeights[j] + scale * (da * da + db * db);
      if (v[j] > max) max = v[j];
    }
    // Terms below e^-40 of the largest change the sum by less than k e^-40: skip their exponentials.
    let sum = 0;
    for (let j = 0; j < k; j++) if (v[j] > max - 40) sum += Math.exp(v[j] - max);
    out[r] = max + Math.log(sum) + norm;
  }
  return out;
}

/** The spiral's quadrature nodes (x, z interleaved) and log weights, computed once. */
const ROLL_NODES: Nodes = (() => {
  const count = QUADRATURE_NODES.swissRoll, step = (ROLL.end - ROLL.start) / (count - 1);
  const points = new Float64Array(2 * count);
  for (let j = 0; j < count; j++) {
    const t = ROLL.start + j * step;
    points[2 * j] = t * Math.cos(t);
    points[2 * j + 1] = t * Math.sin(t);
  }
  return { points, logWeights: simpsonWeights(count).map(Math.log) };
})();

/**
 * The swiss roll's log-density. The spiral point at parameter t lies at radius
 * t, so a node t_j is at least |r - t_j| from a point at radius r: with U the
 * point's distance to the spiral at the candidate parameters of its own angle
 * (theta + 2 pi k) and at the ends, every node farther than
 * sqrt((U + spacing)^2 + 80 s^2) in radius contributes below e^-40 of the
 * nearest one and is skipped.
 */
function swissRollLogDensity(x: Matrix): Float64Array {
  if (x.cols !== 3) throw new RangeError(`swiss roll points must have 3 columns, got ${x.cols}`);
  const s = DATASET_PARAMETERS.swissRoll.noise, variance = s * s;
  const nodes = QUADRATURE_NODES.swissRoll;
  const step = (ROLL.end - ROLL.start) / (nodes - 1);
  const spacing = step * Math.hypot(1, ROLL.end); // the largest distance between neighbouring nodes
  const scale = -0.5 / variance, norm = -Math.log(2 * Math.PI * variance);
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    const a = x.data[3 * r], y = x.data[3 * r + 1], b = x.data[3 * r + 2];
    const radius = Math.hypot(a, b), angle = Math.atan2(b, a);
    const distance = (t: number): number => Math.hypot(a - t * Math.cos(t), b - t * Math.sin(t));
    let u = Math.min(distance(ROLL.start), distance(ROLL.end));
    for (
      let t = angle + 2 * Math.PI * Math.ceil((ROLL.start - angle) / (2 * Math.PI));
      t <= ROLL.end;
      t += 2 * Math.PI
    ) {
      u = Math.min(u, distance(t));
    }
    const half = Math.sqrt((u + spacing) ** 2 + 80 * variance);
    let lo = Math.max(0, Math.ceil((radius - half - ROLL.start) / step));
    let hi = Math.min(nodes - 1, Math.floor((radius + half - ROLL.start) / step));
    if (lo > hi) [lo, hi] = [0, nodes - 1]; // rounding only: the window always holds the nearest node
    let max = -Infinity, sum = 0;
    const { points, logWeights } = ROLL_NODES;
    for (let j = lo; j <= hi; j++) {
      const da = a - points[2 * j], db = b - points[2 * j + 1];
      const v = logWeights[j] + scale * (da * da + db * db);
      // A running log-sum-exp: rescale the sum whenever a larger term arrives.
      if (v > max) {
        sum = sum * Math.exp(max - v) + 1;
        max = v;
      } else sum += Math.exp(v - max);
    }
    const height = logNormalInterval(-y / s, (ROLL.height - y) / s) - Math.log(ROLL.height);
    out[r] = max + Math.log(sum) + norm + height;
  }
  return out;
}
