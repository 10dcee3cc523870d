import assert from "node:assert/strict";
import { fitKde, kdeMeanNll } from "./kde.ts";
import { KdeAccumulator, KdeBinnedAccumulator, kdeEstimator } from "./kde_estimator.ts";
import { type Matrix, stackRows } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { runWorkflow } from "../workflows/mod.ts";
import { randomMatrix } from "../numerics/_test_utils.ts";

Deno.test("the accumulator's NLL equals the batch NLL of the concatenated pool", () => {
  const rng = new Rng(13);
  const test = randomMatrix(60, 2, rng, 2);
  // The last batch lies ~200 away: at h = 20 the first batches take the moments' route (kernel_moments.ts), it
  // the exact sums.
  const batches = [5, 700, 1, 1500, 33].map((rows) => randomMatrix(rows, 2, rng));
  batches.push(randomMatrix(40, 2, rng, 200));
  for (const h of [0.1, 1, 20]) {
    const accumulator = new KdeAccumulator(test, { bandwidth: h });
    const seen: Matrix[] = [];
    for (const batch of batches) {
      accumulator.add(batch);
      seen.push(batch);
      const incremental = accumulator.fit();
      const batchModel = fitKde(stackRows(seen), { bandwidth: h });
      assert.equal(accumulator.count, batchModel.points.rows);
      const a = kdeMeanNll(incremental, test);
      const b = kdeMeanNll(batchModel, test);
      assert(Math.abs(a - b) < 1e-10, `h=${h}: ${a} vs ${b}`);
      assert.deepEqual(incremental.points.data, batchModel.points.data);
    }
    // A fit's log-densities are read from the carried sums when first scored: only while they are the fit's.
    const unscored = accumulator.fit();
    accumulator.add(randomMatrix(3, 2, rng));
    assert.throws(() => kdeMeanNll(unscored, test), /fit is scored before the next batch is added/);
  }
});

Deno.test("the accumulator sums the points added since the last scored fit at the next one, whatever their number", () => {
  const rng = new Rng(21);
  const test = randomMatrix(50, 2, rng, 2);
  for (const h of [0.05, 1]) {
    const accumulator = new KdeAccumulator(test, { bandwidth: h });
    const seen: Matrix[] = [];
    // Scored after 1, 4 and 9 batches of 450: 450, then 1350 and 2250 points (past SPATIAL_MIN) at once.
    for (let batch = 1; batch <= 9; batch++) {
      const points = randomMatrix(450, 2, rng);
      accumulator.add(points);
      seen.push(points);
      const fit = accumulator.fit();
      if (![1, 4, 9].includes(batch)) continue;
      const [a, b] = [kdeMeanNll(fit, test), kdeMeanNll(fitKde(stackRows(seen), { bandwidth: h }), test)];
      assert(Math.abs(a - b) < 1e-10, `h=${h} after ${batch} batches: ${a} vs ${b}`);
    }
  }
});

Deno.test("Accumulate through the accumulator and through refits gives the same run", async () => {
  const rng = new Rng(14);
  const test = randomMatrix(50, 2, rng);
  const real = randomMatrix(20, 2, rng);
  const withAccumulator = kdeEstimator(test, { bandwidth: 0.4 });
  const { accumulator: _, ...plain } = withAccumulator;
  const options = { workflow: "Accumulate" as const, iterations: 15 };
  const a = await runWorkflow(withAccumulator, real, { ...options, rng: new Rng(1, "w") });
  const b = await runWorkflow(plain, real, { ...options, rng: new Rng(1, "w") });
  a.forEach((r, i) => {
    assert.equal(r.trainingSize, b[i].trainingSize);
    assert(Math.abs(r.metrics.testNll - b[i].metrics.testNll) < 1e-10);
  });
});

Deno.test("Accumulate under a rule: the binned route's test NLL is the exact refits' to 1e-12, the run otherwise the same", async () => {
  const iterations = 30, options = { workflow: "Accumulate" as const, iterations };
  // (In 2-D Silverman's rule is Scott's.)
  for (const [rule, dim] of [["scott", 2], ["silverman", 3]] as const) {
    const rng = new Rng(15, dim);
    const test = stackRows([randomMatrix(120, dim, rng), randomMatrix(5, dim, rng, 8)]);
    const real = randomMatrix(200, dim, rng);
    const exact = kdeEstimator(test, { bandwidth: rule });
    assert.equal(exact.accumulator, undefined);
    const binned = kdeEstimator(test, { bandwidth: rule, binned: { firstCount: 200, lastCount: 200 * iterations } });
    const a = await runWorkflow(binned, real, { ...options, rng: new Rng(2, "w") });
    const b = await runWorkflow(exact, real, { ...options, rng: new Rng(2, "w") });
    assert.equal(a.length, iterations);
    let worst = 0, differing = 0;
    a.forEach((r, i) => {
      assert.equal(r.trainingSize, b[i].trainingSize);
      assert.equal(r.metrics.fittedBandwidth, b[i].metrics.fittedBandwidth);
      const got = r.metrics.testNll, want = b[i].metrics.testNll;
      if (got !== want) differing++;
      worst = Math.max(worst, Math.abs(got - want) / Math.abs(want));
    });
    assert(worst <= 1e-12, `${rule}: worst relative NLL difference ${worst}`);
    // The later fits go through the histogram (not the exact sums of a small pool): their bits differ.
    assert(differing >= iterations / 2, `${rule}: only ${differing} fits differ from the exact route's bits`);
  }
});

Deno.test("the binned accumulator fails clearly outside the pool sizes it was set up for", () => {
  const rng = new Rng(16);
  const test = randomMatrix(20, 2, rng);
  const accumulator = new KdeBinnedAccumulator(test, { rule: "scott", firstCount: 10, lastCount: 30 });
  assert.throws(() => accumulator.fit(), /no data yet/);
  accumulator.add(randomMatrix(5, 2, rng));
  assert.throws(() => accumulator.fit(), /pool of 5 points is smaller than the route was set up for/);
  accumulator.add(randomMatrix(15, 2, rng));
  const fitBefore = accumulator.fit();
  accumulator.add(randomMatrix(10, 2, rng));
  // A fit's log-densities are computed when first scored: only while its pool is the accumulator's.
  assert.throws(() => kdeMeanNll(fitBefore, test), /fit is scored before the next batch is added/);
  assert.equal(accumulator.fit().points.rows, 30);
  assert.throws(
    () => accumulator.add(randomMatrix(1, 2, rng)),
    /pool of 31 points is larger than the route was set up/,
  );
  assert.equal(accumulator.count, 30);
  assert.throws(
    () => new KdeBinnedAccumulator(test, { rule: 0.5 as never, firstCount: 1, lastCount: 2 }),
    /takes a rule/,
  );
  assert.throws(() => new KdeBinnedAccumulator(test, { rule: "scott", firstCount: 5, lastCount: 4 }), /firstCount/);
  assert.throws(
    () => kdeEstimator(test, { bandwidth: "scott", kernel: "tophat", binned: { firstCount: 1, lastCount: 2 } }),
    /gaussian kernel only/,
  );
});
