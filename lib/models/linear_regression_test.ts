import assert from "node:assert/strict";
import {
  designGram,
  expectedTestMse,
  inverseWishartTrace,
  labelDesign,
  labelSetRows,
  leastSquares,
  LinearRegressionAccumulator,
  linearRegressionEstimator,
  type LinearRegressionSetting,
  MinimumNormSolver,
} from "./linear_regression.ts";
import { run, validateLinearRegressionConfig } from "../experiments/linear_regression.ts";
import { fromRows, type Matrix, matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { runWorkflow } from "../workflows/mod.ts";

/** Gaussian elimination with partial pivoting: an independent dense solver for tests. */
function gaussSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i][k]) > Math.abs(m[p][k])) p = i;
    [m[k], m[p]] = [m[p], m[k]];
    for (let i = k + 1; i < n; i++) {
      const f = m[i][k] / m[k][k];
      for (let j = k; j <= n; j++) m[i][j] -= f * m[k][j];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = m[i][n];
    for (let j = i + 1; j < n; j++) s -= m[i][j] * x[j];
    x[i] = s / m[i][i];
  }
  return x;
}

function randomRows(rng: Rng, n: number, d: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d + 1 }, () => rng.normal()));
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert(
      Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])),
      `entry ${i}: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

function concat(parts: Matrix[]): Matrix {
  const cols = parts[0].cols;
  const data = new Float64Array(parts.reduce((s, p) => s + p.data.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p.data, offset);
    offset += p.data.length;
  }
  return matrix(data.length / cols, cols, data);
}

Deno.test("leastSquares: a hand-solved overdetermined system", () => {
  // X = [[1,0],[0,1],[1,1]], y = [1,2,4]: X'X = [[2,1],[1,2]], X'y = [5,6],
  // w = (1/3)[[2,-1],[-1,2]] [5,6] = [4/3, 7/3].
  const w = leastSquares(fromRows([[1, 0, 1], [0, 1, 2], [1, 1, 4]]));
  assertClose(w, [4 / 3, 7 / 3], 1e-14);
});

Deno.test("leastSquares: rank-deficient designs give the minimum-norm solution", () => {
  // Two identical columns: every w with w1 + w2 = 1 fits exactly; the shortest is [1/2, 1/2].
  assertClose(leastSquares(fromRows([[1, 1, 1], [2, 2, 2]])), [0.5, 0.5], 1e-14);
  // One row in three dimensions: the minimum-norm solution is x y / |x|^2 = [1, 2, 3].
  assertClose(leastSquares(fromRows([[1, 2, 3, 14]])), [1, 2, 3], 1e-14);
  // The zero design: w = 0.
  assertClose(leastSquares(fromRows([[0, 0, 5]])), [0, 0], 0);
});

Deno.test("leastSquares equals the pseudo-inverse on random full-rank and wide designs", () => {
  const rng = new Rng(11);
  // Tall (n > d): the normal equations' unique solution.
  const tall = randomRows(rng, 30, 6);
  const g = Array.from(
    { length: 6 },
    (_, i) => Array.from({ length: 6 }, (_, j) => tall.reduce((s, r) => s + r[i] * r[j], 0)),
  );
  const xty = Array.from({ length: 6 }, (_, i) => tall.reduce((s, r) => s + r[i] * r[6], 0));
  assertClose(leastSquares(fromRows(tall)), gaussSolve(g, xty), 1e-10);
  // Wide (n < d): X^+ y = X^T (X X^T)^{-1} y.
  const d = 12, n = 5;
  const wide = randomRows(rng, n, d);
  const xxt = wide.map((a) => wide.map((b) => a.slice(0, d).reduce((s, v, j) => s + v * b[j], 0)));
  const z = gaussSolve(xxt, wide.map((r) => r[d]));
  const expected = Array.from({ length: d }, (_, j) => wide.reduce((s, r, i) => s + r[j] * z[i], 0));
  assertClose(leastSquares(fromRows(wide)), expected, 1e-10);
});

Deno.test("MinimumNormSolver reports the rank and solves a singular Gram matrix", () => {
  // G = v v^T with v = [1, 2, 2]: rank 1, G^+ b = v (v.b) / |v|^4.
  const v = [1, 2, 2];
  const gram = Float64Array.from(v.flatMap((a) => v.map((b) => a * b)));
  const solver = new MinimumNormSolver(gram, 3);
  assert.equal(solver.rank, 1);
  const b = Float64Array.from([3, 6, 6]); // = 3 v, in the range
  assertClose(solver.solve(b), v.map((x) => (x * 27) / 81), 1e-14);
  assert.throws(() => new MinimumNormSolver(new Float64Array(3), 2), /2 x 2 Gram matrix/);
});

function randomSetting(rng: Rng, n: number, d: number, sigmaSquared: number): LinearRegressionSetting {
  return {
    trueWeights: rng.fillNormal(new Float64Array(d)),
    design: matrix(n, d, rng.fillNormal(new Float64Array(n * d))),
    sigmaSquared,
    testDesign: matrix(200, d, rng.fillNormal(new Float64Array(200 * d))),
  };
}

for (const [n, d] of [[20, 4], [4, 9]]) {
  Deno.test(`the accumulator equals a refit of the stacked pool (n = ${n}, d = ${d})`, async () => {
    const rng = new Rng(12, n, d);
    const setting = randomSetting(rng, n, d, 0.5);
    const estimator = linearRegressionEstimator(setting);
    const accumulator = estimator.accumulator!();
    const parts: Matrix[] = [];
    let w = setting.trueWeights;
    for (let t = 1; t <= 5; t++) {
      const labelled = labelDesign(setting, { weights: w, rng });
      parts.push(labelSetRows(labelled));
      accumulator.add(labelled);
      w = accumulator.fit().weights;
      assertClose(w, leastSquares(concat(parts)), 1e-9);
      // The design shortcut of fit() agrees with the generic solver too.
      assertClose((await estimator.fit(labelled)).weights, leastSquares(labelSetRows(labelled)), 1e-9);
    }
    // A set on drawn rows (repeats, some rows missing) is handled exactly as well.
    const drawn = { design: setting.design, labels: rng.fillNormal(new Float64Array(3)), rows: Int32Array.of(0, 2, 2) };
    accumulator.add(drawn);
    parts.push(labelSetRows(drawn));
    assertClose(accumulator.fit().weights, leastSquares(concat(parts)), 1e-9);
  });

  Deno.test(`the label pool draws labelled design rows, and fits on them weight repeats (n = ${n}, d = ${d})`, async () => {
    const rng = new Rng(13, n, d);
    const setting = randomSetting(rng, n, d, 1);
    const estimator = linearRegressionEstimator(setting);
    const pool = estimator.ops.pool();
    const sets = [0, 1, 2].map(() => labelDesign(setting, { weights: setting.trueWeights, rng }));
    for (const set of sets) pool.append(set);
    assert.equal(pool.size, 3 * n);
    const indices = rng.sampleWithoutReplacement(pool.size, n);
    const selection = pool.select(indices);
    // Pool index i is row i mod n of set floor(i / n).
    const expected = Array.from(
      indices,
      (i) => [...setting.design.data.subarray((i % n) * d, (i % n + 1) * d), sets[Math.floor(i / n)].labels[i % n]],
    );
    assert.deepEqual(Array.from(labelSetRows(selection).data), expected.flat());
    // The weighted-Gram fit equals least squares on the materialised rows (pseudo-inverse when n <= d).
    assertClose((await estimator.fit(selection)).weights, leastSquares(labelSetRows(selection)), 1e-9);
    assert.throws(() => pool.select(Int32Array.of(3 * n)), /outside the pool/);
    const other = randomSetting(rng, n, d, 1);
    assert.throws(() => pool.append(labelDesign(other, { weights: other.trueWeights, rng })), /one design/);
  });
}

Deno.test("an empty accumulator refuses to fit", () => {
  const design = matrix(2, 1, Float64Array.from([1, 2]));
  const accumulator = new LinearRegressionAccumulator(design, () => new MinimumNormSolver(designGram(design), 1));
  assert.throws(() => accumulator.fit(), /no data yet/);
});

Deno.test("expected test MSE under Replace and Accumulate, for a fixed design, within Monte Carlo error", async () => {
  // For a fixed design X0 and test second moments S = X_test^T X_test / m, the error
  // w_t - w* is A(eps_1 + .. + eps_t) (Replace) or sum_s A eps_s / s (Accumulate), with
  // A = (X0^T X0)^{-1} X0^T, so E[MSE_t] = sigma^2 tr(S (X0^T X0)^{-1}) * (t or sum 1/s^2).
  const n = 12, d = 3, sigmaSquared = 2, iterations = 6, seeds = 3000;
  const setting = randomSetting(new Rng(13), n, d, sigmaSquared);
  const solver = new MinimumNormSolver(designGram(setting.design), d);
  const testGram = designGram(setting.testDesign);
  let trace = 0;
  for (let j = 0; j < d; j++) {
    const unit = new Float64Array(d);
    unit[j] = 1;
    const column = solver.solve(unit); // column j of (X0^T X0)^{-1}
    for (let i = 0; i < d; i++) trace += (testGram[j * d + i] / setting.testDesign.rows) * column[i];
  }
  const estimator = linearRegressionEstimator(setting);
  for (const workflow of ["Replace", "Accumulate"] as const) {
    const sums = new Float64Array(iterations), squares = new Float64Array(iterations);
    for (let seed = 0; seed < seeds; seed++) {
      const real = labelDesign(setting, { weights: setting.trueWeights, rng: new Rng(seed, "labels") });
      const records = await runWorkflow(estimator, real, { workflow, iterations, rng: new Rng(seed, workflow) });
      records.forEach((r, t) => {
        sums[t] += r.metrics.testMse;
        squares[t] += r.metrics.testMse ** 2;
      });
    }
    for (let t = 0; t < iterations; t++) {
      const mean = sums[t] / seeds;
      const se = Math.sqrt((squares[t] / seeds - mean * mean) / (seeds - 1));
      const expected = expectedTestMse(workflow, t + 1, { sigmaSquared, trace });
      assert(
        Math.abs(mean - expected) < 4 * se,
        `${workflow} t=${t + 1}: mean ${mean} vs expected ${expected} (se ${se})`,
      );
    }
  }
});

Deno.test("closed forms: Accumulate stays below pi^2/6 times its first iteration, Replace grows linearly", () => {
  const options = { sigmaSquared: 1, trace: inverseWishartTrace(10, 100) };
  assert.equal(options.trace, 10 / 89);
  assert.equal(expectedTestMse("Replace", 7, options), 7 * options.trace);
  const limit = (Math.PI ** 2 / 6) * expectedTestMse("Accumulate", 1, options);
  assert(expectedTestMse("Accumulate", 1000, options) < limit);
  assert(expectedTestMse("Accumulate", 1000, options) > 0.999 * limit);
  assert.throws(() => inverseWishartTrace(10, 11), /n > d \+ 1/);
  assert.throws(() => expectedTestMse("Replace", 0, options), /iteration/);
});

Deno.test("run: one row per iteration, finite also when n <= d, shared truth across workflows", async () => {
  for (const workflow of ["Replace", "Accumulate-Subsample", "Accumulate"]) {
    const rows = await run({ dim: 10, samplesPerIteration: 8, sigmaSquared: 1, workflow, seed: 1, iterations: 6 });
    assert.equal(rows.length, 6);
    assert(rows.every((r) => Number.isFinite(r.testMse as number) && (r.testMse as number) >= 0));
  }
  const first = await Promise.all(
    ["Replace", "Accumulate"].map(async (workflow) =>
      (await run({ dim: 3, samplesPerIteration: 32, sigmaSquared: 1, workflow, seed: 2, iterations: 1 }))[0].testMse
    ),
  );
  assert.equal(first[0], first[1]);
  const accumulate = await run({
    dim: 3,
    samplesPerIteration: 32,
    sigmaSquared: 1,
    workflow: "Accumulate",
    seed: 2,
    iterations: 4,
  });
  assert.deepEqual(accumulate.map((r) => r.realFraction), [1, 1 / 2, 1 / 3, 1 / 4]);
  // sigma^2 = 0: every fit recovers w* exactly (n > d).
  const exact = await run({
    dim: 3,
    samplesPerIteration: 10,
    sigmaSquared: 0,
    workflow: "Replace",
    seed: 0,
    iterations: 3,
  });
  assert(exact.every((r) => (r.testMse as number) < 1e-20));
});

Deno.test("bad configurations are rejected naming the field", () => {
  const good = { dim: 3, samplesPerIteration: 10, sigmaSquared: 1, workflow: "Replace", seed: 0, iterations: 5 };
  assert.deepEqual(validateLinearRegressionConfig(good), good);
  assert.throws(() => validateLinearRegressionConfig({ ...good, dim: 0 }), /dim must be an integer >= 1, got 0/);
  assert.throws(
    () => validateLinearRegressionConfig({ ...good, samplesPerIteration: 0 }),
    /samplesPerIteration must be an integer >= 1/,
  );
  assert.throws(() => validateLinearRegressionConfig({ ...good, sigmaSquared: -1 }), /sigmaSquared must be .* >= 0/);
  assert.throws(() => validateLinearRegressionConfig({ ...good, iterations: 1.5 }), /iterations/);
  assert.throws(() => validateLinearRegressionConfig({ ...good, workflow: "Mix" }), /workflow must be one of/);
  assert.throws(() => validateLinearRegressionConfig({ ...good, seed: -1 }), /seed/);
  assert.throws(() => validateLinearRegressionConfig({ ...good, noise: 1 }), /unknown field "noise"/);
  const setting = randomSetting(new Rng(1), 5, 2, 1);
  assert.throws(() => linearRegressionEstimator({ ...setting, sigmaSquared: -0.5 }), /sigmaSquared/);
  assert.throws(
    () => linearRegressionEstimator(setting).sample({ weights: new Float64Array(2) }, 4, new Rng(0)),
    /count must be 5/,
  );
});
