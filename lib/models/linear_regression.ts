/**
 * Linear regression on a fixed design (paper section 3, after Gerstgrasser et
 * al. 2024): w* ~ N(0, I_d), a fixed design X0 (n x d), labels X0 w* + sigma
 * eps. The fit is the minimum-norm least-squares solution (the pseudo-inverse's,
 * also for rank-deficient designs); a sample relabels the same design with the
 * current fit. Every data set of a run labels rows of the same design, so the
 * data type is a {@linkcode LabelSet} (labels plus design-row indices): pools
 * and samples carry n labels, not n (d + 1) values, and a fit on drawn rows
 * weights each distinct design row by its count.
 *
 * @module
 */

import { MinimumNormSolver } from "../numerics/least_squares.ts";
import { dotRows, type Matrix, matrix } from "../numerics/matrix.ts";
import type { Rng } from "../numerics/rng.ts";
import { Scratch } from "../numerics/scratch.ts";
import { designGram, designXty, fitRowTotals, quadraticForm, rowTotals } from "./design_fit.ts";
import type { Accumulator, DataOps, DataPool, Estimator } from "./estimator.ts";

export { designGram, quadraticForm } from "./design_fit.ts";

const totalsScratch = new Scratch();

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

/**
 * The data of the experiment: labels on rows of a fixed design. Row r is
 * design row `rows[r]` (absent: the design's rows in order, one label each)
 * with label `labels[r]`. Every data set of a run shares the design, so only
 * labels are stored, copied and pooled.
 */
export interface LabelSet {
  readonly design: Matrix;
  readonly labels: Float64Array;
  readonly rows?: Int32Array;
}

/**
 * The design labelled by `weights` plus fresh noise: y = X0 w + sigma eps, on
 * every row in order, or on the listed design `rows` (a label set with rows).
 */
export function labelDesign(
  setting: LinearRegressionSetting,
  options: { weights: Float64Array; rng: Rng; rows?: Int32Array },
): LabelSet {
  const { weights, rng, rows } = options;
  const { design, sigmaSquared } = setting;
  const { rows: n, cols: d } = design;
  const sigma = Math.sqrt(sigmaSquared);
  // The noise first, in one call (the same normals, drawn in the same order: the native generator's bulk draw).
  const noise = rng.fillNormal(noiseScratch.doubles(rows ? rows.length : n));
  if (rows) {
    const labels = new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      if (!(row >= 0 && row < n)) throw new RangeError(`row ${row} is outside the design's ${n} rows`);
      let mean = 0;
      for (let j = 0; j < d; j++) mean += design.data[row * d + j] * weights[j];
      labels[r] = mean + sigma * noise[r];
    }
    return { design, labels, rows };
  }
  const labels = dotRows(design.data, weights, { rows: n, columns: 1, depth: d });
  for (let r = 0; r < n; r++) labels[r] += sigma * noise[r];
  return { design, labels };
}

/** A draw's normals, a temporary: a reused buffer. */
const noiseScratch = new Scratch();

/**
 * The design rows of a draw of `count` labels from a fit: every row in order
 * when count is the design's n (undefined: a plain relabelling), else the
 * rows (i - count) mod n for i = 0..count-1: the LAST `count` rows when
 * count < n (the Fresh workflow's real labels take the first n - count), the
 * design cycled, ending at its last row, when count > n (a verifier's
 * oversampled draw).
 */
export function sampleRows(designRows: number, count: number): Int32Array | undefined {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be an integer >= 0, got ${count}`);
  if (count === designRows) return undefined;
  const rows = new Int32Array(count);
  const offset = (((-count) % designRows) + designRows) % designRows;
  for (let i = 0; i < count; i++) rows[i] = (offset + i) % designRows;
  return rows;
}

/** Rows [x, y] of a label set, for solvers and plots that take a plain matrix. */
export function labelSetRows(set: LabelSet): Matrix {
  const { design, labels, rows } = set;
  const d = design.cols;
  const out = matrix(labels.length, d + 1);
  for (let r = 0; r < labels.length; r++) {
    const row = rows ? rows[r] : r;
    out.data.set(design.data.subarray(row * d, (row + 1) * d), r * (d + 1));
    out.data[r * (d + 1) + d] = labels[r];
  }
  return out;
}

/** Checks that a label set's rows and labels agree with its design. */
function checkLabelSet(set: LabelSet): void {
  const n = set.design.rows;
  if (set.rows ? set.rows.length !== set.labels.length : set.labels.length !== n) {
    throw new RangeError(
      `a label set needs one label per row: ${set.labels.length} labels for ${set.rows?.length ?? n} rows`,
    );
  }
}

/**
 * Running sufficient statistics for Accumulate: t label sets on the whole
 * design have Gram t X0^T X0, so w_t = (X0^T X0)^+ (sum_s X0^T y_s) / t with
 * the design's factorization computed once. Sets on other rows (not used by
 * the workflows) add per-row counts, and the fit then solves with their Gram.
 */
export class LinearRegressionAccumulator implements Accumulator<LabelSet, LinearModel> {
  #design: Matrix;
  #solver: () => MinimumNormSolver;
  #copies = 0;
  #count = 0;
  #xty: Float64Array;
  #labelSums: Float64Array;
  #extraCounts: Float64Array | undefined;

  /** An empty accumulator for label sets on `design`, whose Gram is factored by `solver`. */
  constructor(design: Matrix, solver: () => MinimumNormSolver) {
    this.#design = design;
    this.#solver = solver;
    this.#xty = new Float64Array(design.cols);
    this.#labelSums = new Float64Array(design.rows);
  }

  /** Points added so far. */
  get count(): number {
    return this.#count;
  }

  add(set: LabelSet): void {
    if (set.design !== this.#design) throw new RangeError("the accumulator takes label sets on its own design");
    checkLabelSet(set);
    this.#count += set.labels.length;
    if (set.rows) {
      this.#extraCounts ??= new Float64Array(this.#design.rows);
      rowTotals(set, { counts: this.#extraCounts, labelSums: this.#labelSums });
      return;
    }
    this.#copies++;
    const xty = designXty(this.#design, set.labels);
    for (let j = 0; j < xty.length; j++) this.#xty[j] += xty[j];
    for (let r = 0; r < set.labels.length; r++) this.#labelSums[r] += set.labels[r];
  }

  fit(): LinearModel {
    if (this.#count === 0) throw new RangeError("LinearRegressionAccumulator has no data yet");
    if (!this.#extraCounts) return { weights: this.#solver().solve(this.#xty.map((v) => v / this.#copies)) };
    const counts = this.#extraCounts.map((c) => c + this.#copies);
    return { weights: fitRowTotals(this.#design, { counts, labelSums: this.#labelSums }) };
  }
}

/**
 * The pool of Accumulate-Subsample: labels and their design rows, appended
 * set after set; a selection is a label set on the drawn rows.
 */
export class LabelPool implements DataPool<LabelSet> {
  #design: Matrix | undefined;
  #labels = new Float64Array(0);
  #rows = new Int32Array(0);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  append(set: LabelSet): void {
    this.#design ??= set.design;
    if (set.design !== this.#design) throw new RangeError("a LabelPool holds label sets on one design");
    checkLabelSet(set);
    const count = set.labels.length;
    if (this.#size + count > this.#labels.length) {
      const capacity = Math.max(this.#size + count, 2 * this.#labels.length);
      const labels = new Float64Array(capacity), rows = new Int32Array(capacity);
      labels.set(this.#labels.subarray(0, this.#size));
      rows.set(this.#rows.subarray(0, this.#size));
      this.#labels = labels;
      this.#rows = rows;
    }
    this.#labels.set(set.labels, this.#size);
    for (let r = 0; r < count; r++) this.#rows[this.#size + r] = set.rows ? set.rows[r] : r;
    this.#size += count;
  }

  select(indices: Int32Array): LabelSet {
    if (!this.#design) throw new RangeError("the pool is empty");
    const labels = new Float64Array(indices.length), rows = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const index = indices[i];
      if (!(index >= 0 && index < this.#size)) {
        throw new RangeError(`row ${index} is outside the pool of ${this.#size}`);
      }
      labels[i] = this.#labels[index];
      rows[i] = this.#rows[index];
    }
    return { design: this.#design, labels, rows };
  }

  /**
   * Every label in the pool; a pool that labels each design row once, in
   * order (Fresh's real labels on the first rows, then the synthetic ones),
   * comes back as a plain label set, which the estimator fits with the
   * design's factorization.
   */
  all(): LabelSet {
    const set = this.select(Int32Array.from({ length: this.#size }, (_, i) => i));
    const { design, labels, rows } = set;
    if (rows!.length === design.rows && rows!.every((row, i) => row === i)) return { design, labels };
    return set;
  }
}

/** Data operations for label sets: a point is one labelled design row. */
export const labelSetOps: DataOps<LabelSet> = {
  size: (set: LabelSet): number => set.labels.length,
  pool: (): DataPool<LabelSet> => new LabelPool(),
};

/**
 * The linear-regression estimator of one setting over label sets: fit =
 * minimum-norm least squares (the design's factorization, computed once, when
 * a set labels the whole design; else the Gram of the drawn rows weighted by
 * their counts), sample = relabel the design with the fit plus fresh noise
 * (n labels: the whole design; other counts: the rows of {@linkcode sampleRows}), evaluate = test MSE
 * mean((X_test w_hat - X_test w*)^2) on noiseless test labels, and
 * ||w_hat - w*||^2.
 */
export function linearRegressionEstimator(
  setting: LinearRegressionSetting,
): Estimator<LabelSet, LinearModel> {
  checkSetting(setting);
  const { design, testDesign, trueWeights } = setting;
  const d = design.cols;
  let solver: MinimumNormSolver | undefined;
  const designSolver = (): MinimumNormSolver => solver ??= new MinimumNormSolver(designGram(design), d);
  const testGram = designGram(testDesign);
  for (let i = 0; i < testGram.length; i++) testGram[i] /= testDesign.rows;
  return {
    ops: labelSetOps,
    fit: (set: LabelSet): LinearModel => {
      checkLabelSet(set);
      if (set.design === design && !set.rows) return { weights: designSolver().solve(designXty(design, set.labels)) };
      // Per-row totals in reused buffers, zeroed (fitRowTotals's own temporaries come after them).
      const rows = set.design.rows, buffer = totalsScratch.doubles(2 * rows).fill(0);
      const totals = { counts: buffer.subarray(0, rows), labelSums: buffer.subarray(rows) };
      rowTotals(set, totals);
      return { weights: fitRowTotals(set.design, totals) };
    },
    sample: (model: LinearModel, count: number, rng: Rng): LabelSet =>
      labelDesign(setting, { weights: model.weights, rng, rows: sampleRows(design.rows, count) }),
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
