/**
 * Helpers shared by the model layer's tests (not a test module itself).
 *
 * @module
 */

import { matrix } from "../numerics/matrix.ts";
import type { Rng } from "../numerics/rng.ts";
import type { LinearRegressionSetting } from "./linear_regression.ts";

/** A fixed-design regression setting: w* and the n x d design from `rng`, 200 test points. */
export function randomSetting(rng: Rng, n: number, d: number, sigmaSquared: number): LinearRegressionSetting {
  return {
    trueWeights: rng.fillNormal(new Float64Array(d)),
    design: matrix(n, d, rng.fillNormal(new Float64Array(n * d))),
    sigmaSquared,
    testDesign: matrix(200, d, rng.fillNormal(new Float64Array(200 * d))),
  };
}
