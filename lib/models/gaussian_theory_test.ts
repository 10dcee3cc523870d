import assert from "node:assert/strict";
import { gaussianExpectations } from "./gaussian_theory.ts";

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
