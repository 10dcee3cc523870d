import assert from "node:assert/strict";
import { gaussianExpectations, gaussianFreshExpectations } from "./gaussian_theory.ts";

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
