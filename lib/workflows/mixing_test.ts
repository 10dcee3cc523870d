import assert from "node:assert/strict";
import { type Matrix, matrix } from "../numerics/matrix.ts";
import { mixTrainingSet, runMixing } from "./mixing.ts";
import {
  gaussianMeanNll,
  LM_MIXING_GRIDS,
  MIXING_FAMILIES,
  mixingConfigs,
  run,
  validateMixingConfig,
} from "../experiments/mixing.ts";
import { Rng } from "../numerics/rng.ts";
import { arrayOps, type Estimator, matrixOps } from "../models/estimator.ts";

/** Rows [source, index]: source 0 = real, 1 = synthetic. */
function tagged(source: number, count: number): Matrix {
  const data = new Float64Array(2 * count);
  for (let i = 0; i < count; i++) {
    data[2 * i] = source;
    data[2 * i + 1] = i;
  }
  return matrix(count, 2, data);
}

function rowsOf(x: Matrix): number[][] {
  return Array.from({ length: x.rows }, (_, r) => Array.from(x.data.subarray(2 * r, 2 * r + 2)));
}

function throwsWith(fn: () => unknown, type: typeof RangeError, text: string): void {
  assert.throws(fn, (e: unknown) => e instanceof type && e.message.includes(text));
}

function rejectsWith(fn: () => Promise<unknown>, type: typeof RangeError, text: string): Promise<void> {
  return assert.rejects(fn, (e: unknown) => e instanceof type && e.message.includes(text));
}

const real = tagged(0, 10);
const synthetic = tagged(1, 20);

Deno.test("mixTrainingSet: the first numReal real rows, then the first numSynthetic synthetic rows", () => {
  const mixed = mixTrainingSet(matrixOps, { real, synthetic }, { numReal: 3, numSynthetic: 4 });
  assert.deepEqual(rowsOf(mixed), [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [1, 3]]);
});

Deno.test("mixTrainingSet: edge cases numReal = 0, numSynthetic = 0, everything", () => {
  assert.deepEqual(rowsOf(mixTrainingSet(matrixOps, { real, synthetic }, { numReal: 0, numSynthetic: 2 })), [
    [1, 0],
    [1, 1],
  ]);
  assert.deepEqual(rowsOf(mixTrainingSet(matrixOps, { real, synthetic }, { numReal: 2, numSynthetic: 0 })), [
    [0, 0],
    [0, 1],
  ]);
  const all = mixTrainingSet(matrixOps, { real, synthetic }, { numReal: 10, numSynthetic: 20 });
  assert.deepEqual(all.rows, 30);
  assert.deepEqual(rowsOf(all).filter((r) => r[0] === 0).length, 10);
});

Deno.test("mixTrainingSet: bad counts fail naming the field and the allowed range", () => {
  const data = { real, synthetic };
  throwsWith(() => mixTrainingSet(matrixOps, data, { numReal: 0, numSynthetic: 0 }), RangeError, "nothing to fit");
  throwsWith(
    () => mixTrainingSet(matrixOps, data, { numReal: -1, numSynthetic: 2 }),
    RangeError,
    "numReal must be an integer in [0, 10]",
  );
  throwsWith(
    () => mixTrainingSet(matrixOps, data, { numReal: 1.5, numSynthetic: 2 }),
    RangeError,
    "numReal must be an integer in [0, 10]",
  );
  throwsWith(
    () => mixTrainingSet(matrixOps, data, { numReal: 11, numSynthetic: 2 }),
    RangeError,
    "numReal must be an integer in [0, 10]",
  );
  throwsWith(
    () => mixTrainingSet(matrixOps, data, { numReal: 1, numSynthetic: 21 }),
    RangeError,
    "numSynthetic must be an integer in [0, 20]",
  );
  throwsWith(
    () => mixTrainingSet(matrixOps, data, { numReal: 1, numSynthetic: NaN }),
    RangeError,
    "numSynthetic must be an integer in [0, 20]",
  );
});

Deno.test("runMixing: first generation fitted on all real data, synthetic drawn once, each point fitted", async () => {
  const fits: number[][][] = [];
  const draws: number[] = [];
  // fit = the rows themselves; sample = synthetic rows tagged 1; evaluate = counts of each source.
  const estimator: Estimator<Matrix, Matrix> = {
    ops: matrixOps,
    fit: (data: Matrix): Matrix => {
      fits.push(rowsOf(data));
      return data;
    },
    sample: (_model: Matrix, count: number): Matrix => {
      draws.push(count);
      return tagged(1, count);
    },
    evaluate: (model: Matrix): Record<string, number> => {
      const rows = rowsOf(model);
      return { real: rows.filter((r) => r[0] === 0).length, synthetic: rows.filter((r) => r[0] === 1).length };
    },
  };
  const grid = [{ numReal: 2, numSynthetic: 0 }, { numReal: 0, numSynthetic: 5 }, { numReal: 10, numSynthetic: 3 }];
  const records = await runMixing(estimator, real, { grid, rng: new Rng(0) });
  assert.deepEqual(fits[0], rowsOf(real));
  assert.deepEqual(draws, [5]);
  assert.deepEqual(records.map((r) => [r.numReal, r.numSynthetic, r.realFraction]), [[2, 0, 1], [0, 5, 0], [
    10,
    3,
    10 / 13,
  ]]);
  assert.deepEqual(records.map((r) => r.metrics), [{ real: 2, synthetic: 0 }, { real: 0, synthetic: 5 }, {
    real: 10,
    synthetic: 3,
  }]);
  // Checked before any fit.
  fits.length = 0;
  await rejectsWith(
    () =>
      runMixing(estimator, real, {
        grid: [{ numReal: 1, numSynthetic: 1 }, { numReal: 11, numSynthetic: 1 }],
        rng: new Rng(0),
      }),
    RangeError,
    "numReal must be an integer in [0, 10]",
  );
  assert.deepEqual(fits.length, 0);
  await rejectsWith(
    () => runMixing(estimator, real, { grid: [{ numReal: 1, numSynthetic: 6 }], rng: new Rng(0), syntheticSize: 5 }),
    RangeError,
    "numSynthetic must be an integer in [0, 5]",
  );
});

Deno.test("gaussianMeanNll: the closed form, and +Infinity for a singular fit", () => {
  const test = matrix(2, 2, new Float64Array([1, 0, 0, 2]));
  const model = { dim: 2, mean: new Float64Array([0, 0]), covariance: new Float64Array([1, 0, 0, 4]) };
  // Per point: 0.5 (2 log 2 pi + log 4 + x^T S^-1 x); quadratic forms 1 and 1.
  const expected = 0.5 * (2 * Math.log(2 * Math.PI) + Math.log(4) + 1);
  assert(Math.abs(gaussianMeanNll(model, test) - expected) < 1e-12);
  const singular = { dim: 2, mean: new Float64Array([0, 0]), covariance: new Float64Array([1, 1, 1, 1]) };
  assert.equal(gaussianMeanNll(singular, test), Infinity);
});

Deno.test("mixing experiment: validation names the field and the allowed values", () => {
  const base = { family: "gaussian", numReal: 4, numSynthetic: 4, realPool: 8, syntheticPool: 8, seed: 0 };
  assert.deepEqual(validateMixingConfig(base), { ...base, dim: 10 });
  throwsWith(() => validateMixingConfig({ ...base, family: "gmm" }), RangeError, 'family must be one of "gaussian"');
  throwsWith(() => validateMixingConfig({ ...base, numReal: 9 }), RangeError, "numReal must be an integer in [0, 8]");
  throwsWith(() => validateMixingConfig({ ...base, numReal: -1 }), RangeError, "numReal must be an integer >= 0");
  throwsWith(() => validateMixingConfig({ ...base, numReal: 0, numSynthetic: 0 }), RangeError, "nothing to fit");
  throwsWith(
    () => validateMixingConfig({ ...base, bandwidth: 0.1 }),
    RangeError,
    'does not apply to family "gaussian"',
  );
  throwsWith(() => validateMixingConfig({ ...base, colour: 1 }), RangeError, 'unknown field "colour"');
  const kde = validateMixingConfig({ ...base, family: "kde" });
  assert.equal(kde.dataset, "moons");
  assert.equal(kde.bandwidth, 0.1);
});

Deno.test("mixing experiment: every grid point of a seed shares real, synthetic and test data", async () => {
  for (const family of MIXING_FAMILIES) {
    const configs = mixingConfigs("smoke").filter((c) => c.family === family && c.seed === 0);
    // No (0, 0) point; synthetic-only points present.
    assert(configs.every((c) => c.numReal + c.numSynthetic > 0));
    assert(configs.some((c) => c.numReal === 0));
    const [a] = await run(configs[0]);
    const [b] = await run(configs[0]);
    assert.deepEqual(a, b, `${family}: deterministic`);
    assert(Number.isFinite(a.testLoss as number), `${family}: finite loss`);
    assert.equal(a.testLoss, a[family === "linear_regression" ? "testMse" : "testNll"]);
  }
  // Shared data: a point's loss does not depend on the other points of the grid, and the full-real point at
  // numSynthetic = 0 equals the first-generation model's loss.
  const c = { family: "gaussian", numReal: 64, numSynthetic: 0, realPool: 64, syntheticPool: 100, seed: 3 };
  const [full] = await run(c);
  const [again] = await run({ ...c, syntheticPool: 200 });
  assert.equal(full.testLoss, again.testLoss);
});

Deno.test("mixing experiment: real-only losses match the known expectations", async () => {
  // Linear regression with Gaussian design: E[test MSE] = sigma^2 d / (n - d - 1).
  // Gaussian: test NLL of the fit -> d/2 (log 2 pi + 1) as n grows.
  const seeds = 40;
  let mse = 0, nll = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const point = { numReal: 64, numSynthetic: 0, realPool: 1000, syntheticPool: 0, seed };
    mse += (await run({ family: "linear_regression", ...point }))[0].testMse as number;
    nll += (await run({ family: "gaussian", ...point, numReal: 1000 }))[0].testNll as number;
  }
  const expectedMse = 10 / (64 - 10 - 1);
  assert(Math.abs(mse / seeds / expectedMse - 1) < 0.25, `MSE ${mse / seeds} vs ${expectedMse}`);
  assert(Math.abs(nll / seeds - 5 * (Math.log(2 * Math.PI) + 1)) < 0.1, `NLL ${nll / seeds}`);
});

Deno.test("runMixing with arrayOps and an asynchronous estimator: the same mixing for string data", async () => {
  const realChats = ["r0", "r1", "r2", "r3"];
  const fits: string[][] = [];
  const records = await runMixing(
    {
      ops: arrayOps<string>(),
      fit: (data: string[]): Promise<string[]> => {
        fits.push(data);
        return Promise.resolve(data);
      },
      sample: (_model: string[], count: number): Promise<string[]> =>
        Promise.resolve(Array.from({ length: count }, (_, i) => `s${i}`)),
      evaluate: (model: string[]): Promise<Record<string, number>> => Promise.resolve({ size: model.length }),
    },
    realChats,
    { grid: [{ numReal: 2, numSynthetic: 3 }, { numReal: 0, numSynthetic: 1 }], rng: new Rng(0) },
  );
  assert.deepEqual(fits, [realChats, ["r0", "r1", "s0", "s1", "s2"], ["s0"]]);
  assert.deepEqual(records.map((r) => r.metrics.size), [5, 1]);
  throwsWith(
    () => mixTrainingSet(arrayOps<string>(), { real: realChats, synthetic: [] }, { numReal: 5, numSynthetic: 0 }),
    RangeError,
    "numReal must be an integer in [0, 4]",
  );
});

Deno.test("the language model's mixing settings: lib/lm's smoke preset with more chats, values unchanged", () => {
  // The values (and field order) the stored mixing_lm runs and notebook 06 were made with; derived from
  // LM_PRESETS.smoke since lib/lm trains on onnxruntime. A change to that preset must not move them silently.
  const expected = {
    vocabSize: 512,
    contextLength: 64,
    dModel: 48,
    nLayers: 2,
    nHeads: 4,
    pretrainChars: 20_000,
    pretrainEpochs: 1,
    pretrainChats: 1000,
    trainPairs: 1024,
    validationPairs: 128,
    maxGlossChars: 50,
    iterations: 1,
    seeds: 1,
    fineTuneLearningRate: 5e-3,
    samplingEngine: "forward",
    dataSeed: 0,
  };
  assert.equal(JSON.stringify(LM_MIXING_GRIDS.default.settings), JSON.stringify(expected));
  assert.equal(JSON.stringify(LM_MIXING_GRIDS.paper.settings), JSON.stringify(expected));
  assert.equal(
    JSON.stringify(LM_MIXING_GRIDS.smoke.settings),
    JSON.stringify({ ...expected, trainPairs: 128, validationPairs: 48 }),
  );
});
