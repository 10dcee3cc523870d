/**
 * The closed forms of the linear-regression experiment (Gerstgrasser et al.
 * 2024): the expected test MSE under Replace and Accumulate on a fixed design,
 * and (beyond the paper) its exact recursion under the "Fresh" workflow,
 * drawn beside the simulations and checked against them.
 *
 * @module
 */

import { MinimumNormSolver } from "../numerics/least_squares.ts";
import { matrix } from "../numerics/matrix.ts";
import { designGram, type LinearRegressionSetting, quadraticForm } from "./linear_regression.ts";

/** The workflows with a closed-form expected test MSE. */
export type ClosedFormWorkflow = "Replace" | "Accumulate";

/** Options of {@linkcode expectedTestMse}. */
export interface ExpectedTestMseOptions {
  sigmaSquared: number;
  /**
   * tr(S (X0^T X0)^{-1}) with S the test points' second-moment matrix: for a
   * fixed design, exact; averaged over Gaussian designs and tests,
   * E tr((X0^T X0)^{-1}) = d / (n - d - 1) ({@linkcode inverseWishartTrace}).
   */
  trace: number;
}

/**
 * The expected test MSE after `iteration` fits (Gerstgrasser et al.): with
 * A = (X0^T X0)^{-1} X0^T, Replace's error is a random walk
 * w_t - w* = A(eps_1 + ... + eps_t), so E = sigma^2 t trace; Accumulate's is
 * w_t - w* = sum_{s <= t} A eps_s / s, so E = sigma^2 trace sum_{s <= t} 1/s^2
 * (bounded by pi^2/6 times the first iteration's).
 */
export function expectedTestMse(
  workflow: ClosedFormWorkflow,
  iteration: number,
  options: ExpectedTestMseOptions,
): number {
  if (!Number.isInteger(iteration) || iteration < 1) {
    throw new RangeError(`iteration must be an integer >= 1, got ${iteration}`);
  }
  const base = options.sigmaSquared * options.trace;
  if (workflow === "Replace") return base * iteration;
  if (workflow === "Accumulate") {
    let sum = 0;
    for (let s = 1; s <= iteration; s++) sum += 1 / (s * s);
    return base * sum;
  }
  throw new RangeError(`workflow must be "Replace" or "Accumulate", got ${JSON.stringify(workflow)}`);
}

/** E tr((X^T X)^{-1}) = d / (n - d - 1) for X (n x d) with N(0, 1) entries; needs n > d + 1. */
export function inverseWishartTrace(dim: number, samples: number): number {
  if (!(samples > dim + 1)) {
    throw new RangeError(`E tr((X^T X)^-1) is finite only for n > d + 1, got n = ${samples}, d = ${dim}`);
  }
  return dim / (samples - dim - 1);
}

/**
 * The expected test MSE of least squares on `samples` synthetic rows of fresh
 * Gaussian inputs x ~ N(0, I_d), labelled y = x^T w_1 + sigma eps by a first
 * fit w_1 on `pool` real rows (the real-versus-synthetic study's
 * synthetic-only baseline): the first fit's error and the refit's add,
 * sigma^2 (d/(R - d - 1) + d/(m - d - 1)), R = pool, m = samples, both > d + 1.
 * With no first fit (real rows only) it is sigma^2 d/(m - d - 1), i.e.
 * `sigmaSquared * inverseWishartTrace(d, m)`.
 */
export function expectedRefitMse(
  dim: number,
  options: { pool: number; samples: number; sigmaSquared: number },
): number {
  return options.sigmaSquared * (inverseWishartTrace(dim, options.pool) + inverseWishartTrace(dim, options.samples));
}

/** Options of {@linkcode freshExpectations}. */
export interface FreshExpectationsOptions {
  /** m: the design rows (the first m) labelled afresh from the truth at every iteration after the first. */
  freshRows: number;
  iterations: number;
}

/** Exact expectations of the metrics per iteration, and their limit (Infinity when there is none). */
export interface FreshExpectations {
  testMse: number[];
  weightSquaredError: number[];
  limit: { testMse: number; weightSquaredError: number };
}

/**
 * Exact E[test MSE] and E||w_t - w*||^2 under the "Fresh" workflow on a fixed
 * design, given the design (expectations over the label noise only). Each
 * training set after the first labels every design row once: the first m rows
 * with real labels X_F w* + eps, the other n - m with the last fit's,
 * X_S w_t + eps. With G = X0^T X0, G_S = X_S^T X_S, G^+ the pseudo-inverse,
 * w_{t+1} = G^+ X0^T y gives
 *   e_{t+1} = w_{t+1} - w* = b + P e_t + G^+ X0^T eps,  P = G^+ G_S,
 * b = -(I - G^+ G) w* (the part of w* the design cannot see; 0 when n >= d,
 * and P b = 0), so E[e_t] = b and C_t = Cov(e_t) follows
 *   C_1 = sigma^2 G^+,  C_{t+1} = P C_t P^T + sigma^2 G^+.
 * Then E[test MSE_t] = tr(S C_t) + b^T S b with S the test points' second
 * moments, and E||e_t||^2 = tr(C_t) + |b|^2. For m = 0, P = G^+ G and
 * C_t = t sigma^2 G^+: Replace's random walk. The fixed point exists when the
 * fresh rows span the design's row space (rank G_F = rank G: P's spectral
 * radius is then below 1; m >= d for a full-rank design); otherwise the
 * directions the fresh rows do not see random-walk as under Replace and the
 * limit is Infinity. It is summed by doubling (Smith's method:
 * C = sum_k P^k sigma^2 G^+ P^kT).
 */
export function freshExpectations(
  setting: LinearRegressionSetting,
  options: FreshExpectationsOptions,
): FreshExpectations {
  const { design, testDesign, trueWeights, sigmaSquared } = setting;
  const { rows: n, cols: d } = design;
  const { freshRows: m, iterations } = options;
  if (!Number.isInteger(m) || m < 0 || m > n) {
    throw new RangeError(`freshRows must be an integer in [0, ${n}], got ${JSON.stringify(m)}`);
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`iterations must be an integer >= 1, got ${iterations}`);
  }
  const gram = designGram(design);
  const solver = new MinimumNormSolver(gram, d);
  const pinv = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const unit = new Float64Array(d);
    unit[j] = 1;
    const column = solver.solve(unit);
    for (let i = 0; i < d; i++) pinv[i * d + j] = column[i];
  }
  const syntheticGram = m < n ? designGram(matrix(n - m, d, design.data.subarray(m * d))) : new Float64Array(d * d);
  const p = multiply(pinv, syntheticGram);
  const projection = multiply(pinv, gram);
  const bias = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let seen = 0;
    for (let j = 0; j < d; j++) seen += projection[i * d + j] * trueWeights[j];
    bias[i] = seen - trueWeights[i];
  }
  const testSecond = designGram(testDesign).map((v) => v / testDesign.rows);
  const noise = pinv.map((v) => v * sigmaSquared);
  const biasMse = quadraticForm(testSecond, bias), biasSquared = bias.reduce((s, v) => s + v * v, 0);
  const metrics = (c: Float64Array): [number, number] => {
    let mse = 0, trace = 0;
    for (let i = 0; i < d; i++) {
      trace += c[i * d + i];
      for (let j = 0; j < d; j++) mse += testSecond[i * d + j] * c[j * d + i];
    }
    return [mse + biasMse, trace + biasSquared];
  };
  const testMse: number[] = [], weightSquaredError: number[] = [];
  let c: Float64Array = noise;
  for (let t = 1; t <= iterations; t++) {
    if (t > 1) c = add(sandwich(p, c), noise);
    const [mse, error] = metrics(c);
    testMse.push(mse);
    weightSquaredError.push(error);
  }
  // On the row space P = I - G^+ G_F, whose eigenvalues lie in [0, 1): a limit exactly when G_F has G's rank
  // (decided from the ranks, as rounding puts P's unit eigenvalues a hair below 1). Smith's doubling then sums
  // it: after k steps x = sum_{j < 2^k} P^j noise P^jT, and power = P^(2^k).
  const freshGram = m > 0 ? designGram(matrix(m, d, design.data.subarray(0, m * d))) : undefined;
  const anchored = freshGram !== undefined && new MinimumNormSolver(freshGram, d).rank === solver.rank;
  let x: Float64Array = noise, power: Float64Array = p, converged = false;
  for (let k = 0; k < 64 && anchored && !converged; k++) {
    x = add(x, sandwich(power, x));
    power = multiply(power, power);
    converged = power.every((v) => Math.abs(v) < 1e-14);
  }
  const [limitMse, limitError] = converged ? metrics(x) : [Infinity, Infinity];
  return { testMse, weightSquaredError, limit: { testMse: limitMse, weightSquaredError: limitError } };
}

/** The side d of a row-major d x d matrix. */
function side(a: Float64Array): number {
  return Math.round(Math.sqrt(a.length));
}

/** a b for row-major d x d matrices. */
function multiply(a: Float64Array, b: Float64Array): Float64Array {
  const d = side(a);
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const v = a[i * d + k];
      if (v === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += v * b[k * d + j];
    }
  }
  return out;
}

/** a c a^T. */
function sandwich(a: Float64Array, c: Float64Array): Float64Array {
  const d = side(a);
  const ac = multiply(a, c);
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += ac[i * d + k] * a[j * d + k];
      out[i * d + j] = sum;
    }
  }
  return out;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((v, i) => v + b[i]);
}
