/**
 * Real versus synthetic data, cardinality and proportion (paper section 5;
 * original notebook 10) for every numeric model family: fit on the first
 * `numReal` real rows plus the first `numSynthetic` rows of a first-generation
 * synthetic set (drawn once from the model fitted on all `realPool` real
 * training rows), score on real held-out data (`testLoss`, also stored under
 * the family's own metric name). The language model's part is
 * `mixing_lm.ts`.
 *
 * Data streams: the held-out test set, the real training pool and the
 * synthetic set depend only on (seed, family, family parameters, pool sizes),
 * so every grid point of one seed mixes the SAME real rows and the SAME
 * synthetic rows, and is scored on the same test set.
 *
 * @module
 */

import { DATASET_NAMES, datasetSampler } from "../models/datasets.ts";
import type { Estimator } from "../models/estimator.ts";
import { gaussianNllEstimator } from "../models/gaussian_likelihood.ts";
import { type Bandwidth, BANDWIDTH_RULES } from "../models/kde.ts";
import { kdeEstimator } from "../models/kde_estimator.ts";
import { regressionRows, regressionRowsEstimator } from "../models/linear_regression_rows.ts";
import { type Matrix, matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { assertMixCounts, runMixing } from "../workflows/mixing.ts";
import { defineExperiment, type Grid } from "./define.ts";
import { choice, type Config, either, integer, onlyWhere, real, seed } from "./fields.ts";

/** The model families of the mixing study. */
export const MIXING_FAMILIES = ["gaussian", "kde", "linear_regression"] as const;

/** Held-out real test points per run, by family. */
export const MIXING_TEST_POINTS = { gaussian: 1000, kde: 500, linear_regression: 1000 } as const;

/** The name each family's metric has besides `testLoss`. */
export const MIXING_METRIC = { gaussian: "testNll", kde: "testNll", linear_regression: "testMse" } as const;

/**
 * The paper's grid ({128, ..., 12000} real x {0, ..., 40000} synthetic, plus
 * synthetic only). "default" divides every count by 4 (12000 -> 3000,
 * 40000 -> 10000) so that the smallest real sets are truly scarce for d = 10.
 */
const PAPER_GRID = {
  family: { values: [...MIXING_FAMILIES] },
  numSynthetic: { values: [0, 256, 1024, 4096, 12000, 20000, 40000] },
  numReal: { values: [128, 256, 512, 1024, 4096, 12000] },
  realPool: { value: 12000 },
  syntheticPool: { value: 40000 },
  seed: { min: 0, max: 9 },
} satisfies Grid;
const DEFAULT_GRID = {
  ...PAPER_GRID,
  numSynthetic: { values: [0, 64, 256, 1024, 3000, 5000, 10000] },
  numReal: { values: [32, 64, 128, 256, 1024, 3000] },
  realPool: { value: 3000 },
  syntheticPool: { value: 10000 },
  seed: { min: 0, max: 19 },
} satisfies Grid;
const SMOKE_GRID = {
  ...PAPER_GRID,
  numSynthetic: { values: [0, 64, 256, 1024] },
  numReal: { values: [16, 64, 256] },
  realPool: { value: 256 },
  syntheticPool: { value: 1024 },
  seed: { min: 0, max: 1 },
} satisfies Grid;
// The baselines: synthetic data only (numReal = 0) for every numSynthetic > 0.
const syntheticOnly = (grid: Grid & { numSynthetic: { values: number[] } }): Grid => ({
  ...grid,
  numSynthetic: { values: grid.numSynthetic.values.filter((s) => s > 0) },
  numReal: { value: 0 },
});

const mixing = defineExperiment({
  name: "mixing",
  // 2: the KDE's kernel sums' exponential in C by a table of 2^(j/16) (last bits of the KDE rows changed).
  // 3: the KDE's kernel sums with fused multiply-adds (last bits of the KDE rows changed again).
  // 4: the KDE's kernel sums over 2048 training points or more in spatial order (last bits of those rows changed).
  // 5: the KDE's kernel sums of a block every point of which may be kept in one pass, rescaled (last bits changed).
  version: 5,
  module: import.meta.url,
  description: "a model fitted once on real plus first-generation synthetic data, by counts of each",
  fields: {
    family: choice(MIXING_FAMILIES, { doc: "the model family" }),
    numReal: integer({ min: 0, doc: "real rows used: the first numReal of the real pool" }),
    numSynthetic: integer({ min: 0, doc: "synthetic rows used: the first numSynthetic of the synthetic set" }),
    realPool: integer({ doc: "real training rows; the first-generation model is fitted on all of them" }),
    syntheticPool: integer({ min: 0, doc: "rows of the first-generation synthetic set" }),
    seed: seed(),
    dim: integer({ default: 10, ...onlyWhere("family", ["gaussian", "linear_regression"]), doc: "dimension d" }),
    dataset: choice(DATASET_NAMES, { default: "moons", ...onlyWhere("family", ["kde"]), doc: "the KDE's data set" }),
    bandwidth: either<Bandwidth>([real({ greaterThan: 0 }), choice(BANDWIDTH_RULES)], {
      default: 0.1,
      ...onlyWhere("family", ["kde"]),
      doc: "the KDE's bandwidth h",
    }),
    sigmaSquared: real({
      min: 0,
      default: 1,
      ...onlyWhere("family", ["linear_regression"]),
      doc: "label noise variance",
    }),
  },
  check: (c) => assertMixCounts({ ...c, realAvailable: c.realPool, syntheticAvailable: c.syntheticPool }),
  grids: {
    main: { smoke: SMOKE_GRID, default: DEFAULT_GRID, paper: PAPER_GRID },
    synthetic_only: {
      smoke: syntheticOnly(SMOKE_GRID),
      default: syntheticOnly(DEFAULT_GRID),
      paper: syntheticOnly(PAPER_GRID),
    },
  },
  // Fitting and scoring the mixed set, plus drawing the pools.
  cost: (c) => {
    const d = c.dim ?? 2;
    return (c.numReal + c.numSynthetic) * (c.family === "kde" ? MIXING_TEST_POINTS.kde * 4 : d * d) +
      (c.realPool + c.syntheticPool) * d * d + 100;
  },
  example: { family: "gaussian", numReal: 20, numSynthetic: 40, realPool: 50, syntheticPool: 100, seed: 0, dim: 3 },
  run: async (c) => {
    const keys = [c.family, c.dim ?? "", c.dataset ?? "", String(c.bandwidth ?? ""), c.sigmaSquared ?? ""];
    const testRng = new Rng(c.seed, "mixing-test", ...keys);
    const realRng = new Rng(c.seed, "mixing-real", ...keys, c.realPool);
    const { estimator, real } = familyData(c, { testRng, realRng });
    const [record] = await runMixing(estimator, real, {
      grid: [{ numReal: c.numReal, numSynthetic: c.numSynthetic }],
      rng: new Rng(c.seed, "mixing-synthetic", ...keys, c.realPool, c.syntheticPool),
      syntheticSize: c.syntheticPool,
    });
    return [{
      ...c,
      realFraction: c.numReal / (c.numReal + c.numSynthetic),
      testLoss: record.metrics[MIXING_METRIC[c.family]],
      ...record.metrics,
    }];
  },
});

export default mixing;

/** A family's estimator (scored on its held-out test set) and its real training pool. */
function familyData(
  c: { family: typeof MIXING_FAMILIES[number]; realPool: number } & Config,
  streams: { testRng: Rng; realRng: Rng },
): { estimator: Estimator<Matrix, unknown>; real: Matrix } {
  const { testRng, realRng } = streams;
  if (c.family === "kde") {
    const sample = datasetSampler(c.dataset as typeof DATASET_NAMES[number], testRng);
    const test = sample(MIXING_TEST_POINTS.kde, testRng);
    const estimator = kdeEstimator(test, { bandwidth: c.bandwidth as Bandwidth, kernel: "gaussian" });
    return { estimator: estimator as Estimator<Matrix, unknown>, real: sample(c.realPool, realRng) };
  }
  const d = c.dim as number;
  const normals = (rng: Rng, rows: number): Matrix => matrix(rows, d, rng.fillNormal(new Float64Array(rows * d)));
  if (c.family === "gaussian") {
    const test = normals(testRng, MIXING_TEST_POINTS.gaussian);
    return { estimator: gaussianNllEstimator(test) as Estimator<Matrix, unknown>, real: normals(realRng, c.realPool) };
  }
  const trueWeights = testRng.fillNormal(new Float64Array(d));
  const testDesign = normals(testRng, MIXING_TEST_POINTS.linear_regression);
  const sigmaSquared = c.sigmaSquared as number;
  return {
    estimator: regressionRowsEstimator({ trueWeights, sigmaSquared, testDesign }) as Estimator<Matrix, unknown>,
    real: regressionRows(c.realPool, { weights: trueWeights, sigmaSquared, rng: realRng }),
  };
}
