/**
 * Logistic regression on a fixed design (beyond the paper; the setting of
 * lib/models/linear_regression.ts with binary labels, as in Dey and Donoho's
 * study of model collapse in generalized linear models): a fixed design X0
 * (n x d), true weights w*, labels y ~ Bernoulli(sigmoid(X0 w*)). A sample
 * relabels the same design from the fitted model. The data are label sets on
 * the design ({@linkcode LabelSet}, shared with linear regression), so pools
 * carry labels and row indices, not copies of the design.
 *
 * The fit minimises the L2-penalised negative log-likelihood
 *
 *   J(w) = sum_r [softplus(x_r^T w) - y_r x_r^T w] + (ridge / 2) |w|^2
 *
 * by Newton's method (iteratively reweighted least squares) with a
 * backtracking line search, through per-row totals (how many labels each
 * design row carries and how many are 1), so a fit costs O(n d^2) per Newton
 * step however large an Accumulate pool grows. Why a ridge: when the labels
 * are linearly separable (likely when n is not well above 2d, and the rule
 * under Replace, whose fits sharpen their own labels) the maximum-likelihood
 * w is infinite and Newton would run off to it; any ridge > 0 makes J
 * strictly convex with a finite minimiser. A small one (default 1e-3, against
 * a Fisher information of order n / 10 per direction) moves a non-separable
 * fit by a relative O(ridge / n) only.
 *
 * @module
 */

import { cholesky, choleskySolve } from "../numerics/linalg.ts";
import { dotRows, type Matrix, scatterMatrix } from "../numerics/matrix.ts";
import type { Rng } from "../numerics/rng.ts";
import type { Accumulator, Estimator } from "./estimator.ts";
import { type LabelSet, labelSetOps } from "./linear_regression.ts";

/** The fixed setting of one run: truth, design, test inputs and the ridge. */
export interface LogisticRegressionSetting {
  /** w* (length d). */
  trueWeights: Float64Array;
  /** The fixed design X0 (n x d): every label set is drawn on it. */
  design: Matrix;
  /** Test inputs (m x d): the test log-loss is taken against their true probabilities. */
  testDesign: Matrix;
  /** The L2 penalty's weight; > 0. */
  ridge: number;
}

/** A fitted logistic model and how its Newton run ended. */
export interface LogisticModel {
  readonly weights: Float64Array;
  readonly newtonIterations: number;
  /** max_j |dJ/dw_j| at the returned weights. */
  readonly gradientNorm: number;
}

/** Per design row: the number of labels it carries and how many of them are 1. */
export interface RowTotals {
  readonly counts: Float64Array;
  readonly positives: Float64Array;
}

/** The default ridge (see the module's documentation). */
export const DEFAULT_RIDGE = 1e-3;

/** Newton stops when every gradient entry is at most this, or after {@linkcode NEWTON_ITERATIONS} steps. */
export const GRADIENT_TOLERANCE = 1e-10;

/** Newton steps at most (quadratic convergence needs about ten from 0; separable data a few dozen). */
export const NEWTON_ITERATIONS = 200;

/** log(1 + e^z) without overflow or loss of precision. */
export function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/** 1 / (1 + e^-z), computed on the side where the exponential cannot overflow. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function checkRidge(ridge: number): void {
  if (typeof ridge !== "number" || !(ridge > 0) || !Number.isFinite(ridge)) {
    throw new RangeError(`ridge must be a finite number > 0, got ${JSON.stringify(ridge)}`);
  }
}

/** The row totals of a label set (labels must be 0 or 1). */
export function rowTotals(set: LabelSet): RowTotals {
  const n = set.design.rows;
  const counts = new Float64Array(n), positives = new Float64Array(n);
  addRowTotals({ counts, positives }, set);
  return { counts, positives };
}

function addRowTotals(totals: RowTotals, set: LabelSet): void {
  const { labels, rows } = set;
  if (rows ? rows.length !== labels.length : labels.length !== set.design.rows) {
    throw new RangeError(`a label set needs one label per row, got ${labels.length} labels`);
  }
  for (let r = 0; r < labels.length; r++) {
    const y = labels[r];
    if (y !== 0 && y !== 1) throw new RangeError(`logistic labels must be 0 or 1, got ${y}`);
    const row = rows ? rows[r] : r;
    totals.counts[row]++;
    totals.positives[row] += y;
  }
}

/** The penalised objective J(w) from the logits z = X0 w. */
function objective(totals: RowTotals, options: { logits: Float64Array; weights: Float64Array; ridge: number }): number {
  const { logits, weights, ridge } = options;
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    if (totals.counts[i] > 0) total += totals.counts[i] * softplus(logits[i]) - totals.positives[i] * logits[i];
  }
  let squared = 0;
  for (const w of weights) squared += w * w;
  return total + (ridge / 2) * squared;
}

const logitsOf = (design: Matrix, weights: Float64Array): Float64Array =>
  dotRows(design.data, weights, { rows: design.rows, columns: 1, depth: design.cols });

/** The gradient X0^T (c sigmoid(z) - s) + ridge w of J. */
export function penalisedGradient(
  design: Matrix,
  options: { totals: RowTotals; weights: Float64Array; ridge: number },
): Float64Array {
  const { totals, weights, ridge } = options;
  const { rows: n, cols: d, data } = design;
  const z = logitsOf(design, weights);
  const g = weights.map((w) => ridge * w);
  for (let i = 0; i < n; i++) {
    const residual = totals.counts[i] * sigmoid(z[i]) - totals.positives[i];
    if (residual !== 0) { for (let j = 0; j < d; j++) g[j] += residual * data[i * d + j]; }
  }
  return g;
}

/**
 * The penalised maximum-likelihood fit from row totals: Newton steps
 * w <- w - t H^-1 g (H = X0^T diag(c q (1 - q)) X0 + ridge I, one Cholesky
 * each), t halved until J decreases by at least 1e-4 t g^T H^-1 g (Armijo),
 * from w = 0, until max |g_j| <= {@linkcode GRADIENT_TOLERANCE}. Once the
 * Newton decrement g^T H^-1 g is at rounding level of J, the Armijo test can
 * no longer pass; full Newton steps are then taken while they shrink the
 * gradient (near the minimum Newton converges quadratically).
 */
export function fitLogisticTotals(design: Matrix, options: { totals: RowTotals; ridge: number }): LogisticModel {
  const { totals, ridge } = options;
  checkRidge(ridge);
  const { rows: n, cols: d } = design;
  if (totals.counts.length !== n || totals.positives.length !== n) {
    throw new RangeError(`row totals must have one entry per design row (${n})`);
  }
  const zero = new Float64Array(d);
  let weights = new Float64Array(d);
  let logits = logitsOf(design, weights);
  let value = objective(totals, { logits, weights, ridge });
  let gradient = penalisedGradient(design, { totals, weights, ridge });
  let iterations = 0;
  const norm = (g: Float64Array): number => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  while (norm(gradient) > GRADIENT_TOLERANCE && iterations < NEWTON_ITERATIONS) {
    iterations++;
    const curvature = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const q = sigmoid(logits[i]);
      curvature[i] = totals.counts[i] * q * (1 - q);
    }
    const hessian = scatterMatrix(design, zero, { weights: curvature });
    for (let j = 0; j < d; j++) hessian[j * d + j] += ridge;
    const l = cholesky(hessian, d);
    if (!l) throw new RangeError("the penalised Hessian is not positive definite (non-finite data?)");
    const step = Float64Array.from(gradient);
    choleskySolve(l, d, step); // H^-1 g: the step is its negative
    let decrement = 0;
    for (let j = 0; j < d; j++) decrement += gradient[j] * step[j];
    if (decrement <= 1e-13 * (1 + Math.abs(value))) {
      // J can no longer tell steps apart: take the full Newton step while it shrinks the gradient.
      const trial = weights.map((w, j) => w - step[j]);
      const trialGradient = penalisedGradient(design, { totals, weights: trial, ridge });
      if (!(norm(trialGradient) < norm(gradient))) break;
      [weights, gradient] = [trial, trialGradient];
      logits = logitsOf(design, weights);
      value = objective(totals, { logits, weights, ridge });
      continue;
    }
    let t = 1, accepted = false;
    for (let halvings = 0; halvings < 60; halvings++, t /= 2) {
      const trial = weights.map((w, j) => w - t * step[j]);
      const trialLogits = logitsOf(design, trial);
      const trialValue = objective(totals, { logits: trialLogits, weights: trial, ridge });
      if (trialValue <= value - 1e-4 * t * decrement) {
        [weights, logits, value, accepted] = [trial, trialLogits, trialValue, true];
        break;
      }
    }
    if (!accepted) break; // no decrease at any step length: the minimum to rounding
    gradient = penalisedGradient(design, { totals, weights, ridge });
  }
  return { weights, newtonIterations: iterations, gradientNorm: norm(gradient) };
}

/** The penalised fit of a label set on its design. */
export function fitLogistic(set: LabelSet, options: { ridge: number }): LogisticModel {
  return fitLogisticTotals(set.design, { totals: rowTotals(set), ridge: options.ridge });
}

/**
 * `count` labels drawn from Bernoulli(sigmoid(x^T w)) on design rows: for
 * count = n every row once, in order; otherwise floor(count / n) passes over
 * every row and, for the remainder, rows drawn uniformly without replacement.
 */
export function labelRows(design: Matrix, options: { weights: Float64Array; count: number; rng: Rng }): LabelSet {
  const { weights, count, rng } = options;
  const n = design.rows;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be an integer >= 0, got ${count}`);
  let rows: Int32Array | undefined;
  if (count !== n) {
    const passes = Math.floor(count / n);
    rows = new Int32Array(count);
    for (let r = 0; r < passes * n; r++) rows[r] = r % n;
    rows.set(rng.sampleWithoutReplacement(n, count - passes * n), passes * n);
  }
  const logits = logitsOf(design, weights);
  const labels = new Float64Array(count);
  for (let r = 0; r < count; r++) labels[r] = rng.random() < sigmoid(logits[rows ? rows[r] : r]) ? 1 : 0;
  return rows ? { design, labels, rows } : { design, labels };
}

/** log P(y_r | x_r) = y z - softplus(z) of every label of `set` under `weights`. */
export function labelLogLikelihoods(set: LabelSet, weights: Float64Array): Float64Array {
  const logits = logitsOf(set.design, weights);
  return set.labels.map((y, r) => {
    const z = logits[set.rows ? set.rows[r] : r];
    return y * z - softplus(z);
  });
}

/** Running row totals: Accumulate refits from them in O(n d^2) per Newton step, never rescanning the pool. */
export class LogisticAccumulator implements Accumulator<LabelSet, LogisticModel> {
  readonly #design: Matrix;
  readonly #ridge: number;
  readonly #totals: RowTotals;
  #count = 0;

  /** An empty accumulator of label sets on `design`. */
  constructor(design: Matrix, options: { ridge: number }) {
    checkRidge(options.ridge);
    this.#design = design;
    this.#ridge = options.ridge;
    this.#totals = { counts: new Float64Array(design.rows), positives: new Float64Array(design.rows) };
  }

  add(set: LabelSet): void {
    if (set.design !== this.#design) throw new RangeError("the accumulator takes label sets on its own design");
    addRowTotals(this.#totals, set);
    this.#count += set.labels.length;
  }

  fit(): LogisticModel {
    if (this.#count === 0) throw new RangeError("LogisticAccumulator has no data yet");
    return fitLogisticTotals(this.#design, { totals: this.#totals, ridge: this.#ridge });
  }
}

/**
 * Metrics of weights `w` against the truth on the test inputs: `testLogLoss`
 * = -mean[p log q + (1 - p) log(1 - q)] = mean[softplus(z) - p z] with
 * p = sigmoid(x^T w*), q = sigmoid(z), z = x^T w (the expected log-loss of a
 * fresh label, no label noise in the estimate); `testExcessLogLoss`, its
 * excess over the truth's own (the mean KL(p || q) >= 0); and
 * `weightSquaredError` = |w - w*|^2.
 */
export function logisticMetrics(setting: LogisticRegressionSetting, weights: Float64Array): Record<string, number> {
  const { testDesign, trueWeights } = setting;
  const z = logitsOf(testDesign, weights), truth = logitsOf(testDesign, trueWeights);
  let logLoss = 0, excess = 0;
  for (let i = 0; i < z.length; i++) {
    const p = sigmoid(truth[i]);
    logLoss += softplus(z[i]) - p * z[i];
    excess += softplus(z[i]) - softplus(truth[i]) - p * (z[i] - truth[i]);
  }
  let weightSquaredError = 0;
  for (let j = 0; j < weights.length; j++) weightSquaredError += (weights[j] - trueWeights[j]) ** 2;
  return { testLogLoss: logLoss / z.length, testExcessLogLoss: excess / z.length, weightSquaredError };
}

/**
 * The logistic-regression estimator of one setting over label sets: fit =
 * {@linkcode fitLogistic}, sample = {@linkcode labelRows} from the fit,
 * evaluate = {@linkcode logisticMetrics} plus the fit's `newtonIterations`;
 * Accumulate refits from running row totals.
 */
export function logisticRegressionEstimator(setting: LogisticRegressionSetting): Estimator<LabelSet, LogisticModel> {
  const { design, testDesign, trueWeights, ridge } = setting;
  const d = trueWeights.length;
  checkRidge(ridge);
  if (d < 1 || design.cols !== d || testDesign.cols !== d || design.rows < 1 || testDesign.rows < 1) {
    throw new RangeError(
      `design and testDesign need ${d} columns and at least one row, got ${design.rows} x ${design.cols} and ` +
        `${testDesign.rows} x ${testDesign.cols}`,
    );
  }
  return {
    ops: labelSetOps,
    fit: (set: LabelSet): LogisticModel => fitLogistic(set, { ridge }),
    sample: (model: LogisticModel, count: number, rng: Rng): LabelSet =>
      labelRows(design, { weights: model.weights, count, rng }),
    accumulator: () => new LogisticAccumulator(design, { ridge }),
    evaluate: (model: LogisticModel): Record<string, number> => ({
      ...logisticMetrics(setting, model.weights),
      newtonIterations: model.newtonIterations,
    }),
  };
}
