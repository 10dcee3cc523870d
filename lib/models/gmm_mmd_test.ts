import assert from "node:assert/strict";
import { fromRows } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { meanAndStandardError } from "../numerics/stats.ts";
import { type Mixture, sampleMixture } from "./gmm.ts";
import { gaussianKernelMean, gmmMmd2, gmmMmd2ToSample, mmdSample } from "./gmm_mmd.ts";

const P: Mixture = {
  weights: Float64Array.of(0.6, 0.4),
  components: [
    { dim: 2, mean: Float64Array.of(0, 0), covariance: Float64Array.of(1, 0.4, 0.4, 0.7) },
    { dim: 2, mean: Float64Array.of(2, 1), covariance: Float64Array.of(0.3, 0, 0, 0.3) },
  ],
};
const Q: Mixture = {
  weights: Float64Array.of(0.3, 0.5, 0.2),
  components: [
    { dim: 2, mean: Float64Array.of(0.5, 0), covariance: Float64Array.of(0.6, -0.2, -0.2, 0.9) },
    { dim: 2, mean: Float64Array.of(1.5, 1.5), covariance: Float64Array.of(0.5, 0.1, 0.1, 0.4) },
    { dim: 2, mean: Float64Array.of(-1, 1), covariance: Float64Array.of(0.2, 0, 0, 0.2) },
  ],
};
const BANDWIDTH = 0.8;
const kernel = (x: Float64Array, i: number, y: Float64Array, j: number): number =>
  Math.exp(-((x[2 * i] - y[2 * j]) ** 2 + (x[2 * i + 1] - y[2 * j + 1]) ** 2) / (2 * BANDWIDTH ** 2));

Deno.test("the expected kernel of two Gaussians: point masses give the kernel; 1-D by a Gaussian integral", () => {
  const point = (x: number, y: number) => ({ dim: 2, mean: Float64Array.of(x, y), covariance: new Float64Array(4) });
  const k = gaussianKernelMean(point(0, 0), point(1, 2), BANDWIDTH);
  assert(Math.abs(k - Math.exp(-5 / (2 * BANDWIDTH ** 2))) < 1e-15);
  // 1-D: E exp(-(X - y)^2 / (2 l^2)) for X ~ N(0, s2), by the trapezoid rule on a fine grid.
  const s2 = 0.7, y = 1.3;
  let integral = 0;
  for (let x = -12; x <= 12; x += 1e-3) {
    integral += 1e-3 * Math.exp(-(x * x) / (2 * s2)) / Math.sqrt(2 * Math.PI * s2) *
      Math.exp(-((x - y) ** 2) / (2 * BANDWIDTH ** 2));
  }
  const gaussian = { dim: 1, mean: Float64Array.of(0), covariance: Float64Array.of(s2) };
  const mass = { dim: 1, mean: Float64Array.of(y), covariance: Float64Array.of(0) };
  assert(Math.abs(gaussianKernelMean(gaussian, mass, BANDWIDTH) - integral) < 1e-12);
});

Deno.test("closed-form MMD² between two mixtures equals a Monte Carlo estimate within 4 standard errors", () => {
  // h = k(X, X') + k(Y, Y') - k(X, Y') - k(X', Y) over independent X, X' ~ P and Y, Y' ~ Q has mean MMD²;
  // the h of different draws are i.i.d., so the estimate's SE is sd(h) / sqrt(N) exactly (sd estimated).
  const size = 200_000, rng = new Rng(1);
  const [x, x2, y, y2] = [P, P, Q, Q].map((m) => sampleMixture(m, size, rng).data);
  const h = Float64Array.from(
    { length: size },
    (_, r) => kernel(x, r, x2, r) + kernel(y, r, y2, r) - kernel(x, r, y2, r) - kernel(x2, r, y, r),
  );
  const { mean, se } = meanAndStandardError(h);
  const exact = gmmMmd2(P, Q, { bandwidth: BANDWIDTH });
  assert(Math.abs(mean - exact) < 4 * se, `Monte Carlo ${mean} ± ${se} vs closed form ${exact}`);
  assert(exact > 10 * se, "the difference is resolved: a wrong cross term would show");
  assert(Math.abs(gmmMmd2(P, P, { bandwidth: BANDWIDTH })) < 1e-15);
  assert(Math.abs(gmmMmd2(Q, P, { bandwidth: BANDWIDTH }) - exact) < 1e-15);
});

Deno.test("MMD² against a sample is unbiased: its mean over samples matches the closed form (|z| < 4)", () => {
  const exact = gmmMmd2(P, Q, { bandwidth: BANDWIDTH });
  const rng = new Rng(2);
  const estimates = Float64Array.from(
    { length: 400 },
    () => gmmMmd2ToSample(P, mmdSample(sampleMixture(Q, 20, rng), { bandwidth: BANDWIDTH })),
  );
  const { mean, se } = meanAndStandardError(estimates);
  assert(Math.abs(mean - exact) < 4 * se, `${mean} ± ${se} vs ${exact}`);
  // The self term is the mean over distinct pairs, by hand for two points.
  const two = mmdSample(fromRows([[0, 0], [1, 1]]), { bandwidth: BANDWIDTH });
  assert(Math.abs(two.selfTerm - Math.exp(-2 / (2 * BANDWIDTH ** 2))) < 1e-15);
});

Deno.test("MMD: a bad bandwidth or sample is rejected naming it", () => {
  for (const bandwidth of [0, -1, NaN, Infinity]) {
    assert.throws(() => gmmMmd2(P, Q, { bandwidth }), /mmdBandwidth must be a finite number > 0/);
  }
  assert.throws(() => mmdSample(fromRows([[0, 0]]), { bandwidth: 1 }), /at least 2 points/);
});
