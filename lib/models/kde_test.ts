import assert from "node:assert/strict";
import { assertBandwidth, fitKde, kdeLogDensity, kdeMeanNll, resolveBandwidth, sampleKde } from "./kde.ts";
import { KdeAccumulator, kdeEstimator } from "./kde_estimator.ts";
import { logUnitBallVolume } from "../numerics/kernel_sums.ts";
import { fromRows, matrix } from "../numerics/matrix.ts";
import { nativeGenerator, Rng } from "../numerics/rng.ts";
import { directLogDensity, randomMatrix } from "../numerics/_test_utils.ts";

Deno.test("log-density equals a direct hand computation on tiny inputs (2-D and 3-D)", () => {
  const train2 = [[0, 0], [1, 0], [0.5, 2], [-1, -0.3]];
  const test2 = [[0.2, 0.1], [3, -1], [0.5, 1.9]];
  for (const h of [0.3, 1, 2.5]) {
    const got = kdeLogDensity(fitKde(fromRows(train2), { bandwidth: h }), fromRows(test2));
    test2.forEach((x, i) => assert(Math.abs(got[i] - directLogDensity(train2, x, h)) < 1e-12, `h=${h} i=${i}`));
  }
  const train3 = [[0, 0, 0], [1, 2, 3], [-1, 0.5, 0.25]];
  const test3 = [[0.1, 0.2, 0.3], [2, 2, 2]];
  const got3 = kdeLogDensity(fitKde(fromRows(train3), { bandwidth: 0.8 }), fromRows(test3));
  test3.forEach((x, i) => assert(Math.abs(got3[i] - directLogDensity(train3, x, 0.8)) < 1e-12));
  // Mean NLL is the mean of -log p.
  const nll = kdeMeanNll(fitKde(fromRows(train2), { bandwidth: 1 }), fromRows(test2));
  const expected = -test2.reduce((s, x) => s + directLogDensity(train2, x, 1), 0) / test2.length;
  assert(Math.abs(nll - expected) < 1e-12);
});

Deno.test("a one-point KDE is exactly the normal density N(x_1, h^2 I), even very far away", () => {
  const h = 0.7;
  const model = fitKde(fromRows([[1, -2, 0.5]]), { bandwidth: h });
  const points = [[1, -2, 0.5], [0, 0, 0], [50, 40, -30], [1e5, -1e5, 3e4]];
  const got = kdeLogDensity(model, fromRows(points));
  points.forEach((x, i) => {
    const sq = (x[0] - 1) ** 2 + (x[1] + 2) ** 2 + (x[2] - 0.5) ** 2;
    const exact = -sq / (2 * h * h) - 1.5 * Math.log(2 * Math.PI * h * h);
    assert(Number.isFinite(got[i]), `point ${i} gave ${got[i]}`);
    assert(Math.abs(got[i] - exact) <= 1e-12 * Math.max(1, Math.abs(exact)), `point ${i}: ${got[i]} vs ${exact}`);
  });
});

Deno.test("samples have the pool's mean and biased covariance plus h^2 I, within Monte Carlo error", () => {
  const pool = fromRows([[0, 0], [2, 1], [-1, 3], [4, -2], [1, 1]]);
  const h = 0.6;
  const model = fitKde(pool, { bandwidth: h });
  const n = 200_000;
  const x = sampleKde(model, n, new Rng(12));
  const mean = [0, 0];
  for (let r = 0; r < n; r++) for (let j = 0; j < 2; j++) mean[j] += x.data[2 * r + j] / n;
  const cov = [0, 0, 0, 0];
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < 2; a++) {
      for (let b = 0; b < 2; b++) cov[2 * a + b] += (x.data[2 * r + a] - mean[a]) * (x.data[2 * r + b] - mean[b]) / n;
    }
  }
  // The pool: mean (1.2, 0.6); biased covariance [[2.96, -2.32], [-2.32, 2.64]].
  const poolMean = [1.2, 0.6];
  const poolCov = [2.96, -2.32, -2.32, 2.64];
  const target = [poolCov[0] + h * h, poolCov[1], poolCov[2], poolCov[3] + h * h];
  for (let j = 0; j < 2; j++) {
    const se = Math.sqrt(target[3 * j] / n);
    assert(Math.abs(mean[j] - poolMean[j]) < 4 * se, `mean ${j}: ${mean[j]} vs ${poolMean[j]} (se ${se})`);
  }
  // A sample is x = p + h z, p uniform over the pool, z ~ N(0, I): with u = p - mean, the covariance entry
  // averages (u_a + h z_a)(u_b + h z_b), whose second moment is exact from the pool: E_p[(u_a^2 + h^2)(u_b^2 +
  // h^2)] for a != b, E_p[u_a^4 + 6 h^2 u_a^2 + 3 h^4] for a = b. (The sample mean's own error is O(1/n).)
  const u = [0, 1, 2, 3, 4].map((r) => [pool.data[2 * r] - poolMean[0], pool.data[2 * r + 1] - poolMean[1]]);
  const overPool = (f: (v: number[]) => number) => u.reduce((s, v) => s + f(v), 0) / u.length;
  for (const [a, b] of [[0, 0], [0, 1], [1, 1]]) {
    const second = a === b
      ? overPool((v) => v[a] ** 4 + 6 * h * h * v[a] ** 2 + 3 * h ** 4)
      : overPool((v) => (v[a] ** 2 + h * h) * (v[b] ** 2 + h * h));
    const se = Math.sqrt((second - target[2 * a + b] ** 2) / n);
    assert(Math.abs(cov[2 * a + b] - target[2 * a + b]) < 4 * se, `cov ${a}${b}: ${cov[2 * a + b]} (se ${se})`);
  }
});

Deno.test({
  name: "Gaussian samples: the native route draws the TypeScript loop's bits, slow-path normals included",
  ignore: nativeGenerator() === undefined, // without it both calls are the TypeScript loop
  fn() {
    const model = fitKde(randomMatrix(37, 3, new Rng(3)), { bandwidth: 0.7 });
    // 30,000 normals: some 15-20 reach the ziggurat's tail (its value from Math.log), each a row handed back to TypeScript.
    for (const seed of [1, 2]) {
      const native = new Rng(seed), typescript = new Rng(seed);
      const a = sampleKde(model, 10_000, native), b = sampleKde(model, 10_000, typescript, { typescript: true });
      const x = new Uint32Array(a.data.buffer), y = new Uint32Array(b.data.buffer);
      const first = x.findIndex((v, i) => v !== y[i]);
      assert.equal(
        first,
        -1,
        `seed ${seed}: value ${first >> 1} differs: ${a.data[first >> 1]} vs ${b.data[first >> 1]}`,
      );
      assert.equal(native.nextUint32(), typescript.nextUint32(), "both leave the stream at the same place");
    }
  },
});

Deno.test("bandwidth rules are scikit-learn's: no scaling by the data's spread", () => {
  assert.equal(resolveBandwidth("scott", { count: 100, dim: 2 }), 100 ** (-1 / 6));
  assert.equal(resolveBandwidth("silverman", { count: 100, dim: 2 }), (100 * 4 / 4) ** (-1 / 6));
  assert.equal(resolveBandwidth("silverman", { count: 1000, dim: 3 }), (1000 * 5 / 4) ** (-1 / 7));
  assert.equal(resolveBandwidth(0.25, { count: 1, dim: 1 }), 0.25);
  const model = fitKde(randomMatrix(316, 3, new Rng(1), 100), { bandwidth: "scott" });
  assert.equal(model.bandwidth, 316 ** (-1 / 7));
});

Deno.test("bad bandwidths, kernels and empty data are rejected, naming the field and allowed values", () => {
  const allowed = /bandwidth must be a finite number > 0 or one of "scott", "silverman"/;
  for (const bad of [0, -1, Infinity, NaN, "scot", "Scott", null, undefined]) {
    assert.throws(() => assertBandwidth(bad), allowed, String(bad));
  }
  const x = fromRows([[0, 0]]);
  assert.throws(() => fitKde(x, { bandwidth: 0 }), allowed);
  assert.throws(() => fitKde(x, { bandwidth: "silvermann" as "silverman" }), allowed);
  assert.throws(
    () => fitKde(x, { bandwidth: 1, kernel: "epanechnikov" as "gaussian" }),
    /kernel must be one of "gaussian", "tophat"/,
  );
  assert.throws(() => fitKde(matrix(0, 2), { bandwidth: 1 }), /KDE training data must hold at least one point/);
  assert.throws(() => kdeEstimator(matrix(0, 2), { bandwidth: 1 }), /test data must hold at least one point/);
  assert.throws(() => new KdeAccumulator(x, { bandwidth: -2 }), allowed);
});

Deno.test("top-hat: exact ball density, and an infinite test NLL once a test point is farther than h", () => {
  assert(Math.abs(logUnitBallVolume(2) - Math.log(Math.PI)) < 1e-15);
  assert(Math.abs(logUnitBallVolume(3) - Math.log((4 / 3) * Math.PI)) < 1e-15);
  const model = fitKde(fromRows([[0, 0], [0.5, 0], [5, 5]]), { bandwidth: 1, kernel: "tophat" });
  const logp = kdeLogDensity(model, fromRows([[0.2, 0], [4.5, 5], [10, 10]]));
  assert(Math.abs(logp[0] - Math.log(2 / (3 * Math.PI))) < 1e-12);
  assert(Math.abs(logp[1] - Math.log(1 / (3 * Math.PI))) < 1e-12);
  assert.equal(logp[2], -Infinity);
  assert.equal(kdeMeanNll(model, fromRows([[0, 0], [10, 10]])), Infinity);
  // Samples stay within h of a training point.
  const samples = sampleKde(model, 2000, new Rng(15));
  for (let r = 0; r < samples.rows; r++) {
    const [a, b] = samples.data.subarray(2 * r, 2 * r + 2);
    const near = [[0, 0], [0.5, 0], [5, 5]].some(([p, q]) => Math.hypot(a - p, b - q) <= 1);
    assert(near);
  }
});
