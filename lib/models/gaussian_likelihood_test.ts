import assert from "node:assert/strict";
import { matrix } from "../numerics/matrix.ts";
import { nativeKernels } from "../numerics/native/mod.ts";
import { Rng } from "../numerics/rng.ts";
import { gaussianLogDensity, gaussianMeanNll } from "./gaussian_likelihood.ts";

Deno.test("gaussianMeanNll: the closed form, and +Infinity for a singular fit", () => {
  const test = matrix(2, 2, new Float64Array([1, 0, 0, 2]));
  const model = { dim: 2, mean: new Float64Array([0, 0]), covariance: new Float64Array([1, 0, 0, 4]) };
  // Per point: 0.5 (2 log 2 pi + log 4 + x^T S^-1 x); quadratic forms 1 and 1.
  const expected = 0.5 * (2 * Math.log(2 * Math.PI) + Math.log(4) + 1);
  assert(Math.abs(gaussianMeanNll(model, test) - expected) < 1e-12);
  const singular = { dim: 2, mean: new Float64Array([0, 0]), covariance: new Float64Array([1, 1, 1, 1]) };
  assert.equal(gaussianMeanNll(singular, test), Infinity);
});

Deno.test("gaussianLogDensity: each point's log-density, and -Infinity for a singular fit", () => {
  const x = matrix(2, 2, new Float64Array([1, 0, 0, 2]));
  const model = { dim: 2, mean: new Float64Array([0, 0]), covariance: new Float64Array([1, 0, 0, 4]) };
  // log N(x; 0, diag(1, 4)) = -log(2 pi) - log(2) - (x1^2 + x2^2 / 4) / 2; both points have quadratic form 1.
  const expected = -Math.log(2 * Math.PI) - Math.log(2) - 0.5;
  const got = gaussianLogDensity(model, x);
  for (const v of got) assert(Math.abs(v - expected) < 1e-12);
  // The mean NLL is minus the mean of the log-densities.
  assert(Math.abs(gaussianMeanNll(model, x) + (got[0] + got[1]) / 2) < 1e-12);
  const singular = { dim: 2, mean: new Float64Array([0, 0]), covariance: new Float64Array([1, 1, 1, 1]) };
  assert.deepEqual([...gaussianLogDensity(singular, x)], [-Infinity, -Infinity]);
});

Deno.test("gaussianLogDensity in C: the TypeScript loop's bits", { ignore: nativeKernels() === undefined }, () => {
  const rng = new Rng(3);
  for (const d of [1, 2, 3, 5]) {
    const x = matrix(500, d);
    for (let m = 0; m < x.data.length; m++) x.data[m] = 3 * rng.normal();
    // A random covariance A A^T + I/2.
    const a = Float64Array.from({ length: d * d }, () => rng.normal());
    const covariance = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        for (let k = 0; k < d; k++) covariance[i * d + j] += a[i * d + k] * a[j * d + k];
      }
      covariance[i * d + i] += 0.5;
    }
    const model = { dim: d, mean: Float64Array.from({ length: d }, () => rng.normal()), covariance };
    const native = gaussianLogDensity(model, x);
    const typescript = gaussianLogDensity(model, x, { typescript: true });
    assert.deepEqual(native, typescript);
    assert(native.every(Number.isFinite));
  }
});
