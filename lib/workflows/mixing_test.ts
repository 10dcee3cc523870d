import assert from "node:assert/strict";
import { type Matrix, matrix } from "../numerics/matrix.ts";
import { mixTrainingSet, runMixing } from "./mixing.ts";
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
  return Array.from({ length: x.rows }, (_, r) => Array.from(x.data.subarray(x.cols * r, x.cols * (r + 1))));
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

// A model that encodes the data it was fitted on: rows [source, index, draw] (source 0 = real, 1 = synthetic) are
// summed into a fingerprint; each sampled row carries the fingerprint of the model that drew it and a fresh word
// of the run's stream, so a row drawn twice, or by another model, is told apart.
interface Fingerprint {
  rows: number;
  realRows: number;
  checksum: number;
}
const fingerprintOf = (x: Matrix): Fingerprint => {
  let realRows = 0, checksum = 0;
  for (let r = 0; r < x.rows; r++) {
    if (x.data[3 * r] === 0) realRows++;
    checksum += (r + 1) * (x.data[3 * r] * 1e6 + x.data[3 * r + 1] + x.data[3 * r + 2]);
  }
  return { rows: x.rows, realRows, checksum };
};
function fingerprintEstimator(fitted: Matrix[]): Estimator<Matrix, Fingerprint> {
  return {
    ops: matrixOps,
    fit: (data: Matrix): Fingerprint => {
      fitted.push(data);
      return fingerprintOf(data);
    },
    sample: (model: Fingerprint, count: number, rng: Rng): Matrix => {
      const out = matrix(count, 3);
      for (let i = 0; i < count; i++) out.data.set([1, model.checksum, rng.nextUint32()], 3 * i);
      return out;
    },
    evaluate: (model: Fingerprint): Record<string, number> => ({ rows: model.rows, realRows: model.realRows }),
  };
}

Deno.test("the synthetic rows: drawn once by the model of ALL the real rows, each grid point a prefix of them", async () => {
  const realRows = matrix(10, 3, Float64Array.from({ length: 30 }, (_, i) => (i % 3 === 1 ? Math.floor(i / 3) : 0)));
  const allReal = fingerprintOf(realRows);
  const grid = [{ numReal: 0, numSynthetic: 2 }, { numReal: 3, numSynthetic: 7 }, { numReal: 10, numSynthetic: 5 }];
  const fitted: Matrix[] = [];
  const records = await runMixing(fingerprintEstimator(fitted), realRows, { grid, rng: new Rng(1), syntheticSize: 8 });
  assert.deepEqual(fitted[0].data, realRows.data, "the first generation is fitted on all the real rows");
  // The synthetic set as drawn: 8 rows carrying the first generation's checksum and consecutive stream words.
  const words = new Rng(1);
  const expected = Array.from({ length: 8 }, () => [1, allReal.checksum, words.nextUint32()]);
  grid.forEach((point, k) => {
    const rows = rowsOf(fitted[k + 1]);
    assert.deepEqual(rows.slice(0, point.numReal), rowsOf(realRows).slice(0, point.numReal), `point ${k}: real`);
    assert.deepEqual(rows.slice(point.numReal), expected.slice(0, point.numSynthetic), `point ${k}: synthetic`);
  });
  assert.deepEqual(records.map((r) => r.metrics), [{ rows: 2, realRows: 0 }, { rows: 10, realRows: 3 }, {
    rows: 15,
    realRows: 10,
  }]);
  // Grid points run apart (one per stored run, as the mixing experiment does) with the same syntheticSize and
  // stream see the same synthetic rows: a point's rows do not depend on the other points.
  for (const point of grid) {
    const alone: Matrix[] = [];
    await runMixing(fingerprintEstimator(alone), realRows, { grid: [point], rng: new Rng(1), syntheticSize: 8 });
    assert.deepEqual(alone[1].data, fitted[grid.indexOf(point) + 1].data);
  }
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
