import assert from "node:assert/strict";
import { fromRows, matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
import {
  eStep,
  fitGmm,
  gmmEstimator,
  gmmLogDensity,
  liveComponents,
  type Mixture,
  mStep,
  sampleMixture,
} from "./gmm.ts";
import { kMeansPlusPlus } from "./kmeans.ts";

/** A 2-D mixture with unequal weights, its components ~8 standard deviations apart. */
const SEPARATED: Mixture = {
  weights: Float64Array.of(0.5, 0.3, 0.2),
  components: [
    { dim: 2, mean: Float64Array.of(-6, 0), covariance: Float64Array.of(1, 0.3, 0.3, 0.5) },
    { dim: 2, mean: Float64Array.of(4, 4), covariance: Float64Array.of(0.5, 0, 0, 0.8) },
    { dim: 2, mean: Float64Array.of(4, -5), covariance: Float64Array.of(0.3, -0.1, -0.1, 0.6) },
  ],
};

const normalPdf = (x: number, mean: number, variance: number): number =>
  Math.exp(-((x - mean) ** 2) / (2 * variance)) / Math.sqrt(2 * Math.PI * variance);

const oneD = (weights: number[], means: number[], variances: number[]): Mixture => ({
  weights: Float64Array.from(weights),
  components: means.map((m, c) => ({
    dim: 1,
    mean: Float64Array.of(m),
    covariance: Float64Array.of(variances[c]),
  })),
});

Deno.test("E-step: responsibilities and log-likelihood by hand on three 1-D points", () => {
  const mixture = oneD([0.3, 0.7], [0, 2], [1, 0.25]);
  const xs = [0, 1, 3];
  const { responsibilities, logLikelihood } = eStep(mixture, fromRows(xs.map((x) => [x])));
  let expectedLogLikelihood = 0;
  xs.forEach((x, i) => {
    const a = 0.3 * normalPdf(x, 0, 1), b = 0.7 * normalPdf(x, 2, 0.25);
    assert(Math.abs(responsibilities[2 * i] - a / (a + b)) < 1e-14, `point ${x}`);
    assert(Math.abs(responsibilities[2 * i + 1] - b / (a + b)) < 1e-14, `point ${x}`);
    expectedLogLikelihood += Math.log(a + b);
  });
  assert(Math.abs(logLikelihood - expectedLogLikelihood) < 1e-13);
  // x = 1 by hand: 0.3 N(1; 0, 1) = 0.3 e^(-1/2) / sqrt(2 pi) = 0.0725912, 0.7 N(1; 2, 1/4) = 0.7 e^(-2) / sqrt(pi / 2) = 0.0755874.
  assert(Math.abs(responsibilities[2] - 0.0725912 / (0.0725912 + 0.0755874)) < 1e-6);
});

Deno.test("E-step in log space: a point where every density underflows keeps a finite log-likelihood", () => {
  const mixture = oneD([0.3, 0.7], [0, 2], [1, 0.25]);
  assert.equal(normalPdf(100, 0, 1), 0, "the direct density underflows");
  const { responsibilities, logLikelihood } = eStep(mixture, fromRows([[100]]));
  // log(0.3 N(100; 0, 1)) = log 0.3 - 5000 - log(2 pi)/2; the other term is e^-19000 smaller.
  assert(Math.abs(logLikelihood - (Math.log(0.3) - 5000 - Math.log(2 * Math.PI) / 2)) < 1e-9);
  assert.deepEqual([...responsibilities], [1, 0]);
  assert(Number.isFinite(gmmLogDensity(mixture, fromRows([[-1e4]]))[0]));
});

Deno.test("each EM step does not decrease the log-likelihood; the first from a bad start increases it", () => {
  const x = sampleMixture(SEPARATED, 400, new Rng(1));
  let mixture: Mixture = {
    weights: Float64Array.of(0.8, 0.1, 0.1),
    components: [0, 1, 2].map((c) => ({
      dim: 2,
      mean: Float64Array.of(c - 1, 0),
      covariance: Float64Array.of(4, 0, 0, 4),
    })),
  };
  let previous = eStep(mixture, x).logLikelihood;
  for (let step = 0; step < 30; step++) {
    const { responsibilities } = eStep(mixture, x);
    // A 1e-12 floor: EM is then monotone to far below the tolerance checked.
    mixture = mStep(x, { responsibilities, previous: mixture.components, varianceFloor: 1e-12 });
    const next = eStep(mixture, x).logLikelihood;
    assert(next >= previous - 1e-9, `step ${step}: ${previous} -> ${next}`);
    if (step === 0) assert(next > previous + 1, `the first step gains: ${previous} -> ${next}`);
    previous = next;
  }
});

Deno.test("a well-separated mixture is recovered within Monte Carlo error (weights, means, covariances)", () => {
  const size = 20_000;
  const model = fitGmm(sampleMixture(SEPARATED, size, new Rng(2)), { components: 3, seed: 0 });
  assert(model.converged);
  SEPARATED.components.forEach((truth, c) => {
    // Match the fitted component by its mean (the labels of a fit are arbitrary).
    const fitted = model.components.reduce(
      (best, candidate, i) =>
        Math.hypot(candidate.mean[0] - truth.mean[0], candidate.mean[1] - truth.mean[1]) <
            Math.hypot(model.components[best].mean[0] - truth.mean[0], model.components[best].mean[1] - truth.mean[1])
          ? i
          : best,
      0,
    );
    const w = SEPARATED.weights[c], points = size * w;
    // Multinomial count of the component, and per-component ML estimates from about N w points.
    assert(Math.abs(model.weights[fitted] - w) < 4 * Math.sqrt((w * (1 - w)) / size), `weight ${c}`);
    const s = truth.covariance;
    for (let j = 0; j < 2; j++) {
      const mean = model.components[fitted].mean[j];
      assert(Math.abs(mean - truth.mean[j]) < 4 * Math.sqrt(s[3 * j] / points), `mean ${c}.${j}: ${mean}`);
    }
    for (const [i, j] of [[0, 0], [0, 1], [1, 1]]) {
      const se = Math.sqrt((s[3 * i] * s[3 * j] + s[2 * i + j] ** 2) / points);
      const got = model.components[fitted].covariance[2 * i + j];
      assert(Math.abs(got - s[2 * i + j]) < 4 * se, `covariance ${c}.${i}${j}: ${got}`);
    }
  });
});

Deno.test("sampling: the mixture's mean and covariance within Monte Carlo error; a weight-0 component never drawn", () => {
  const size = 100_000;
  const x = sampleMixture(SEPARATED, size, new Rng(3));
  const mean = [0, 0], second = [0, 0, 0, 0];
  SEPARATED.components.forEach((c, k) => {
    const w = SEPARATED.weights[k];
    for (let i = 0; i < 2; i++) {
      mean[i] += w * c.mean[i];
      for (let j = 0; j < 2; j++) second[2 * i + j] += w * (c.covariance[2 * i + j] + c.mean[i] * c.mean[j]);
    }
  });
  for (let j = 0; j < 2; j++) {
    const column = Float64Array.from({ length: size }, (_, r) => x.data[2 * r + j]);
    const { mean: got, se } = meanAndStandardError(column);
    assert(Math.abs(got - mean[j]) < 4 * se, `mean ${j}: ${got} vs ${mean[j]}`);
    const squares = column.map((v) => v * v);
    const s = meanAndStandardError(squares);
    assert(Math.abs(s.mean - second[3 * j]) < 4 * s.se, `second moment ${j}`);
  }
  const dead: Mixture = { weights: Float64Array.of(0, 1, 0), components: SEPARATED.components };
  const y = sampleMixture(dead, 1000, new Rng(4));
  for (let r = 0; r < 1000; r++) assert(y.data[2 * r] > 0 && y.data[2 * r + 1] > 0, "only the (4, 4) component");
  assert.equal(sampleMixture(SEPARATED, 0, new Rng(5)).rows, 0);
});

Deno.test("a dead component (no responsibility) keeps its parameters at weight 0, and stays dead", () => {
  const x = fromRows([[0, 0], [1, 0], [0, 1]]);
  const previous = SEPARATED.components;
  const responsibilities = Float64Array.from([1, 0, 0, 0, 1, 0, 1, 0, 0]);
  const m = mStep(x, { responsibilities, previous, varianceFloor: 1e-6 });
  assert.deepEqual([...m.weights], [2 / 3, 1 / 3, 0]);
  assert.equal(m.components[2], previous[2]);
  // The component on one point has covariance floor x I exactly.
  assert.deepEqual([...m.components[1].covariance], [1e-6, 0, 0, 1e-6]);
  const next = eStep(m, x).responsibilities;
  for (let i = 0; i < 3; i++) assert.equal(next[3 * i + 2], 0);
  assert.equal(liveComponents(m.weights), 2);
  assert.equal(liveComponents(Float64Array.of(0.5, 0.46, 0.04)), 3);
  assert.equal(liveComponents(Float64Array.of(0.5, 0.47, 0.03)), 2, "1/(10k) = 1/30 is the threshold");
});

Deno.test("fits are pure functions of (seed, data): reproducible in any order; k-means++ depends on its stream", () => {
  const rng = new Rng(6);
  const a = sampleMixture(SEPARATED, 200, rng), b = sampleMixture(SEPARATED, 200, rng);
  const estimator = gmmEstimator(a, { components: 3, seed: 7 });
  const first = estimator.fit(a);
  estimator.fit(b);
  assert.deepEqual(estimator.fit(a), first);
  const x = matrix(50, 2, new Rng(8).fillNormal(new Float64Array(100)));
  assert.notDeepEqual(
    kMeansPlusPlus(x, { components: 3, rng: new Rng(1) }),
    kMeansPlusPlus(x, { components: 3, rng: new Rng(2) }),
  );
  // Every centre is a data point.
  const centres = kMeansPlusPlus(x, { components: 3, rng: new Rng(1) });
  for (let c = 0; c < 3; c++) {
    assert(
      Array.from({ length: 50 }, (_, r) => r).some((r) =>
        x.data[2 * r] === centres[2 * c] && x.data[2 * r + 1] === centres[2 * c + 1]
      ),
    );
  }
});

Deno.test("bad options are rejected naming the field", () => {
  const x = sampleMixture(SEPARATED, 20, new Rng(9));
  const fit = (options: Record<string, unknown>) =>
    fitGmm(x, { components: 3, seed: 0, ...options } as Parameters<typeof fitGmm>[1]);
  assert.throws(() => fit({ components: 0 }), /components must be an integer >= 1, got 0/);
  assert.throws(() => fit({ components: 1.5 }), /components must be an integer >= 1/);
  for (const floor of [0, -1, NaN, Infinity, "1e-6"]) {
    assert.throws(() => fit({ varianceFloor: floor }), /varianceFloor must be a finite number > 0/);
  }
  assert.throws(() => fit({ maxIterations: 0 }), /maxIterations must be an integer >= 1/);
  assert.throws(() => fit({ tolerance: -1 }), /tolerance must be a finite number >= 0/);
  assert.throws(() => fit({ seed: -1 }), /seed must be a non-negative integer/);
  assert.throws(() => fit({ components: 21 }), /a 21-component mixture needs at least 21 points, got 20/);
  assert.throws(() => gmmEstimator(x, { components: 0, seed: 0 }), /components must be/);
});

Deno.test("EM stops at the iteration cap or when the mean log-likelihood changes by less than the tolerance", () => {
  // Overlapping components: EM needs several steps.
  const overlapping = oneD([0.5, 0.5], [0, 1.5], [1, 1]);
  const x = sampleMixture(overlapping, 2000, new Rng(10));
  const capped = fitGmm(x, { components: 2, seed: 0, tolerance: 0, maxIterations: 7 });
  assert.equal(capped.emIterations, 7);
  assert.equal(capped.converged, false);
  const model = fitGmm(x, { components: 2, seed: 0, tolerance: 1e-4 });
  assert(model.converged && model.emIterations > 2, `${model.emIterations} steps`);
  // One step fewer had not met the tolerance: the loop stops at the first step that does.
  const earlier = fitGmm(x, { components: 2, seed: 0, tolerance: 1e-4, maxIterations: model.emIterations - 1 });
  assert.equal(earlier.converged, false);
  assert(Math.abs(model.logLikelihood - earlier.logLikelihood) < 1e-4);
  // The recorded log-likelihood is that of the returned parameters.
  assert(Math.abs(model.logLikelihood - eStep(model, x).logLikelihood / x.rows) < 1e-14);
});
