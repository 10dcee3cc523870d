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
 *   exactly 1): composite Simpson along each half circle (257 nodes, spacing
 *   0.012 = noise/4) and the periodic trapezoid rule around each circle (256
 *   nodes, spacing at most 0.025 = noise/2). A trapezoid sum of a Gaussian at
 *   spacing s/2 is exact to ~exp(-8 pi^2) relative, so only the moons' ends
 *   carry an error, Simpson's O((h/s)^4 / 180), ~2e-5 relative.
 * - swiss roll: the height integral in closed form,
 *   (1/21)(Phi((21 - y)/s) - Phi(-y/s)), times the spiral integral over t by
 *   composite Simpson (8193 nodes: spacing at most 0.016 = noise/3 along the
 *   outer turn).
 * All in log space (log-sum-exp), so a point far from the data keeps a finite
 * log-density, and summed only over the nodes that can matter ({@linkcode Mixture}).
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
export const QUADRATURE_NODES = { moons: 257, circles: 256, swissRoll: 8193 } as const;

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
      const mixture = new Mixture(
        { points: centres.data, logWeights: new Float64Array(k).fill(-Math.log(k)) },
        std * std,
      );
      return {
        name,
        dim,
        sample: (count, r) => makeBlobs(count, r, { centres }),
        sampleIid: (count, r) =>
          iid(count, {
            dim,
            noise: std,
            rng: r,
            place: (out) => {
              const c = r.int(k);
              out[0] = centres.data[2 * c];
              out[1] = centres.data[2 * c + 1];
            },
          }),
        logDensity: (x) => planeLogDensity(mixture, x),
      };
    }
    case "moons": {
      const noise = DATASET_PARAMETERS.moons.noise;
      const mixture = new Mixture(moonNodes(QUADRATURE_NODES.moons), noise * noise);
      return {
        name,
        dim,
        sample: (count, r) => makeMoons(count, r),
        sampleIid: (count, r) =>
          iid(count, {
            dim,
            noise,
            rng: r,
            place: (out) => {
              const upper = r.random() < 0.5, t = Math.PI * r.random();
              out[0] = upper ? Math.cos(t) : 1 - Math.cos(t);
              out[1] = upper ? Math.sin(t) : 0.5 - Math.sin(t);
            },
          }),
        logDensity: (x) => planeLogDensity(mixture, x),
      };
    }
    case "circles": {
      const { noise, factor } = DATASET_PARAMETERS.circles;
      const mixture = new Mixture(circleNodes(QUADRATURE_NODES.circles, factor), noise * noise);
      return {
        name,
        dim,
        sample: (count, r) => makeCircles(count, r),
        sampleIid: (count, r) =>
          iid(count, {
            dim,
            noise,
            rng: r,
            place: (out) => {
              const radius = r.random() < 0.5 ? 1 : factor, a = 2 * Math.PI * r.random();
              out[0] = radius * Math.cos(a);
              out[1] = radius * Math.sin(a);
            },
          }),
        logDensity: (x) => planeLogDensity(mixture, x),
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
  options: { dim: number; noise: number; rng: Rng; place: (out: Float64Array) => void },
): Matrix {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be an integer >= 0, got ${count}`);
  const { dim, noise, rng, place } = options;
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

/**
 * A mixture of isotropic 2-D Gaussians of one variance, its nodes cut into
 * blocks of consecutive nodes (neighbours along an arc) with a bounding circle
 * each. A point's log-density sums exactly over the blocks that can matter:
 * a block none of whose nodes can come within e^-40 of the largest term (from
 * the distance bounds |x - c| -+ radius) is skipped, which changes the sum by
 * less than (nodes) e^-40, ~1e-14 relative.
 */
class Mixture {
  readonly #nodes: Nodes;
  readonly #scale: number;
  readonly #norm: number;
  readonly #blocks: { start: number; end: number; x: number; y: number; radius: number; min: number; max: number }[] =
    [];

  constructor(nodes: Nodes, variance: number) {
    this.#nodes = nodes;
    this.#scale = -0.5 / variance;
    this.#norm = -Math.log(2 * Math.PI * variance);
    const { points, logWeights } = nodes;
    for (let start = 0; start < logWeights.length; start += 32) {
      const end = Math.min(start + 32, logWeights.length);
      let x = 0, y = 0, radius = 0, min = Infinity, max = -Infinity;
      for (let j = start; j < end; j++) {
        [x, y] = [x + points[2 * j] / (end - start), y + points[2 * j + 1] / (end - start)];
      }
      for (let j = start; j < end; j++) {
        radius = Math.max(radius, Math.hypot(points[2 * j] - x, points[2 * j + 1] - y));
        [min, max] = [Math.min(min, logWeights[j]), Math.max(max, logWeights[j])];
      }
      this.#blocks.push({ start, end, x, y, radius, min, max });
    }
  }

  /** log sum_j w_j N((a, b); node_j, variance I). */
  logDensity(a: number, b: number): number {
    const scale = this.#scale, blocks = this.#blocks, { points, logWeights } = this.#nodes;
    // A lower bound on the largest term: every block has a node within |x - c| + radius.
    let floor = -Infinity;
    for (const block of blocks) {
      const far = Math.sqrt((a - block.x) ** 2 + (b - block.y) ** 2) + block.radius;
      floor = Math.max(floor, block.min + scale * far * far);
    }
    let max = -Infinity, sum = 0;
    for (const block of blocks) {
      const near = Math.max(0, Math.sqrt((a - block.x) ** 2 + (b - block.y) ** 2) - block.radius);
      if (block.max + scale * near * near < floor - 40) continue;
      for (let j = block.start; j < block.end; j++) {
        const da = a - points[2 * j], db = b - points[2 * j + 1];
        const v = logWeights[j] + scale * (da * da + db * db);
        // A running log-sum-exp: rescale the sum whenever a larger term arrives.
        if (v > max) {
          sum = sum * Math.exp(max - v) + 1;
          max = v;
        } else sum += Math.exp(v - max);
      }
    }
    return max + Math.log(sum) + this.#norm;
  }
}

/** The log-density of a 2-D mixture at each row of `x`. */
function planeLogDensity(mixture: Mixture, x: Matrix): Float64Array {
  if (x.cols !== 2) throw new RangeError(`points must have 2 columns, got ${x.cols}`);
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) out[r] = mixture.logDensity(x.data[2 * r], x.data[2 * r + 1]);
  return out;
}

/** The spiral (x, z) of the swiss roll: Simpson nodes along t, built on first use. */
let rollMixture: Mixture | undefined;

/** The swiss roll's log-density: the spiral's mixture in (x, z) times the height factor in y, in closed form. */
function swissRollLogDensity(x: Matrix): Float64Array {
  if (x.cols !== 3) throw new RangeError(`swiss roll points must have 3 columns, got ${x.cols}`);
  const s = DATASET_PARAMETERS.swissRoll.noise;
  rollMixture ??= (() => {
    const count = QUADRATURE_NODES.swissRoll, step = (ROLL.end - ROLL.start) / (count - 1);
    const points = new Float64Array(2 * count);
    for (let j = 0; j < count; j++) {
      const t = ROLL.start + j * step;
      points[2 * j] = t * Math.cos(t);
      points[2 * j + 1] = t * Math.sin(t);
    }
    return new Mixture({ points, logWeights: simpsonWeights(count).map(Math.log) }, s * s);
  })();
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    const [a, y, b] = x.data.subarray(3 * r, 3 * r + 3);
    const height = logNormalInterval(-y / s, (ROLL.height - y) / s) - Math.log(ROLL.height);
    out[r] = rollMixture.logDensity(a, b) + height;
  }
  return out;
}
