/**
 * The data and workflow options of one linear-regression run
 * (linear_regression.ts): the setting (truth, design, test points), the real
 * labels and, beyond the paper, the "Fresh" workflow's fresh real labels and
 * the verifier.
 *
 * Tests: linear_regression_test.ts.
 *
 * @module
 */

import {
  labelDesign,
  type LabelSet,
  type LinearModel,
  linearRegressionEstimator,
  type LinearRegressionSetting,
} from "../models/linear_regression.ts";
import { matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import type { FreshData, Workflow } from "../workflows/mod.ts";
import type { Verifier } from "../workflows/verify.ts";
import type { Config } from "./fields.ts";
import { verifierRule, workflowStream } from "./workflow_fields.ts";

/** Test points of every run (noiseless labels). */
export const TEST_POINTS = 1000;

/** The fields of a configuration these helpers read. */
interface LinearRegressionRunConfig extends Config {
  dim: number;
  samplesPerIteration: number;
  sigmaSquared: number;
  workflow: Workflow;
  seed: number;
  iterations: number;
}

/** The truth w*, the design X0 and the test design of a run: they depend only on (seed, d, n). */
export function linearRegressionSetting(
  c: Pick<LinearRegressionRunConfig, "dim" | "samplesPerIteration" | "sigmaSquared" | "seed">,
): LinearRegressionSetting {
  const d = c.dim, n = c.samplesPerIteration;
  const designRng = new Rng(c.seed, "linreg-design", d, n);
  const trueWeights = designRng.fillNormal(new Float64Array(d));
  const design = matrix(n, d, designRng.fillNormal(new Float64Array(n * d)));
  const testDesign = matrix(TEST_POINTS, d, designRng.fillNormal(new Float64Array(TEST_POINTS * d)));
  return { trueWeights, design, sigmaSquared: c.sigmaSquared, testDesign };
}

/**
 * A run's setting, real labels and workflow options: its stream (Fresh draws
 * its synthetic labels from Replace's, so freshFraction 0 is Replace bit for
 * bit), the fresh real labels (the first round(alpha n) design rows labelled
 * by w* from a stream of their own: the estimator's synthetic draw of the
 * other n - m labels takes the last rows, so the training set labels each row
 * once), and the verifier: a label's log-likelihood N(y; x^T w, sigma^2) under
 * w* ("oracle") or the fit on the real labels ("first-fit").
 */
export function linearRegressionRun(c: LinearRegressionRunConfig): {
  setting: LinearRegressionSetting;
  real: LabelSet;
  options: {
    workflow: Workflow;
    iterations: number;
    rng: Rng;
    fresh?: FreshData<LabelSet>;
    verifier?: Verifier<LabelSet>;
  };
} {
  const d = c.dim, n = c.samplesPerIteration;
  const setting = linearRegressionSetting(c);
  const real = labelDesign(setting, {
    weights: setting.trueWeights,
    rng: new Rng(c.seed, "linreg-labels", d, n, c.sigmaSquared),
  });
  const rng = new Rng(c.seed, "linreg-workflow", workflowStream(c.workflow), d, n, c.sigmaSquared);
  const options: ReturnType<typeof linearRegressionRun>["options"] = {
    workflow: c.workflow,
    iterations: c.iterations,
    rng,
  };
  if (c.freshFraction !== undefined) {
    const freshRng = new Rng(c.seed, "linreg-fresh", d, n, c.sigmaSquared);
    const fraction = c.freshFraction as number;
    const rows = Int32Array.from({ length: Math.round(fraction * n) }, (_, i) => i);
    options.fresh = {
      fraction,
      draw: () => labelDesign(setting, { weights: setting.trueWeights, rng: freshRng, rows }),
    };
  }
  if (c.verifier !== undefined) {
    const weights = c.verifier === "oracle"
      ? setting.trueWeights
      : (linearRegressionEstimator(setting).fit(real) as LinearModel).weights;
    options.verifier = {
      score: (set) => labelLogLikelihood(set, { weights, sigmaSquared: c.sigmaSquared }),
      rule: verifierRule(c),
      budget: c.verifierBudget as number,
    };
  }
  return { setting, real, options };
}

/** log N(y_r; x_r^T w, sigma^2) of each label of a set. */
export function labelLogLikelihood(
  set: LabelSet,
  options: { weights: Float64Array; sigmaSquared: number },
): Float64Array {
  const { design, labels, rows } = set;
  const { weights, sigmaSquared } = options;
  const d = design.cols;
  const norm = -0.5 * Math.log(2 * Math.PI * sigmaSquared);
  const out = new Float64Array(labels.length);
  for (let r = 0; r < labels.length; r++) {
    const row = rows ? rows[r] : r;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += design.data[row * d + j] * weights[j];
    out[r] = norm - (labels[r] - mean) ** 2 / (2 * sigmaSquared);
  }
  return out;
}
