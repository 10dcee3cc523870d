import assert from "node:assert/strict";
import { leastSquares, MinimumNormSolver } from "../numerics/least_squares.ts";
import {
  designGram,
  labelDesign,
  labelSetOps,
  labelSetRows,
  LinearRegressionAccumulator,
  linearRegressionEstimator,
  sampleRows,
} from "./linear_regression.ts";
import { type Matrix, matrix, stackRows } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { assertClose } from "../numerics/_test_utils.ts";
import { randomSetting } from "./_test_utils.ts";

for (const [n, d] of [[20, 4], [4, 9]]) {
  Deno.test(`the accumulator equals a refit of the stacked pool (n = ${n}, d = ${d})`, async () => {
    const rng = new Rng(12, n, d);
    const setting = randomSetting(rng, n, d, 0.5);
    const estimator = linearRegressionEstimator(setting);
    const accumulator = estimator.accumulator!();
    const parts: Matrix[] = [];
    let w = setting.trueWeights;
    for (let t = 1; t <= 5; t++) {
      const labelled = labelDesign(setting, { weights: w, rng });
      parts.push(labelSetRows(labelled));
      accumulator.add(labelled);
      w = accumulator.fit().weights;
      assertClose(w, leastSquares(stackRows(parts)), 1e-9);
      // The design shortcut of fit() agrees with the generic solver too.
      assertClose((await estimator.fit(labelled)).weights, leastSquares(labelSetRows(labelled)), 1e-9);
    }
    // A set on drawn rows (repeats, some rows missing) is handled exactly as well.
    const drawn = { design: setting.design, labels: rng.fillNormal(new Float64Array(3)), rows: Int32Array.of(0, 2, 2) };
    accumulator.add(drawn);
    parts.push(labelSetRows(drawn));
    assertClose(accumulator.fit().weights, leastSquares(stackRows(parts)), 1e-9);
  });

  Deno.test(`the label pool draws labelled design rows, and fits on them weight repeats (n = ${n}, d = ${d})`, async () => {
    const rng = new Rng(13, n, d);
    const setting = randomSetting(rng, n, d, 1);
    const estimator = linearRegressionEstimator(setting);
    const pool = estimator.ops.pool();
    const sets = [0, 1, 2].map(() => labelDesign(setting, { weights: setting.trueWeights, rng }));
    for (const set of sets) pool.append(set);
    assert.equal(pool.size, 3 * n);
    const indices = rng.sampleWithoutReplacement(pool.size, n);
    const selection = pool.select(indices);
    // Pool index i is row i mod n of set floor(i / n).
    const expected = Array.from(
      indices,
      (i) => [...setting.design.data.subarray((i % n) * d, (i % n + 1) * d), sets[Math.floor(i / n)].labels[i % n]],
    );
    assert.deepEqual(Array.from(labelSetRows(selection).data), expected.flat());
    // The weighted-Gram fit equals least squares on the materialised rows (pseudo-inverse when n <= d).
    assertClose((await estimator.fit(selection)).weights, leastSquares(labelSetRows(selection)), 1e-9);
    assert.throws(() => pool.select(Int32Array.of(3 * n)), /outside the pool/);
    const other = randomSetting(rng, n, d, 1);
    assert.throws(() => pool.append(labelDesign(other, { weights: other.trueWeights, rng })), /one design/);
  });
}

Deno.test("an empty accumulator refuses to fit", () => {
  const design = matrix(2, 1, Float64Array.from([1, 2]));
  const accumulator = new LinearRegressionAccumulator(design, () => new MinimumNormSolver(designGram(design), 1));
  assert.throws(() => accumulator.fit(), /no data yet/);
});

Deno.test("the estimator rejects a negative noise variance", () => {
  const setting = randomSetting(new Rng(1), 5, 2, 1);
  assert.throws(() => linearRegressionEstimator({ ...setting, sigmaSquared: -0.5 }), /sigmaSquared/);
});

Deno.test("a sample of other than n labels: the last rows when fewer, the design cycled when more", async () => {
  assert.equal(sampleRows(5, 5), undefined);
  assert.deepEqual([...sampleRows(5, 3)!], [2, 3, 4]);
  assert.deepEqual([...sampleRows(5, 12)!], [3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
  assert.deepEqual([...sampleRows(5, 0)!], []);
  const setting = randomSetting(new Rng(2), 5, 2, 0);
  const estimator = linearRegressionEstimator(setting);
  const weights = Float64Array.of(1.5, -2);
  const sample = await estimator.sample({ weights }, 3, new Rng(0));
  assert.deepEqual([...sample.rows!], [2, 3, 4]);
  const x = setting.design.data;
  assert.deepEqual([...sample.labels], [2, 3, 4].map((r) => x[2 * r] * 1.5 - 2 * x[2 * r + 1]), "noiseless labels");
  // A pool labelling each design row once, in order, is a plain label set; any other selection keeps its rows.
  const pool = labelSetOps.pool();
  pool.append(labelDesign(setting, { weights, rng: new Rng(1), rows: Int32Array.of(0, 1) }));
  pool.append(sample);
  const all = pool.all();
  assert.equal(all.rows, undefined);
  assertClose(all.labels, labelDesign(setting, { weights, rng: new Rng(1) }).labels, 1e-15);
  assert.deepEqual([...pool.select(Int32Array.of(4, 0)).rows!], [4, 0]);
  assert.throws(() => labelDesign(setting, { weights, rng: new Rng(1), rows: Int32Array.of(5) }), /outside/);
});
