/**
 * Real versus synthetic data, cardinality and proportion (paper section 5;
 * original notebook 10) for every numeric model family: fit on the first
 * `numReal` real rows plus the first `numSynthetic` rows of a first-generation
 * synthetic set (drawn once from the model fitted on all `realPool` real
 * training rows), score on real held-out data.
 *
 * Data streams: the held-out test set, the real training pool and the
 * synthetic set depend only on (seed, family, family parameters, pool sizes),
 * so every grid point of one seed mixes the SAME real rows and the SAME
 * synthetic rows, and is scored on the same test set.
 *
 * Families and metrics (`testLoss`, also stored under the family's own name):
 * - gaussian: truth N(0, I_d); fit = sample mean and ML covariance; metric =
 *   mean negative log-likelihood of the test points (`testNll`; +Infinity if
 *   the fitted covariance is singular).
 * - kde: a toy data set (moons by default), Gaussian-kernel KDE with bandwidth
 *   h; metric = test NLL (`testNll`).
 * - linear_regression: rows (x, y) with x ~ N(0, I_d), y = x^T w* + sigma eps;
 *   fit = minimum-norm least squares; a synthetic row draws a FRESH x ~ N(0, I_d)
 *   and labels it with the fit plus noise (unlike the workflows' fixed design:
 *   the synthetic set here outnumbers the real rows); metric = test MSE on
 *   noiseless labels (`testMse`).
 *
 * @module
 */

import { assertKnownFields, integerField } from "./fields.ts";
import { assertDatasetName, type DatasetName, datasetSampler } from "../models/datasets.ts";
import { fitGaussian, type GaussianModel, sampleGaussian } from "../models/gaussian.ts";
import { assertBandwidth, type Bandwidth, kdeEstimator } from "../models/kde.ts";
import { designGram, leastSquares, type LinearModel, quadraticForm } from "../models/linear_regression.ts";
import { type Matrix, matrix } from "../numerics/matrix.ts";
import { LM_PRESETS, type LmSettings } from "../lm/settings.ts";
import type { OnnxGptTrainer } from "../lm/onnx_train.ts";
import { assertMixCounts, type MixingPoint, runMixing } from "../workflows/mixing.ts";
import { assertPreset, type PresetName } from "./presets.ts";
import { assertSeed, Rng } from "../numerics/rng.ts";
import type { ExperimentModule } from "../run/runner.ts";
import type { RunConfig, RunRow } from "../run/store.ts";
import { arrayOps, type Estimator, matrixOps } from "../models/estimator.ts";

/** The model families of the mixing study. */
export const MIXING_FAMILIES = ["gaussian", "kde", "linear_regression"] as const;

/** One of {@linkcode MIXING_FAMILIES}. */
export type MixingFamily = typeof MIXING_FAMILIES[number];

/** Held-out real test points per run, by family. */
export const MIXING_TEST_POINTS: Record<MixingFamily, number> = { gaussian: 1000, kde: 500, linear_regression: 1000 };

/** The name each family's metric has besides `testLoss`. */
export const MIXING_METRIC: Record<MixingFamily, "testNll" | "testMse"> = {
  gaussian: "testNll",
  kde: "testNll",
  linear_regression: "testMse",
};

/** The family parameters and their defaults (a run may only name its own family's). */
export const MIXING_FAMILY_DEFAULTS = {
  gaussian: { dim: 10 },
  kde: { dataset: "moons", bandwidth: 0.1 },
  linear_regression: { dim: 10, sigmaSquared: 1 },
} as const;

/** One run: one grid point of one family and seed. */
export interface MixingRunConfig {
  [key: string]: string | number;
  family: MixingFamily;
  numReal: number;
  numSynthetic: number;
  /** Real training rows; the first-generation model is fitted on all of them. */
  realPool: number;
  /** Rows of the first-generation synthetic set. */
  syntheticPool: number;
  seed: number;
}

/** The grid a preset covers. */
export interface MixingGrid {
  families: MixingFamily[];
  /** Real counts with synthetic data (numReal = 0 runs are added for the synthetic-only baselines). */
  numReal: number[];
  numSynthetic: number[];
  seeds: number;
}

/**
 * The grid of each preset. "paper" is the original's grid ({128, ..., 12000}
 * real x {0, ..., 40000} synthetic plus synthetic-only); "default" divides
 * every count by 4 (12000 -> 3000, 40000 -> 10000), so that the smallest real
 * sets are truly scarce for d = 10, with 20 seeds (measured: ~1.4 s per seed
 * for all three families on one core, ~7 s at the paper's counts); "paper"
 * runs 10 seeds (the original ran 3 for its language model).
 */
export const MIXING_GRIDS: Record<PresetName, MixingGrid> = {
  smoke: {
    families: [...MIXING_FAMILIES],
    numReal: [16, 64, 256],
    numSynthetic: [0, 64, 256, 1024],
    seeds: 2,
  },
  default: {
    families: [...MIXING_FAMILIES],
    numReal: [32, 64, 128, 256, 1024, 3000],
    numSynthetic: [0, 64, 256, 1024, 3000, 5000, 10000],
    seeds: 20,
  },
  paper: {
    families: [...MIXING_FAMILIES],
    numReal: [128, 256, 512, 1024, 4096, 12000],
    numSynthetic: [0, 256, 1024, 4096, 12000, 20000, 40000],
    seeds: 10,
  },
};

/** The experiment's entry for {@linkcode runGrid}. */
export const MIXING_EXPERIMENT: ExperimentModule = {
  name: "mixing",
  moduleUrl: import.meta.url,
  cost: mixingRunCost,
};

/** Every field a run configuration may have (family parameters only for their family). */
export const MIXING_FIELDS: readonly string[] = [
  "family",
  "numReal",
  "numSynthetic",
  "realPool",
  "syntheticPool",
  "seed",
  "dim",
  "dataset",
  "bandwidth",
  "sigmaSquared",
];

/** Throws unless `value` is a family name, listing the allowed ones. */
export function assertMixingFamily(value: unknown, field = "family"): asserts value is MixingFamily {
  if (!MIXING_FAMILIES.includes(value as MixingFamily)) {
    throw new RangeError(
      `${field} must be one of ${MIXING_FAMILIES.map((f) => `"${f}"`).join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
}

/**
 * Checks every field, naming the first bad one and its allowed values, and
 * fills in the family's parameter defaults ({@linkcode MIXING_FAMILY_DEFAULTS}).
 */
export function validateMixingConfig(config: Record<string, unknown>): MixingRunConfig {
  assertKnownFields(config, MIXING_FIELDS);
  assertMixingFamily(config.family);
  const family = config.family;
  const own = Object.keys(MIXING_FAMILY_DEFAULTS[family]);
  for (const field of ["dim", "dataset", "bandwidth", "sigmaSquared"]) {
    if (field in config && !own.includes(field)) {
      throw new RangeError(
        `field "${field}" does not apply to family "${family}"; its parameters: ${own.join(", ")}`,
      );
    }
  }
  const filled: Record<string, unknown> = { ...MIXING_FAMILY_DEFAULTS[family], ...config };
  const realPool = integerField(filled, "realPool");
  const syntheticPool = integerField(filled, "syntheticPool", { min: 0 });
  const numReal = integerField(filled, "numReal", { min: 0 });
  const numSynthetic = integerField(filled, "numSynthetic", { min: 0 });
  assertMixCounts({ numReal, numSynthetic, realAvailable: realPool, syntheticAvailable: syntheticPool });
  assertSeed(filled.seed);
  const out: MixingRunConfig = { family, numReal, numSynthetic, realPool, syntheticPool, seed: filled.seed };
  if (family === "gaussian" || family === "linear_regression") out.dim = integerField(filled, "dim");
  if (family === "kde") {
    assertDatasetName(filled.dataset);
    assertBandwidth(filled.bandwidth);
    out.dataset = filled.dataset;
    out.bandwidth = filled.bandwidth;
  }
  if (family === "linear_regression") {
    const s = filled.sigmaSquared;
    if (typeof s !== "number" || !(s >= 0) || !Number.isFinite(s)) {
      throw new RangeError(`sigmaSquared must be a finite number >= 0, got ${JSON.stringify(s)}`);
    }
    out.sigmaSquared = s;
  }
  return out;
}

/** The grid points of a preset: numReal x numSynthetic, plus synthetic-only (numReal = 0) for numSynthetic > 0. */
export function mixingPoints(grid: MixingGrid): MixingPoint[] {
  const points: MixingPoint[] = [];
  for (const numSynthetic of grid.numSynthetic) {
    if (numSynthetic > 0) points.push({ numReal: 0, numSynthetic });
    for (const numReal of grid.numReal) points.push({ numReal, numSynthetic });
  }
  return points;
}

/** Every run configuration of a preset's grid (seeds 0..seeds-1), defaults filled in. */
export function mixingConfigs(preset: PresetName): MixingRunConfig[] {
  assertPreset(preset);
  const grid = MIXING_GRIDS[preset];
  const realPool = Math.max(...grid.numReal);
  const syntheticPool = Math.max(...grid.numSynthetic);
  const configs: MixingRunConfig[] = [];
  for (const family of grid.families) {
    for (const point of mixingPoints(grid)) {
      for (let seed = 0; seed < grid.seeds; seed++) {
        configs.push(validateMixingConfig({ family, ...point, realPool, syntheticPool, seed }));
      }
    }
  }
  return configs;
}

/** Rough work of a run: fitting and scoring the mixed set, plus drawing the pools. */
export function mixingRunCost(config: RunConfig): number {
  const c = config as MixingRunConfig;
  const rows = c.numReal + c.numSynthetic;
  const d = typeof c.dim === "number" ? c.dim : 2;
  const perRow = c.family === "kde" ? MIXING_TEST_POINTS.kde * 4 : d * d;
  return rows * perRow + (c.realPool + c.syntheticPool) * d * d + 100;
}

/**
 * Mean negative log-likelihood (nats per point) of the rows of `test` under a
 * fitted Gaussian; +Infinity when the covariance is singular (not positive
 * definite to rounding).
 */
export function gaussianMeanNll(model: GaussianModel, test: Matrix): number {
  const d = model.dim;
  if (test.cols !== d) throw new RangeError(`test must have ${d} columns, got ${test.cols}`);
  // Plain Cholesky L L^T = covariance.
  const l = new Float64Array(d * d);
  let logDet = 0;
  let maxDiagonal = 0;
  for (let i = 0; i < d; i++) maxDiagonal = Math.max(maxDiagonal, model.covariance[i * d + i]);
  for (let j = 0; j < d; j++) {
    let pivot = model.covariance[j * d + j];
    for (let k = 0; k < j; k++) pivot -= l[j * d + k] ** 2;
    if (!(pivot > 1e-12 * maxDiagonal) || !(maxDiagonal > 0)) return Infinity;
    const root = Math.sqrt(pivot);
    l[j * d + j] = root;
    logDet += 2 * Math.log(root);
    for (let i = j + 1; i < d; i++) {
      let v = model.covariance[i * d + j];
      for (let k = 0; k < j; k++) v -= l[i * d + k] * l[j * d + k];
      l[i * d + j] = v / root;
    }
  }
  const z = new Float64Array(d);
  let quadratic = 0;
  for (let r = 0; r < test.rows; r++) {
    // Solve L z = x - mean.
    for (let i = 0; i < d; i++) {
      let v = test.data[r * d + i] - model.mean[i];
      for (let k = 0; k < i; k++) v -= l[i * d + k] * z[k];
      z[i] = v / l[i * d + i];
      quadratic += z[i] * z[i];
    }
  }
  return 0.5 * (d * Math.log(2 * Math.PI) + logDet + quadratic / test.rows);
}

function gaussianMixingEstimator(test: Matrix): Estimator<Matrix, GaussianModel> {
  return {
    ops: matrixOps,
    fit: fitGaussian,
    sample: sampleGaussian,
    evaluate: (model: GaussianModel): Record<string, number> => ({ testNll: gaussianMeanNll(model, test) }),
  };
}

/** Rows [x | x^T w + sigma eps] for `count` fresh inputs x ~ N(0, I_d). */
export function regressionRows(
  count: number,
  options: { weights: Float64Array; sigmaSquared: number; rng: Rng },
): Matrix {
  const { weights, sigmaSquared, rng } = options;
  const d = weights.length;
  const sigma = Math.sqrt(sigmaSquared);
  const out = matrix(count, d + 1);
  for (let r = 0; r < count; r++) {
    let y = 0;
    for (let j = 0; j < d; j++) {
      const v = rng.normal();
      out.data[r * (d + 1) + j] = v;
      y += v * weights[j];
    }
    out.data[r * (d + 1) + d] = y + sigma * rng.normal();
  }
  return out;
}

function regressionMixingEstimator(
  setting: { trueWeights: Float64Array; sigmaSquared: number; testDesign: Matrix },
): Estimator<Matrix, LinearModel> {
  const { trueWeights, sigmaSquared, testDesign } = setting;
  const d = trueWeights.length;
  const testGram = designGram(testDesign);
  for (let i = 0; i < testGram.length; i++) testGram[i] /= testDesign.rows;
  return {
    ops: matrixOps,
    fit: (data: Matrix): LinearModel => ({ weights: leastSquares(data) }),
    sample: (model: LinearModel, count: number, rng: Rng): Matrix =>
      regressionRows(count, { weights: model.weights, sigmaSquared, rng }),
    evaluate: (model: LinearModel): Record<string, number> => {
      const e = new Float64Array(d);
      for (let j = 0; j < d; j++) e[j] = model.weights[j] - trueWeights[j];
      return { testMse: quadraticForm(testGram, e) };
    },
  };
}

/** Runs one grid point: a single row with `testLoss`, the family's metric and `realFraction`. */
export async function run(config: Record<string, unknown>): Promise<RunRow[]> {
  const c = validateMixingConfig(config);
  const point = { numReal: c.numReal, numSynthetic: c.numSynthetic };
  const keys = [c.family, c.dim ?? "", c.dataset ?? "", String(c.bandwidth ?? ""), c.sigmaSquared ?? ""];
  const testRng = new Rng(c.seed, "mixing-test", ...keys);
  const realRng = new Rng(c.seed, "mixing-real", ...keys, c.realPool);
  const options = {
    grid: [point],
    rng: new Rng(c.seed, "mixing-synthetic", ...keys, c.realPool, c.syntheticPool),
    syntheticSize: c.syntheticPool,
  };
  let metrics: Record<string, number>;
  if (c.family === "gaussian") {
    const d = c.dim as number;
    const test = matrix(
      MIXING_TEST_POINTS.gaussian,
      d,
      testRng.fillNormal(new Float64Array(MIXING_TEST_POINTS.gaussian * d)),
    );
    const real = matrix(c.realPool, d, realRng.fillNormal(new Float64Array(c.realPool * d)));
    metrics = (await runMixing(gaussianMixingEstimator(test), real, options))[0].metrics;
  } else if (c.family === "kde") {
    const sample = datasetSampler(c.dataset as DatasetName, testRng);
    const test = sample(MIXING_TEST_POINTS.kde, testRng);
    const real = sample(c.realPool, realRng);
    const estimator = kdeEstimator(test, { bandwidth: c.bandwidth as Bandwidth, kernel: "gaussian" });
    metrics = (await runMixing(estimator, real, options))[0].metrics;
  } else {
    const d = c.dim as number;
    const trueWeights = testRng.fillNormal(new Float64Array(d));
    const n = MIXING_TEST_POINTS.linear_regression;
    const testDesign = matrix(n, d, testRng.fillNormal(new Float64Array(n * d)));
    const sigmaSquared = c.sigmaSquared as number;
    const real = regressionRows(c.realPool, { weights: trueWeights, sigmaSquared, rng: realRng });
    const estimator = regressionMixingEstimator({ trueWeights, sigmaSquared, testDesign });
    metrics = (await runMixing(estimator, real, options))[0].metrics;
  }
  return [{
    ...c,
    realFraction: c.numReal / (c.numReal + c.numSynthetic),
    testLoss: metrics[MIXING_METRIC[c.family]],
    ...metrics,
  }];
}

/** The language-model part: the model's settings (see `LmSettings` in lib/lm) and the grid. */
export interface LmMixingGrid {
  /** Settings of `lib/lm/experiment.ts` (a small model, pre-trained once and cached). */
  settings: Record<string, string | number>;
  /** Real counts with synthetic data; numReal = 0 points are added for the synthetic-only baselines. */
  numReal: number[];
  numSynthetic: number[];
  seeds: number;
}

/**
 * The language model of the smoke preset of `lib/lm` (2 layers, d_model 48,
 * pre-trained on Moby-Dick plus 1000 disjoint WordNet chats so that one short
 * epoch already yields chat-shaped samples), with more real chats: 1024 real
 * training chats and 128 validation chats, one iteration (the mixing study fits
 * its own grid), and the forward-pass sampler. Measured on 2 shared cores
 * (onnxruntime): one fine-tuning epoch ~1 ms per chat, sampling ~6 ms per kept
 * chat; the default preset's two seeds took 67 s, base pre-training included.
 */
const LM_MIXING_SETTINGS: LmSettings = {
  ...LM_PRESETS.smoke,
  trainPairs: 1024,
  validationPairs: 128,
  iterations: 1,
  samplingEngine: "forward",
};

/** The language-model grid of each preset (the original's counts / ~12: 12000 real -> 1024). */
export const LM_MIXING_GRIDS: Record<PresetName, LmMixingGrid> = {
  smoke: {
    settings: { ...LM_MIXING_SETTINGS, trainPairs: 128, validationPairs: 48 },
    numReal: [32, 128],
    numSynthetic: [0, 128],
    seeds: 1,
  },
  default: {
    settings: LM_MIXING_SETTINGS,
    numReal: [32, 128, 256, 1024],
    numSynthetic: [0, 128, 512, 2048],
    seeds: 2,
  },
  paper: {
    settings: LM_MIXING_SETTINGS,
    numReal: [32, 64, 128, 256, 1024],
    numSynthetic: [0, 128, 512, 1024, 2048, 4096],
    seeds: 3,
  },
};

/**
 * Runs the language-model part of a preset, in this process, one seed after
 * another: each seed fine-tunes a fresh copy of the cached base on all real
 * training chats (the first generation), samples the synthetic chats once
 * (temperature 1, kept only if well-formed, as in lib/lm), then fine-tunes a
 * fresh base copy on each grid point's mix and scores it by cross-entropy on
 * the real validation chats (`testLoss` = `evalLoss`). Each seed is stored as
 * one run under `mixing_lm` and reused when present. The language-model code
 * (transformers.js, onnxruntime) is imported only here, so the numeric runs
 * never load it; fine-tuning and scoring run on onnxruntime (`OnnxGptTrainer`).
 */
export async function runLmMixing(preset: PresetName, options: { refresh?: boolean } = {}): Promise<RunRow[]> {
  assertPreset(preset);
  const lm = await import("../lm/experiment.ts");
  const { OnnxGptTrainer: Trainer } = await import("../lm/onnx_train.ts");
  const { writeHfFolder } = await import("../lm/onnx_export.ts");
  const { loadHfFolder, sampleChats } = await import("../lm/sample.ts");
  const { readRun, runPath, writeRun } = await import("../run/store.ts");
  const grid = LM_MIXING_GRIDS[preset];
  const settings = lm.validateLmSettings(grid.settings);
  const points = mixingPoints({ families: [], ...grid });
  const realPool = Math.max(...grid.numReal);
  const syntheticPool = Math.max(...grid.numSynthetic);
  const data = lm.lmData(settings);
  if (data.train.length < realPool) {
    throw new RangeError(`only ${data.train.length} real chats for realPool ${realPool}`);
  }
  const rows: RunRow[] = [];
  let base: Awaited<ReturnType<typeof lm.prepareBase>> | undefined;
  for (let seed = 0; seed < grid.seeds; seed++) {
    const config = {
      family: "language_model",
      ...settings,
      fineTune: JSON.stringify(lm.FINE_TUNE_DEFAULTS),
      grid: JSON.stringify(points),
      realPool,
      syntheticPool,
      seed,
      trainer: lm.LM_TRAINER,
    };
    const path = runPath("mixing_lm", config);
    const stored = options.refresh ? undefined : readRun(path);
    if (stored) {
      rows.push(...stored);
      continue;
    }
    base ??= await lm.prepareBase(settings, data);
    const b = base;
    const validation = lm.toSequences(b.tokenizer, data.validation, { contextLength: settings.contextLength });
    const workDir = `${b.dir}/mixing-${seed}-${Deno.pid}`;
    let fits = 0;
    const started = performance.now();
    const estimator: Estimator<string[], OnnxGptTrainer> = {
      ops: arrayOps<string>(),
      fit: async (texts: string[]): Promise<OnnxGptTrainer> => {
        const model = new Trainer(b.config, b.weights);
        const sequences = lm.toSequences(b.tokenizer, texts, { contextLength: settings.contextLength });
        await model.trainEpoch(sequences, new Rng(seed, "mixing-lm-fit", fits++), {
          ...lm.FINE_TUNE_DEFAULTS,
          learningRate: settings.fineTuneLearningRate,
        });
        return model;
      },
      evaluate: async (model: OnnxGptTrainer): Promise<Record<string, number>> => ({
        evalLoss: await model.evaluate(validation),
      }),
      sample: async (model: OnnxGptTrainer, count: number, rng: Rng): Promise<string[]> => {
        const folder = `${workDir}/model`;
        writeHfFolder(folder, { config: b.config, weights: model.weights() }, {
          tokenizerDir: b.tokenizerDir,
        });
        const loaded = await loadHfFolder(folder);
        const { texts } = await sampleChats(loaded, count, {
          seed: rng.nextUint32(),
          maxNewTokens: settings.contextLength - 1,
          engine: settings.samplingEngine,
        });
        await loaded.model.dispose();
        console.log(`language model seed ${seed}: ${texts.length} synthetic chats drawn`);
        return texts;
      },
      dispose: (model: OnnxGptTrainer): void => model.dispose(),
    };
    const seedRows: RunRow[] = [];
    await runMixing(estimator, data.train.slice(0, realPool), {
      grid: points,
      // The one synthetic draw takes its sampling seed from this stream.
      rng: new Rng(seed, "mixing-lm-sample"),
      syntheticSize: syntheticPool,
      onPoint: (r) => {
        seedRows.push({
          ...config,
          numReal: r.numReal,
          numSynthetic: r.numSynthetic,
          realFraction: r.realFraction,
          testLoss: r.metrics.evalLoss,
          ...r.metrics,
        });
        console.log(
          `language model seed ${seed}: ${r.numReal} real + ${r.numSynthetic} synthetic -> eval loss ${
            r.metrics.evalLoss.toFixed(4)
          } (${((performance.now() - started) / 1000).toFixed(0)} s)`,
        );
      },
    });
    try {
      Deno.removeSync(workDir, { recursive: true });
    } catch { /* nothing to clean */ }
    writeRun(path, seedRows);
    rows.push(...seedRows);
  }
  return rows;
}
