import assert from "node:assert/strict";
import {
  digamma,
  expectedFitNll,
  expectedRefitNll,
  gaussianExpectations,
  gaussianFreshExpectations,
} from "./gaussian_theory.ts";
import { fitGaussian, sampleGaussian } from "./gaussian.ts";
import { gaussianMeanNll } from "./gaussian_likelihood.ts";
import { Rng } from "../numerics/rng.ts";
import { meanAndStandardError } from "../numerics/stats.ts";

Deno.test("gaussianExpectations: the closed forms at hand-computed points and limits", () => {
  const replace = gaussianExpectations("Replace", { dim: 3, samplesPerIteration: 10, iterations: 3 });
  assert.deepEqual(replace.traceRatio.map((v) => +v.toFixed(12)), [0.9, 0.81, 0.729]);
  // (3/10)(1 + 0.9 + 0.81)
  assert(Math.abs(replace.squaredErrorOfMean[2] - 0.813) < 1e-12);
  const accumulate = gaussianExpectations("Accumulate", { dim: 1, samplesPerIteration: 10, iterations: 20_000 });
  // prod_{k>=1} (1 - x/k^2) = sin(pi sqrt x)/(pi sqrt x), x = 1/n.
  const z = Math.PI / Math.sqrt(10);
  assert(Math.abs(accumulate.traceRatio.at(-1)! - Math.sin(z) / z) < 1e-4);
  assert(accumulate.squaredErrorOfMean.at(-1)! < (Math.PI ** 2 / 6) / 10);
});

Deno.test("the Fresh recursion: Replace at fraction 0, the real data's fit at fraction 1, its fixed point", () => {
  const base = { dim: 3, samplesPerIteration: 10, iterations: 30 };
  const fresh0 = gaussianFreshExpectations({ ...base, fraction: 0 });
  const replace = gaussianExpectations("Replace", base);
  for (let t = 0; t < 30; t++) {
    assert(Math.abs(fresh0.traceRatio[t] - replace.traceRatio[t]) < 1e-15);
    assert(Math.abs(fresh0.squaredErrorOfMean[t] - replace.squaredErrorOfMean[t]) < 1e-12);
  }
  assert.deepEqual(fresh0.limit, { traceRatio: 0, squaredErrorOfMean: 3 });
  // All fresh: every fit is a fit of n real points: E = (n - 1)/n and d/n at every iteration.
  const fresh1 = gaussianFreshExpectations({ ...base, fraction: 1 });
  for (let t = 0; t < 30; t++) {
    assert(Math.abs(fresh1.traceRatio[t] - 0.9) < 1e-15);
    assert(Math.abs(fresh1.squaredErrorOfMean[t] - 0.3) < 1e-15);
  }
  // The fixed point is where the recursion goes, and it is one: a step from it stays there.
  const half = gaussianFreshExpectations({ ...base, fraction: 0.5, iterations: 400 });
  assert(Math.abs(half.traceRatio.at(-1)! - half.limit.traceRatio) < 1e-12);
  assert(Math.abs(half.squaredErrorOfMean.at(-1)! - half.limit.squaredErrorOfMean) < 1e-12);
  assert(half.limit.traceRatio > 0 && half.limit.traceRatio < 0.9);
  assert.throws(() => gaussianFreshExpectations({ ...base, fraction: 2 }), /fraction must be in \[0, 1\]/);
});

Deno.test("digamma at known values and its recurrence", () => {
  const gamma = 0.5772156649015329;
  assert(Math.abs(digamma(1) + gamma) < 1e-13);
  assert(Math.abs(digamma(0.5) + gamma + 2 * Math.LN2) < 1e-13);
  for (const x of [0.3, 2.5, 7.1, 40]) assert(Math.abs(digamma(x + 1) - digamma(x) - 1 / x) < 1e-12);
  assert.throws(() => digamma(0), RangeError);
});

Deno.test("expectedFitNll and expectedRefitNll match simulation (|z| < 4) and tend to the truth's NLL", () => {
  const d = 3, n = 9, pool = 12, reps = 4000;
  const truth = {
    dim: d,
    mean: new Float64Array(d),
    covariance: Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0)),
  };
  const rng = new Rng(5, "gaussian-nll-theory");
  const fit: number[] = [], refit: number[] = [];
  for (let i = 0; i < reps; i++) {
    const test = sampleGaussian(truth, 200, rng);
    fit.push(gaussianMeanNll(fitGaussian(sampleGaussian(truth, n, rng)), test));
    const first = fitGaussian(sampleGaussian(truth, pool, rng));
    refit.push(gaussianMeanNll(fitGaussian(sampleGaussian(first, n, rng)), test));
  }
  for (
    const [values, exact] of [[fit, expectedFitNll(d, n)], [refit, expectedRefitNll(d, { pool, samples: n })]] as const
  ) {
    const { mean, se } = meanAndStandardError(values);
    assert(Math.abs(mean - exact) < 4 * se, `${mean} vs ${exact} (se ${se})`);
  }
  const truthNll = (10 / 2) * (Math.log(2 * Math.PI) + 1);
  assert(Math.abs(expectedFitNll(10, 1e7) - truthNll) < 1e-4);
  // Synthetic data of a first fit on R points, m of them: worse than the first fit itself, towards it as m grows.
  assert(expectedRefitNll(10, { pool: 3000, samples: 10_000 }) > expectedFitNll(10, 3000));
  assert(Math.abs(expectedRefitNll(10, { pool: 3000, samples: 1e8 }) - expectedFitNll(10, 3000)) < 1e-5);
  assert.throws(() => expectedFitNll(3, 5), RangeError);
});
