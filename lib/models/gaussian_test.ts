import assert from "node:assert/strict";
import {
  fitGaussian,
  GaussianAccumulator,
  gaussianEstimator,
  type GaussianModel,
  logDeterminant,
  mergeSummaries,
  sampleGaussian,
  sampleGaussianSummary,
  summarize,
} from "./gaussian.ts";
import { fromRows, matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";

Deno.test("fitGaussian: sample mean and the biased (divide by N) covariance, by hand", () => {
  const model = fitGaussian(fromRows([[0, 0], [2, 0], [0, 2], [2, 2], [1, 1]]));
  assert.deepEqual([...model.mean], [1, 1]);
  // Squared deviations per axis: 1+1+1+1+0 = 4, over N = 5; cross terms cancel.
  assert.deepEqual([...model.covariance], [0.8, 0, 0, 0.8]);
  assert(Math.abs(logDeterminant(model) - Math.log(0.64)) < 1e-12);
});

Deno.test("the accumulator's fit equals a batch fit of the concatenated pool", () => {
  const rng = new Rng(5);
  const batches = [3, 7, 1, 12].map((rows) => matrix(rows, 3, rng.fillNormal(new Float64Array(rows * 3))));
  const accumulator = new GaussianAccumulator();
  for (const b of batches) accumulator.add(b);
  const all = new Float64Array(batches.reduce((s, b) => s + b.data.length, 0));
  let offset = 0;
  for (const b of batches) {
    all.set(b.data, offset);
    offset += b.data.length;
  }
  const batch = fitGaussian(matrix(23, 3, all));
  const incremental = accumulator.fit();
  assert.equal(accumulator.count, 23);
  for (let i = 0; i < 3; i++) {
    assert(Math.abs(batch.mean[i] - incremental.mean[i]) < 1e-14);
  }
  for (let i = 0; i < 9; i++) {
    assert(Math.abs(batch.covariance[i] - incremental.covariance[i]) < 1e-14);
  }
});

Deno.test("sampling reproduces the mean and covariance within Monte Carlo error", () => {
  const model = {
    dim: 2,
    mean: new Float64Array([1, -2]),
    covariance: new Float64Array([2, 0.6, 0.6, 0.5]),
  };
  const n = 100_000;
  const x = sampleGaussian(model, n, new Rng(6));
  const fit = fitGaussian(x);
  // se of a mean: sqrt(var/n); of a covariance entry: sqrt((s_ii s_jj + s_ij^2)/n).
  const [a, c, , b] = model.covariance;
  assert(Math.abs(fit.mean[0] - 1) < 5 * Math.sqrt(a / n));
  assert(Math.abs(fit.mean[1] + 2) < 5 * Math.sqrt(b / n));
  assert(Math.abs(fit.covariance[0] - a) < 5 * Math.sqrt(2 * a * a / n));
  assert(Math.abs(fit.covariance[1] - c) < 5 * Math.sqrt((a * b + c * c) / n));
  assert(Math.abs(fit.covariance[3] - b) < 5 * Math.sqrt(2 * b * b / n));
});

Deno.test("a singular covariance (n <= d) samples exactly in its span, never NaN", () => {
  // Fit 3 points in 5 dimensions: rank 2 covariance.
  const rng = new Rng(7);
  const model = fitGaussian(matrix(3, 5, rng.fillNormal(new Float64Array(15))));
  assert.equal(logDeterminant(model), -Infinity);
  const samples = sampleGaussian(model, 20_000, rng);
  assert(samples.data.every(Number.isFinite));
  const refit = fitGaussian(samples);
  // The refit covariance equals the model's within Monte Carlo error...
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      const sii = model.covariance[i * 6],
        sjj = model.covariance[j * 6],
        sij = model.covariance[i * 5 + j];
      const se = Math.sqrt((sii * sjj + sij * sij) / 20_000);
      assert(Math.abs(refit.covariance[i * 5 + j] - sij) < 6 * se + 1e-12);
    }
  }
  // ...and every centred sample is orthogonal to the null space of the fit:
  // its rank stays 2, to rounding.
  assert.equal(logDeterminant(refit), -Infinity);
});

Deno.test("d = 1 with one point: variance 0, samples equal the mean", async () => {
  const model = fitGaussian(fromRows([[3.5]]));
  const x = sampleGaussian(model, 10, new Rng(0));
  assert(x.data.every((v) => v === 3.5));
  const metrics = await gaussianEstimator({ dim: 1 }).evaluate(model);
  assert.equal(metrics.determinantRatio, 0);
  assert.equal(metrics.traceRatio, 0);
});

Deno.test("merged statistics equal the statistics of the concatenated sample", () => {
  const rng = new Rng(8);
  const a = matrix(4, 3, rng.fillNormal(new Float64Array(12)));
  const b = matrix(9, 3, rng.fillNormal(new Float64Array(27)));
  const merged = mergeSummaries(summarize(a), summarize(b));
  const whole = summarize(
    matrix(13, 3, Float64Array.from([...a.data, ...b.data])),
  );
  assert.equal(merged.count, 13);
  for (let i = 0; i < 3; i++) {
    assert(Math.abs(merged.mean[i] - whole.mean[i]) < 1e-14);
  }
  for (let i = 0; i < 9; i++) {
    assert(Math.abs(merged.scatter[i] - whole.scatter[i]) < 1e-13);
  }
});

// The statistics of `count` points drawn from N(m, S): mean ~ N(m, S/count) and
// scatter ~ Wishart(S, k = count - 1), so E[scatter] = k S and
// Var(scatter_ij) = k (S_ij^2 + S_ii S_jj). Checked for Bartlett's branch
// (k >= rank), the Z^T Z branch (k < rank) and a singular covariance.
const wishartCases: [string, GaussianModel, number][] = [
  ["k >= rank", {
    dim: 3,
    mean: new Float64Array([1, 0, -1]),
    covariance: new Float64Array([2, 0.5, 0, 0.5, 1, 0.3, 0, 0.3, 0.5]),
  }, 12],
  ["k < rank", {
    dim: 3,
    mean: new Float64Array([0, 2, 0]),
    covariance: new Float64Array([2, 0.5, 0, 0.5, 1, 0.3, 0, 0.3, 0.5]),
  }, 2],
  ["singular", {
    dim: 3,
    mean: new Float64Array(3),
    covariance: new Float64Array([1, 1, 0, 1, 1, 0, 0, 0, 2]),
  }, 5],
];

for (const [label, model, count] of wishartCases) {
  Deno.test(`sampled statistics have the Wishart moments (${label})`, () => {
    const rng = new Rng(9);
    const reps = 20_000, d = 3, k = count - 1, s = model.covariance;
    const sum = new Float64Array(9), meanSum = new Float64Array(3);
    for (let r = 0; r < reps; r++) {
      const stats = sampleGaussianSummary(model, count, rng);
      assert.equal(stats.count, count);
      for (let i = 0; i < 9; i++) sum[i] += stats.scatter[i];
      for (let i = 0; i < 3; i++) meanSum[i] += stats.mean[i];
    }
    for (let i = 0; i < d; i++) {
      const seMean = Math.sqrt(s[i * d + i] / count / reps);
      assert(
        Math.abs(meanSum[i] / reps - model.mean[i]) <= 5 * seMean + 1e-12,
        `mean ${i}`,
      );
      for (let j = 0; j < d; j++) {
        const sij = s[i * d + j];
        const se = Math.sqrt(
          k * (sij * sij + s[i * d + i] * s[j * d + j]) / reps,
        );
        assert(
          Math.abs(sum[i * d + j] / reps - k * sij) <= 5 * se + 1e-12,
          `scatter ${i},${j}: ${sum[i * d + j] / reps} vs ${k * sij}`,
        );
      }
    }
  });
}
