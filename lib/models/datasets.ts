/**
 * The four toy data sets of the paper's kernel density experiment (section 2;
 * original notebooks 02, 06, 11, 12), with scikit-learn's definitions
 * (`sklearn.datasets.make_blobs`, `make_circles`, `make_moons`,
 * `make_swiss_roll`), drawn from the project's seeded {@linkcode Rng}.
 *
 * One deliberate difference from the original code: it called `make_blobs`
 * once for the training data and once for the test data, and each call drew
 * new random centres, so its blob test set came from other blobs than its
 * training set. Here the centres are drawn once per run
 * ({@linkcode drawBlobCentres}) and shared by the training and the test data.
 *
 * @module
 */

import { type Matrix, matrix } from "../numerics/matrix.ts";
import type { Rng } from "../numerics/rng.ts";
import { assertOneOf } from "../util/one_of.ts";

/** The data set names, in the order of the figures. */
export const DATASET_NAMES = ["blobs", "circles", "moons", "swiss_roll"] as const;

/** One of {@linkcode DATASET_NAMES}. */
export type DatasetName = typeof DATASET_NAMES[number];

/** Throws unless `value` names a data set, listing the allowed names. */
export function assertDatasetName(value: unknown, field = "dataset"): asserts value is DatasetName {
  assertOneOf(value, DATASET_NAMES, field);
}

/** The dimension of each data set's points. */
export const DATASET_DIMS: Record<DatasetName, number> = { blobs: 2, circles: 2, moons: 2, swiss_roll: 3 };

/**
 * The generators' parameters, as in the paper's sweeps: Gaussian noise of
 * standard deviation 0.05 for circles, moons and the swiss roll; scikit-learn's
 * defaults otherwise (3 blob centres uniform in the box (-10, 10)^2 with
 * cluster standard deviation 1; inner circle radius `factor` 0.8).
 */
export const DATASET_PARAMETERS = {
  blobs: { centres: 3, centreBox: [-10, 10] as const, clusterStd: 1 },
  circles: { noise: 0.05, factor: 0.8 },
  moons: { noise: 0.05 },
  swissRoll: { noise: 0.05 },
} as const;

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`count must be an integer >= 1, got ${JSON.stringify(count)}`);
  }
}

function checkNonNegative(value: number, field: string): void {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${field} must be a finite number >= 0, got ${JSON.stringify(value)}`);
  }
}

/** Shuffles the rows of `x` in place (Fisher-Yates), as scikit-learn's `shuffle=True` does. */
function shuffleRows(x: Matrix, rng: Rng): void {
  const { rows, cols, data } = x;
  const tmp = new Float64Array(cols);
  for (let i = rows - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    if (j === i) continue;
    tmp.set(data.subarray(i * cols, (i + 1) * cols));
    data.copyWithin(i * cols, j * cols, (j + 1) * cols);
    data.set(tmp, j * cols);
  }
}

function addNoise(x: Matrix, noise: number, rng: Rng): void {
  if (noise === 0) return;
  const data = x.data;
  for (let i = 0; i < data.length; i++) data[i] += noise * rng.normal();
}

/** Options of {@linkcode makeMoons}. */
export interface MoonsOptions {
  /** Standard deviation of the Gaussian noise added to each coordinate. Default 0.05. */
  noise?: number;
}

/**
 * scikit-learn's `make_moons`: floor(count/2) points evenly spaced on the
 * upper half circle (cos t, sin t), t in [0, pi], and the rest on the lower
 * half circle (1 - cos t, 1/2 - sin t), shuffled, plus N(0, noise^2) noise.
 */
export function makeMoons(count: number, rng: Rng, options: MoonsOptions = {}): Matrix {
  checkCount(count);
  const noise = options.noise ?? DATASET_PARAMETERS.moons.noise;
  checkNonNegative(noise, "noise");
  const outer = Math.floor(count / 2);
  const inner = count - outer;
  const x = matrix(count, 2);
  const step = (points: number): number => (points > 1 ? Math.PI / (points - 1) : 0);
  for (let i = 0; i < outer; i++) {
    const t = i * step(outer);
    x.data[2 * i] = Math.cos(t);
    x.data[2 * i + 1] = Math.sin(t);
  }
  for (let i = 0; i < inner; i++) {
    const t = i * step(inner);
    x.data[2 * (outer + i)] = 1 - Math.cos(t);
    x.data[2 * (outer + i) + 1] = 1 - Math.sin(t) - 0.5;
  }
  shuffleRows(x, rng);
  addNoise(x, noise, rng);
  return x;
}

/** Options of {@linkcode makeCircles}. */
export interface CirclesOptions {
  /** Standard deviation of the Gaussian noise. Default 0.05 (as in the paper's sweeps). */
  noise?: number;
  /** Radius of the inner circle, in (0, 1). Default 0.8 (scikit-learn's default). */
  factor?: number;
}

/**
 * scikit-learn's `make_circles`: floor(count/2) points evenly spaced on the
 * unit circle (angles 2 pi k / m, endpoint excluded) and the rest on the
 * circle of radius `factor`, shuffled, plus N(0, noise^2) noise.
 */
export function makeCircles(count: number, rng: Rng, options: CirclesOptions = {}): Matrix {
  checkCount(count);
  const noise = options.noise ?? DATASET_PARAMETERS.circles.noise;
  const factor = options.factor ?? DATASET_PARAMETERS.circles.factor;
  checkNonNegative(noise, "noise");
  if (!(factor > 0 && factor < 1)) throw new RangeError(`factor must be in (0, 1), got ${JSON.stringify(factor)}`);
  const outer = Math.floor(count / 2);
  const inner = count - outer;
  const x = matrix(count, 2);
  for (let i = 0; i < outer; i++) {
    const t = (2 * Math.PI * i) / outer;
    x.data[2 * i] = Math.cos(t);
    x.data[2 * i + 1] = Math.sin(t);
  }
  for (let i = 0; i < inner; i++) {
    const t = (2 * Math.PI * i) / inner;
    x.data[2 * (outer + i)] = factor * Math.cos(t);
    x.data[2 * (outer + i) + 1] = factor * Math.sin(t);
  }
  shuffleRows(x, rng);
  addNoise(x, noise, rng);
  return x;
}

/** Options of {@linkcode makeSwissRoll}. */
export interface SwissRollOptions {
  /** Standard deviation of the Gaussian noise. Default 0.05. */
  noise?: number;
}

/**
 * scikit-learn's `make_swiss_roll` (without a hole): t = 1.5 pi (1 + 2u),
 * u ~ U(0, 1); the point (t cos t, 21 v, t sin t), v ~ U(0, 1), plus
 * N(0, noise^2 I_3) noise.
 */
export function makeSwissRoll(count: number, rng: Rng, options: SwissRollOptions = {}): Matrix {
  checkCount(count);
  const noise = options.noise ?? DATASET_PARAMETERS.swissRoll.noise;
  checkNonNegative(noise, "noise");
  const x = matrix(count, 3);
  for (let i = 0; i < count; i++) {
    const t = 1.5 * Math.PI * (1 + 2 * rng.random());
    x.data[3 * i] = t * Math.cos(t);
    x.data[3 * i + 1] = 21 * rng.random();
    x.data[3 * i + 2] = t * Math.sin(t);
  }
  addNoise(x, noise, rng);
  return x;
}

/** Options of {@linkcode drawBlobCentres}. */
export interface BlobCentresOptions {
  /** Number of centres. Default 3. */
  centres?: number;
  /** Dimension. Default 2. */
  dim?: number;
  /** Each coordinate is uniform in [low, high). Default [-10, 10]. */
  centreBox?: readonly [number, number];
}

/** Blob centres as scikit-learn draws them: each coordinate uniform in the centre box. */
export function drawBlobCentres(rng: Rng, options: BlobCentresOptions = {}): Matrix {
  const centres = options.centres ?? DATASET_PARAMETERS.blobs.centres;
  const dim = options.dim ?? 2;
  const [low, high] = options.centreBox ?? DATASET_PARAMETERS.blobs.centreBox;
  if (!Number.isInteger(centres) || centres < 1) {
    throw new RangeError(`centres must be an integer >= 1, got ${centres}`);
  }
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`dim must be an integer >= 1, got ${dim}`);
  if (!(high > low)) throw new RangeError(`centreBox must be [low, high] with high > low, got [${low}, ${high}]`);
  const out = matrix(centres, dim);
  for (let i = 0; i < out.data.length; i++) out.data[i] = low + (high - low) * rng.random();
  return out;
}

/** Options of {@linkcode makeBlobs}. */
export interface BlobsOptions {
  /** The blob centres, one per row (see {@linkcode drawBlobCentres}). */
  centres: Matrix;
  /** Standard deviation of each blob. Default 1. */
  clusterStd?: number;
}

/**
 * scikit-learn's `make_blobs` around given centres: count/k points per centre
 * (the first count mod k centres get one more), each centre + N(0, std^2 I),
 * shuffled.
 */
export function makeBlobs(count: number, rng: Rng, options: BlobsOptions): Matrix {
  checkCount(count);
  const { centres } = options;
  const std = options.clusterStd ?? DATASET_PARAMETERS.blobs.clusterStd;
  checkNonNegative(std, "clusterStd");
  const { rows: k, cols: d } = centres;
  if (k < 1) throw new RangeError("makeBlobs needs at least one centre");
  const x = matrix(count, d);
  let row = 0;
  for (let c = 0; c < k; c++) {
    const size = Math.floor(count / k) + (c < count % k ? 1 : 0);
    for (let i = 0; i < size; i++, row++) {
      for (let j = 0; j < d; j++) x.data[row * d + j] = centres.data[c * d + j] + std * rng.normal();
    }
  }
  shuffleRows(x, rng);
  return x;
}

/**
 * A data set's generator with its parameters fixed for one run: the blob
 * centres are drawn once, from `rng`, when the sampler is made; every call of
 * the returned function draws `count` fresh points from the same distribution.
 */
export function datasetSampler(name: DatasetName, rng: Rng): (count: number, rng: Rng) => Matrix {
  assertDatasetName(name);
  switch (name) {
    case "blobs": {
      const centres = drawBlobCentres(rng);
      return (count: number, r: Rng): Matrix => makeBlobs(count, r, { centres });
    }
    case "circles":
      return (count: number, r: Rng): Matrix => makeCircles(count, r);
    case "moons":
      return (count: number, r: Rng): Matrix => makeMoons(count, r);
    case "swiss_roll":
      return (count: number, r: Rng): Matrix => makeSwissRoll(count, r);
  }
}
