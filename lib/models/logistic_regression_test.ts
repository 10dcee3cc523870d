import assert from "node:assert/strict";
import { fromRows, type Matrix, matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import type { LabelSet } from "./linear_regression.ts";
import {
  fitLogistic,
  labelLogLikelihoods,
  labelRows,
  LogisticAccumulator,
  logisticMetrics,
  logisticRegressionEstimator,
  penalisedGradient,
  rowTotals,
  sigmoid,
  softplus,
} from "./logistic_regression.ts";

function problem(seed: number, shape: { d: number; n: number; norm?: number }): { w: Float64Array; set: LabelSet } {
  const { d, n, norm = 2 } = shape;
  const rng = new Rng(seed, "logistic-test", d, n);
  const w = rng.fillNormal(new Float64Array(d));
  const length = Math.hypot(...w);
  for (let j = 0; j < d; j++) w[j] *= norm / length;
  const design = matrix(n, d, rng.fillNormal(new Float64Array(n * d)));
  return { w, set: labelRows(design, { weights: w, count: n, rng }) };
}

const maxAbs = (v: Float64Array): number => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

Deno.test("the gradient of the penalised objective vanishes to 1e-10 at the fit, separable data included", () => {
  for (const [d, n] of [[1, 10], [3, 10], [10, 10], [10, 100], [32, 100], [3, 1000]]) {
    const { set } = problem(1, { d, n });
    for (const ridge of [1e-3, 1]) {
      const model = fitLogistic(set, { ridge });
      const gradient = penalisedGradient(set.design, { totals: rowTotals(set), weights: model.weights, ridge });
      assert(maxAbs(gradient) <= 1e-10, `d=${d} n=${n} ridge=${ridge}: ${maxAbs(gradient)}`);
      assert.equal(model.gradientNorm, maxAbs(gradient));
      // Newton's quadratic convergence: few steps where the data are far from separable (a wrong Hessian is slower).
      if (n >= 10 * d) assert(model.newtonIterations <= 8, `d=${d} n=${n}: ${model.newtonIterations} steps`);
    }
  }
});

// scikit-learn 1.2.1 (Debian python3-sklearn): LogisticRegression(penalty="l2", C=1/ridge, fit_intercept=False,
// solver="newton-cg", tol=1e-14) minimises C sum_r log-loss + |w|^2 / 2, our J divided by ridge. The data were drawn
// once by numpy (rounded to 2 decimals) and are pasted here; scipy's BFGS (gtol 1e-13) on J gives the second column.
const SKLEARN_X = [
  [0.13, -0.13, 0.64],
  [0.1, -0.54, 0.36],
  [1.3, 0.95, -0.7],
  [-1.27, -0.62, 0.04],
  [-2.33, -0.22, -1.25],
  [-0.73, -0.54, -0.32],
  [0.41, 1.04, -0.13],
  [1.37, -0.67, 0.35],
  [0.9, 0.09, -0.74],
  [-0.92, -0.46, 0.22],
  [-1.01, -0.21, -0.16],
  [0.54, 0.21, 0.36],
];
const SKLEARN_Y = [1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 0];
const REFERENCES = [
  {
    ridge: 0.5,
    sklearn: [0.28308602929244286, -1.2621775186497126, 0.034396800954304224],
    scipy: [0.2830860293045035, -1.2621775186677389, 0.03439680096259252],
  },
  {
    ridge: 1e-3,
    sklearn: [1.0006807534971767, -3.3570123117143, -0.7539741198024394],
    scipy: [1.0006807582331676, -3.3570123237492453, -0.753974124706918],
  },
];

Deno.test("the fit matches scikit-learn's and scipy's optimum of the same penalised objective", () => {
  const set = { design: fromRows(SKLEARN_X), labels: Float64Array.from(SKLEARN_Y) };
  for (const { ridge, sklearn, scipy } of REFERENCES) {
    const { weights } = fitLogistic(set, { ridge });
    weights.forEach((w, j) => {
      assert(Math.abs(w - sklearn[j]) < 1e-6, `ridge ${ridge}, w${j}: ${w} vs scikit-learn ${sklearn[j]}`);
      assert(Math.abs(w - scipy[j]) < 1e-8, `ridge ${ridge}, w${j}: ${w} vs scipy ${scipy[j]}`);
    });
  }
});

Deno.test("the fit matches plain gradient descent on the same objective", () => {
  const { set } = problem(2, { d: 4, n: 60 });
  const ridge = 0.1, totals = rowTotals(set);
  // Step 1/L with L = ridge + |X|_F^2 / 4 >= the largest eigenvalue of the Hessian: descent converges linearly.
  let frobenius = 0;
  for (const v of set.design.data) frobenius += v * v;
  const step = 1 / (ridge + frobenius / 4);
  let w: Float64Array = new Float64Array(4);
  for (let t = 0; t < 200_000; t++) {
    const g = penalisedGradient(set.design, { totals, weights: w, ridge });
    if (maxAbs(g) < 1e-12) break;
    w = w.map((v, j) => v - step * g[j]);
  }
  const newton = fitLogistic(set, { ridge });
  newton.weights.forEach((v, j) => assert(Math.abs(v - w[j]) < 1e-9, `w${j}: Newton ${v}, descent ${w[j]}`));
});

Deno.test("separable labels: the ridge keeps the fit finite; a smaller ridge gives a larger |w|", () => {
  // 1-D, every positive label on a positive input: the maximum-likelihood w is +Infinity.
  const set = { design: fromRows([[-2], [-1], [-0.5], [0.5], [1], [2]]), labels: Float64Array.of(0, 0, 0, 1, 1, 1) };
  let previous = 0;
  for (const ridge of [1e-1, 1e-2, 1e-3, 1e-4]) {
    const model = fitLogistic(set, { ridge });
    assert(Number.isFinite(model.weights[0]) && model.weights[0] > previous, `ridge ${ridge}: ${model.weights[0]}`);
    assert(model.gradientNorm <= 1e-10);
    previous = model.weights[0];
  }
});

const stacked = (sets: LabelSet[]): LabelSet => {
  const d = sets[0].design.cols;
  const rows = sets.flatMap((s) =>
    Array.from(s.labels, (_, r) => {
      const row = s.rows ? s.rows[r] : r;
      return Array.from(s.design.data.subarray(row * d, (row + 1) * d));
    })
  );
  return { design: fromRows(rows), labels: Float64Array.from(sets.flatMap((s) => [...s.labels])) };
};

Deno.test("row totals: the accumulator and a set on repeated rows fit as the explicitly stacked design does", () => {
  const { w, set } = problem(3, { d: 3, n: 30 });
  const rng = new Rng(4);
  const second = labelRows(set.design, { weights: w, count: 30, rng });
  const accumulator = new LogisticAccumulator(set.design, { ridge: 1e-3 });
  accumulator.add(set);
  accumulator.add(second);
  const reference = fitLogistic(stacked([set, second]), { ridge: 1e-3 });
  accumulator.fit().weights.forEach((v, j) => assert(Math.abs(v - reference.weights[j]) < 1e-12));
  // 45 labels: one pass and 15 rows without replacement; then a subset with repeats, as a pool selects.
  const drawn = labelRows(set.design, { weights: w, count: 45, rng });
  assert.equal(drawn.rows?.length, 45);
  assert.equal(new Set(drawn.rows!.subarray(30)).size, 15);
  const viaRows = fitLogistic(drawn, { ridge: 1e-3 });
  const explicit = fitLogistic(stacked([drawn]), { ridge: 1e-3 });
  viaRows.weights.forEach((v, j) => assert(Math.abs(v - explicit.weights[j]) < 1e-12));
});

Deno.test("labels: count = n relabels every row in order; frequencies match sigmoid(x^T w) within 4 SE", () => {
  const design: Matrix = fromRows([[-2], [-0.5], [0], [0.7], [3]]);
  const weights = Float64Array.of(1.3), rng = new Rng(5);
  const ones = new Float64Array(5), draws = 20_000;
  for (let t = 0; t < draws; t++) {
    const set = labelRows(design, { weights, count: 5, rng });
    assert.equal(set.rows, undefined);
    set.labels.forEach((y, r) => ones[r] += y);
  }
  for (let r = 0; r < 5; r++) {
    const q = sigmoid(1.3 * design.data[r]);
    assert(Math.abs(ones[r] / draws - q) < 4 * Math.sqrt((q * (1 - q)) / draws), `row ${r}`);
  }
});

Deno.test("metrics and label log-likelihoods by hand; the truth has zero excess log-loss", () => {
  const design = fromRows([[1, 0]]), testDesign = fromRows([[1, 2], [-1, 0.5]]);
  const trueWeights = Float64Array.of(0.5, -1);
  const setting = { trueWeights, design, testDesign, ridge: 1e-3 };
  const w = Float64Array.of(1, 0.25);
  const m = logisticMetrics(setting, w);
  let loss = 0, entropy = 0;
  for (const [x1, x2] of [[1, 2], [-1, 0.5]]) {
    const p = sigmoid(0.5 * x1 - x2), q = sigmoid(x1 + 0.25 * x2);
    loss -= (p * Math.log(q) + (1 - p) * Math.log(1 - q)) / 2;
    entropy -= (p * Math.log(p) + (1 - p) * Math.log(1 - p)) / 2;
  }
  assert(Math.abs(m.testLogLoss - loss) < 1e-15);
  assert(Math.abs(m.testExcessLogLoss - (loss - entropy)) < 1e-15);
  assert(Math.abs(m.weightSquaredError - (0.25 + 1.5625)) < 1e-15);
  const atTruth = logisticMetrics(setting, trueWeights);
  assert.equal(atTruth.testExcessLogLoss, 0);
  assert(Math.abs(atTruth.testLogLoss - entropy) < 1e-15);
  const scores = labelLogLikelihoods({ design, labels: Float64Array.of(1) }, w);
  assert(Math.abs(scores[0] - Math.log(sigmoid(1))) < 1e-15);
  assert.equal(softplus(800), 800);
  assert(Math.abs(softplus(-800)) < 1e-300 && softplus(-800) >= 0);
});

Deno.test("bad values are rejected naming the field", () => {
  const { set } = problem(6, { d: 2, n: 10 });
  for (const ridge of [0, -1, NaN, Infinity]) {
    assert.throws(() => fitLogistic(set, { ridge }), /ridge must be a finite number > 0/);
  }
  assert.throws(() => fitLogistic({ ...set, labels: set.labels.map(() => 2) }, { ridge: 1 }), /labels must be 0 or 1/);
  const setting = { trueWeights: Float64Array.of(1, 2), design: set.design, testDesign: fromRows([[1]]), ridge: 1 };
  assert.throws(() => logisticRegressionEstimator(setting), /design and testDesign need 2 columns/);
  assert.throws(() => labelRows(set.design, { weights: Float64Array.of(1, 1), count: -1, rng: new Rng(0) }), /count/);
});
