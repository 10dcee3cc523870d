/**
 * Linear regression on a fixed design (paper section 3, after Gerstgrasser et
 * al. 2024): w* ~ N(0, I_d), a fixed design X0 (n x d), labels X0 w* + sigma
 * eps. The fit is the minimum-norm least-squares solution (the pseudo-inverse's,
 * also for rank-deficient designs); a sample relabels the same design with the
 * current fit. A data point is a row [x_1 .. x_d, y] of a {@linkcode Matrix},
 * so the generic workflows apply unchanged.
 *
 * @module
 */

import { type Matrix, matrix, matrixOps, pivotedCholesky, scatterMatrix } from "./matrix.ts";
import type { Rng } from "./rng.ts";
import type { Accumulator, Estimator } from "./workflows.ts";

/** Options of {@linkcode MinimumNormSolver}. */
export interface MinimumNormSolverOptions {
  /**
   * A pivot (remaining diagonal of the Gram matrix) at or below this fraction
   * of the largest diagonal counts as zero. Default 1e-10: directions whose
   * singular value in X is below 1e-5 of the largest are dropped, as a
   * pseudo-inverse with that cutoff would. A Gram matrix carries rounding
   * errors near 1e-16 times its scale, so smaller cutoffs cannot be resolved.
   */
  relativeTolerance?: number;
}

/**
 * Minimum-norm solutions of G w = b for a symmetric positive semi-definite G
 * (a Gram matrix X^T X), i.e. w = G^+ b, which for b = X^T y is the
 * pseudo-inverse's least-squares fit X^+ y.
 *
 * Method: Cholesky with complete pivoting, P^T G P = L L^T with L of the
 * numerical rank r (d x r). At full rank, two triangular solves. When r < d,
 * G^+ = P L (L^T L)^{-2} L^T P^T (from the thin SVD of L), with L^T L (r x r,
 * well conditioned when the retained pivots are) factored by a plain Cholesky.
 * O(d^3 / 3) to factor, O(d r) per solve.
 */
export class MinimumNormSolver {
  /** The dimension d of G. */
  readonly dim: number;
  /** The numerical rank of G. */
  readonly rank: number;
  #perm: Int32Array;
  #l: Float64Array; // d x r row-major, rows in pivoted order
  #m: Float64Array | undefined; // Cholesky factor (r x r, lower) of L^T L when r < d

  /** Factors `gram` (row-major dim x dim, symmetric positive semi-definite). */
  constructor(gram: Float64Array, dim: number, options: MinimumNormSolverOptions = {}) {
    if (!Number.isInteger(dim) || dim < 1 || gram.length !== dim * dim) {
      throw new RangeError(
        `expected a ${dim} x ${dim} Gram matrix, got ${gram.length} values`,
      );
    }
    const { rank, permutation: perm, pivotedFactor: l } = pivotedCholesky(gram, dim, {
      relativeTolerance: options.relativeTolerance ?? 1e-10,
    });
    this.dim = dim;
    this.rank = rank;
    this.#perm = perm;
    this.#l = l;
    if (rank < dim && rank > 0) {
      const gramL = new Float64Array(rank * rank);
      for (let i = 0; i < rank; i++) {
        for (let j = 0; j <= i; j++) {
          let sum = 0;
          for (let p = 0; p < dim; p++) sum += l[p * rank + i] * l[p * rank + j];
          gramL[i * rank + j] = sum;
          gramL[j * rank + i] = sum;
        }
      }
      this.#m = cholesky(gramL, rank);
    }
  }

  /** The minimum-norm solution w = G^+ b. */
  solve(rhs: Float64Array): Float64Array {
    const { dim, rank } = this;
    if (rhs.length !== dim) {
      throw new RangeError(`right-hand side has ${rhs.length} values, expected ${dim}`);
    }
    const perm = this.#perm, l = this.#l;
    const out = new Float64Array(dim);
    if (rank === 0) return out;
    const c = new Float64Array(dim);
    for (let i = 0; i < dim; i++) c[i] = rhs[perm[i]];
    let u: Float64Array;
    if (rank === dim) {
      // L L^T u = c: forward then backward substitution.
      u = c;
      for (let i = 0; i < dim; i++) {
        let sum = u[i];
        for (let m = 0; m < i; m++) sum -= l[i * dim + m] * u[m];
        u[i] = sum / l[i * dim + i];
      }
      for (let i = dim - 1; i >= 0; i--) {
        let sum = u[i];
        for (let m = i + 1; m < dim; m++) sum -= l[m * dim + i] * u[m];
        u[i] = sum / l[i * dim + i];
      }
    } else {
      // u = L (L^T L)^{-2} L^T c.
      const v = new Float64Array(rank);
      for (let p = 0; p < dim; p++) {
        for (let m = 0; m < rank; m++) v[m] += l[p * rank + m] * c[p];
      }
      const m = this.#m!;
      choleskySolve(m, rank, v);
      choleskySolve(m, rank, v);
      u = new Float64Array(dim);
      for (let p = 0; p < dim; p++) {
        let sum = 0;
        for (let q = 0; q < rank; q++) sum += l[p * rank + q] * v[q];
        u[p] = sum;
      }
    }
    for (let i = 0; i < dim; i++) out[perm[i]] = u[i];
    return out;
  }
}

/** Plain Cholesky of a symmetric positive definite matrix: lower factor, row-major. */
function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diagonal = a[j * n + j];
    for (let m = 0; m < j; m++) diagonal -= l[j * n + m] ** 2;
    if (!(diagonal > 0)) throw new RangeError("matrix is not positive definite");
    const ljj = Math.sqrt(diagonal);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let sum = a[i * n + j];
      for (let m = 0; m < j; m++) sum -= l[i * n + m] * l[j * n + m];
      l[i * n + j] = sum / ljj;
    }
  }
  return l;
}

/** Solves (L L^T) x = b in place, L lower triangular. */
function choleskySolve(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let m = 0; m < i; m++) sum -= l[i * n + m] * b[m];
    b[i] = sum / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i];
    for (let m = i + 1; m < n; m++) sum -= l[m * n + i] * b[m];
    b[i] = sum / l[i * n + i];
  }
}

/** The Gram matrix X^T X and X^T y of rows [x, y] (data has d + 1 columns). */
export function normalEquations(data: Matrix): { gram: Float64Array; xty: Float64Array } {
  const d = data.cols - 1;
  if (d < 1) throw new RangeError("data needs at least one feature column and a label column");
  const full = scatterMatrix(data, new Float64Array(d + 1));
  const gram = new Float64Array(d * d);
  const xty = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    gram.set(full.subarray(i * (d + 1), i * (d + 1) + d), i * d);
    xty[i] = full[i * (d + 1) + d];
  }
  return { gram, xty };
}

/**
 * The minimum-norm least-squares fit X^+ y of rows [x_1 .. x_d, y]: the
 * pseudo-inverse's solution, also when X is rank deficient (e.g. n <= d).
 */
export function leastSquares(data: Matrix, options: MinimumNormSolverOptions = {}): Float64Array {
  if (data.rows < 1) throw new RangeError("leastSquares needs at least one data point");
  const { gram, xty } = normalEquations(data);
  return new MinimumNormSolver(gram, data.cols - 1, options).solve(xty);
}

/** A fitted linear model y = w^T x. */
export interface LinearModel {
  readonly weights: Float64Array;
}

/** The fixed setting of one run: truth, design, label noise and test points. */
export interface LinearRegressionSetting {
  /** The true weights w* (length d). */
  trueWeights: Float64Array;
  /** The fixed design X0 (n x d): every label set is drawn on it. */
  design: Matrix;
  /** Variance of the label noise; >= 0. */
  sigmaSquared: number;
  /** Test inputs (m x d); the test MSE uses their noiseless labels. */
  testDesign: Matrix;
}

/** Checks a setting's shapes and noise, naming the bad field. */
function checkSetting(setting: LinearRegressionSetting): void {
  const d = setting.trueWeights.length;
  if (d < 1) throw new RangeError("trueWeights must have at least one entry (dim >= 1)");
  if (setting.design.cols !== d || setting.design.rows < 1) {
    throw new RangeError(`design must be n x ${d} with n >= 1, got ${setting.design.rows} x ${setting.design.cols}`);
  }
  if (setting.testDesign.cols !== d || setting.testDesign.rows < 1) {
    throw new RangeError(
      `testDesign must be m x ${d} with m >= 1, got ${setting.testDesign.rows} x ${setting.testDesign.cols}`,
    );
  }
  const s = setting.sigmaSquared;
  if (typeof s !== "number" || !(s >= 0) || !Number.isFinite(s)) {
    throw new RangeError(`sigmaSquared must be a finite number >= 0, got ${JSON.stringify(s)}`);
  }
}

/** Rows [X0 | X0 w + sigma eps]: the design labelled by `weights` plus fresh noise. */
export function labelDesign(
  setting: LinearRegressionSetting,
  options: { weights: Float64Array; rng: Rng },
): Matrix {
  const { weights, rng } = options;
  const { design, sigmaSquared } = setting;
  const { rows: n, cols: d } = design;
  const sigma = Math.sqrt(sigmaSquared);
  const out = matrix(n, d + 1);
  const x = design.data, data = out.data;
  for (let r = 0; r < n; r++) {
    let y = 0;
    for (let j = 0; j < d; j++) {
      const v = x[r * d + j];
      data[r * (d + 1) + j] = v;
      y += v * weights[j];
    }
    data[r * (d + 1) + d] = y + sigma * rng.normal();
  }
  return out;
}

/** Whether the feature columns of `data` are exactly the design's rows, in order. */
function onDesign(data: Matrix, design: Matrix): boolean {
  const { rows: n, cols: d } = design;
  if (data.rows !== n || data.cols !== d + 1) return false;
  const x = design.data, v = data.data;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) if (v[r * (d + 1) + j] !== x[r * d + j]) return false;
  }
  return true;
}

/** X^T y for rows on the design (X = the feature columns). */
function designXty(data: Matrix, d: number): Float64Array {
  const xty = new Float64Array(d);
  const v = data.data;
  for (let r = 0; r < data.rows; r++) {
    const y = v[r * (d + 1) + d];
    for (let j = 0; j < d; j++) xty[j] += v[r * (d + 1) + j] * y;
  }
  return xty;
}

/**
 * Running Gram matrix and X^T y for Accumulate: t copies of the fixed design
 * have Gram t X0^T X0, so w_t = (X0^T X0)^+ (sum_s X0^T y_s) / t with the
 * design's factorization computed once. Batches on another design (not used by
 * the workflows) add their own Gram and force a fresh factorization.
 */
export class LinearRegressionAccumulator implements Accumulator<Matrix, LinearModel> {
  #design: Matrix;
  #solver: () => MinimumNormSolver;
  #copies = 0;
  #xty: Float64Array;
  #extraGram: Float64Array | undefined;
  #extraCount = 0;

  /** An empty accumulator for data on `design`, whose Gram is factored by `solver`. */
  constructor(design: Matrix, solver: () => MinimumNormSolver) {
    this.#design = design;
    this.#solver = solver;
    this.#xty = new Float64Array(design.cols);
  }

  /** Points added so far. */
  get count(): number {
    return this.#copies * this.#design.rows + this.#extraCount;
  }

  add(data: Matrix): void {
    const d = this.#design.cols;
    if (data.rows === 0) return;
    if (data.cols !== d + 1) throw new RangeError(`data must have ${d + 1} columns, got ${data.cols}`);
    if (onDesign(data, this.#design)) {
      this.#copies++;
      const xty = designXty(data, d);
      for (let j = 0; j < d; j++) this.#xty[j] += xty[j];
      return;
    }
    const { gram, xty } = normalEquations(data);
    this.#extraGram ??= new Float64Array(d * d);
    for (let i = 0; i < gram.length; i++) this.#extraGram[i] += gram[i];
    for (let j = 0; j < d; j++) this.#xty[j] += xty[j];
    this.#extraCount += data.rows;
  }

  fit(): LinearModel {
    const d = this.#design.cols;
    if (this.count === 0) throw new RangeError("LinearRegressionAccumulator has no data yet");
    if (!this.#extraGram) {
      const scaled = this.#xty.map((v) => v / this.#copies);
      return { weights: this.#solver().solve(scaled) };
    }
    const gram = this.#extraGram.slice();
    if (this.#copies > 0) {
      const base = designGram(this.#design);
      for (let i = 0; i < d * d; i++) gram[i] += this.#copies * base[i];
    }
    return { weights: new MinimumNormSolver(gram, d).solve(this.#xty) };
  }
}

/** X0^T X0 of a design matrix (n x d). */
export function designGram(design: Matrix): Float64Array {
  return scatterMatrix(design, new Float64Array(design.cols));
}

/**
 * The linear-regression estimator of one setting: fit = minimum-norm least
 * squares (reusing the design's factorization whenever the data lie on it),
 * sample = relabel the design with the fit plus fresh noise (`count` must be
 * the design's n), evaluate = test MSE mean((X_test w_hat - X_test w*)^2) on
 * noiseless test labels, and ||w_hat - w*||^2.
 */
export function linearRegressionEstimator(
  setting: LinearRegressionSetting,
): Estimator<Matrix, LinearModel> {
  checkSetting(setting);
  const { design, testDesign, trueWeights } = setting;
  const d = design.cols;
  let solver: MinimumNormSolver | undefined;
  const designSolver = (): MinimumNormSolver => solver ??= new MinimumNormSolver(designGram(design), d);
  const testGram = designGram(testDesign);
  for (let i = 0; i < testGram.length; i++) testGram[i] /= testDesign.rows;
  return {
    ops: matrixOps,
    fit: (data: Matrix): LinearModel => {
      if (data.cols !== d + 1) throw new RangeError(`data must have ${d + 1} columns, got ${data.cols}`);
      if (onDesign(data, design)) return { weights: designSolver().solve(designXty(data, d)) };
      return { weights: leastSquares(data) };
    },
    sample: (model: LinearModel, count: number, rng: Rng): Matrix => {
      if (count !== design.rows) {
        throw new RangeError(`samples relabel the fixed design: count must be ${design.rows}, got ${count}`);
      }
      return labelDesign(setting, { weights: model.weights, rng });
    },
    accumulator: () => new LinearRegressionAccumulator(design, designSolver),
    evaluate: (model: LinearModel): Record<string, number> => {
      const e = new Float64Array(d);
      let weightSquaredError = 0;
      for (let j = 0; j < d; j++) {
        e[j] = model.weights[j] - trueWeights[j];
        weightSquaredError += e[j] ** 2;
      }
      return { testMse: quadraticForm(testGram, e), weightSquaredError };
    },
  };
}

/** e^T A e for a symmetric row-major A. */
export function quadraticForm(a: Float64Array, e: Float64Array): number {
  const d = e.length;
  let sum = 0;
  for (let i = 0; i < d; i++) {
    let row = 0;
    for (let j = 0; j < d; j++) row += a[i * d + j] * e[j];
    sum += e[i] * row;
  }
  return sum;
}

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
