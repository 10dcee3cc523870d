import assert from "node:assert/strict";
import {
  addKernelSums,
  addKernelSumsTypeScript,
  emptyKernelSums,
  logDensityFromSums,
  logUnitBallVolume,
} from "./kernel_sums.ts";
import { type Matrix, matrix } from "./matrix.ts";
import { nativeKernels } from "./native/mod.ts";
import { Rng } from "./rng.ts";
import { spatialOrder } from "./spatial_order.ts";
import { directLogDensity, randomMatrix } from "./_test_utils.ts";

const rowsOf = (x: Matrix): number[][] =>
  Array.from({ length: x.rows }, (_, r) => [...x.data.subarray(r * x.cols, (r + 1) * x.cols)]);

Deno.test("blocked kernel sums over more points than one block equal the direct formula (both routes)", () => {
  const rng = new Rng(11);
  const train = randomMatrix(2500, 2, rng);
  const test = randomMatrix(40, 2, rng, 3);
  for (const add of [addKernelSums, addKernelSumsTypeScript]) {
    for (const h of [0.05, 0.5]) {
      const state = emptyKernelSums(test.rows);
      add(state, test, { points: train, bandwidth: h, kernel: "gaussian" });
      const got = logDensityFromSums(state, { count: train.rows, dim: 2, bandwidth: h, kernel: "gaussian" });
      rowsOf(test).forEach((x, i) => {
        const direct = directLogDensity(rowsOf(train), x, h);
        // Far test points underflow the direct sum to log(0), and near-underflow (subnormal) terms lose digits in
        // the direct formula itself: compare where it is finite, to a relative 1e-10.
        if (Number.isFinite(direct)) {
          assert(
            Math.abs(got[i] - direct) < 1e-10 * Math.max(1, Math.abs(direct)),
            `h=${h} i=${i}: ${got[i]} vs ${direct}`,
          );
        }
        assert(Number.isFinite(got[i]), "the running maximum keeps every log-sum finite");
      });
    }
  }
});

Deno.test("each kernel term is exp(-q / (2 h^2)) over the kept range (-50, 0]: to 1e-15 in C, 1e-14 in TypeScript", () => {
  // One training point at 0 and test points x_i in 1-D, from a state whose maximum is preset to 0: every sum is the
  // single term exp(-x_i^2 / 2), so each compares one exponential of either route with Math.exp (within 1 ulp).
  const count = 20_000;
  const x = Float64Array.from({ length: count }, (_, i) => Math.sqrt((100 * (i + 0.5)) / count) * (1 - 1e-12));
  const test = matrix(count, 1, x);
  for (
    const [add, bound] of [[addKernelSums, nativeKernels() ? 1e-15 : 1e-14], [addKernelSumsTypeScript, 1e-14]] as const
  ) {
    const state = { max: new Float64Array(count), sum: new Float64Array(count) };
    add(state, test, { points: matrix(1, 1, new Float64Array([0])), bandwidth: 1, kernel: "gaussian" });
    let worst = 0;
    for (let i = 0; i < count; i++) {
      const exact = Math.exp(-0.5 * (x[i] * x[i]));
      worst = Math.max(worst, Math.abs(state.sum[i] / exact - 1));
    }
    assert(worst < bound, `${add.name}: worst relative error ${worst}`);
  }
});

Deno.test("sums grow batch by batch to the sums of the whole set", () => {
  const rng = new Rng(3);
  const [a, b] = [randomMatrix(700, 3, rng), randomMatrix(900, 3, rng)];
  const test = randomMatrix(25, 3, rng);
  const whole = matrix(1600, 3, Float64Array.from([...a.data, ...b.data]));
  const options = { bandwidth: 0.7, kernel: "gaussian" as const };
  const stepwise = emptyKernelSums(test.rows), once = emptyKernelSums(test.rows);
  addKernelSumsTypeScript(stepwise, test, { ...options, points: a });
  addKernelSumsTypeScript(stepwise, test, { ...options, points: b });
  addKernelSumsTypeScript(once, test, { ...options, points: whole });
  const density = (s: typeof once) => logDensityFromSums(s, { count: 1600, dim: 3, ...options });
  const [x, y] = [density(stepwise), density(once)];
  for (let i = 0; i < test.rows; i++) assert(Math.abs(x[i] - y[i]) < 1e-12, `${x[i]} vs ${y[i]}`);
});

Deno.test("sums carried from far below e^-650 to near 1 equal a stable log-sum-exp, the maximum the largest term", () => {
  // 1-D, h = 1 (c = 1/2, so a term is exp(-q / 2) with q computed exactly as the kernels do): test points at 0, 5, 20
  // and 36 take batches from ~38 away (a new sum whose largest term is ~e^-720: the two passes), then ~36 away
  // (still below e^-650: the two passes), then near 0 (a carried sum at ~e^-640 whose new terms reach e^640 of
  // it: the one pass, rescaled), then a block and more spread over [-40, 40]. After each batch, every log-sum is the
  // log-sum-exp of all terms so far to 1e-13 relative (each exponent -q/2 is rounded once, each term within 1e-15),
  // and the running maximum is exactly the largest term, as the kernels' cutoffs assume.
  const test = matrix(4, 1, Float64Array.from([0, 5, 20, 36]));
  const rng = new Rng(21);
  const uniform = (count: number, lo: number, hi: number) =>
    Float64Array.from({ length: count }, () => lo + (hi - lo) * rng.random());
  const batches = [uniform(10, 37.6, 38), uniform(12, 35.6, 36.2), uniform(300, -1, 1), uniform(1100, -40, 40)];
  for (const add of [addKernelSums, addKernelSumsTypeScript]) {
    const state = emptyKernelSums(test.rows);
    const seen: number[] = [];
    for (const batch of batches) {
      add(state, test, { points: matrix(batch.length, 1, batch), bandwidth: 1, kernel: "gaussian" });
      seen.push(...batch);
      for (let i = 0; i < test.rows; i++) {
        const values = seen.map((y) => -0.5 * ((test.data[i] - y) * (test.data[i] - y)));
        const top = Math.max(...values);
        const exact = top + Math.log(values.reduce((s, v) => s + Math.exp(v - top), 0));
        const got = state.max[i] + Math.log(state.sum[i]);
        assert(
          Math.abs(got - exact) <= 1e-13 * Math.max(1, Math.abs(exact)),
          `${add.name}, test point ${i}, ${seen.length} points: ${got} vs ${exact}`,
        );
        assert.equal(state.max[i], top, `${add.name}, test point ${i}: the maximum`);
      }
    }
  }
});

Deno.test("unit-ball volumes: V_1 = 2, V_2 = pi, V_3 = 4 pi / 3, V_4 = pi^2 / 2", () => {
  assert(Math.abs(logUnitBallVolume(1) - Math.log(2)) < 1e-15);
  assert(Math.abs(logUnitBallVolume(2) - Math.log(Math.PI)) < 1e-15);
  assert(Math.abs(logUnitBallVolume(3) - Math.log((4 / 3) * Math.PI)) < 1e-15);
  assert(Math.abs(logUnitBallVolume(4) - Math.log(Math.PI ** 2 / 2)) < 1e-15);
});

Deno.test({
  name: "a large set in spatial order: skipping the blocks and groups past the cutoff gives the same bits (C)",
  ignore: nativeKernels() === undefined,
  fn: () => {
    const native = nativeKernels()!;
    const rng = new Rng(17);
    for (const [n, d] of [[6000, 2], [9000, 3]]) {
      // Three clusters far apart and a test set spread over them and beyond.
      const points = randomMatrix(n, d, rng);
      for (let p = 0; p < n; p++) points.data[p * d] += 6 * (p % 3);
      const order = spatialOrder(points);
      const columns = new Float64Array(n * d);
      for (let k = 0; k < n; k++) for (let j = 0; j < d; j++) columns[j * n + k] = points.data[order[k] * d + j];
      const test = randomMatrix(80, d, rng, 5);
      for (const h of [0.01, 0.1, 1, 10]) {
        const run = (bounds: "reach" | "boxes") => {
          const state = emptyKernelSums(test.rows);
          // Twice: the second call starts from a state whose maximum bounds the cutoff from its first block.
          for (let twice = 0; twice < 2; twice++) {
            native.kdeAddSums(test.data, {
              points: columns,
              count: n,
              dim: d,
              bandwidth: h,
              tophat: false,
              ...state,
              bounds,
            });
          }
          return state;
        };
        const [reach, boxes] = [run("reach"), run("boxes")];
        assert.deepEqual(boxes.max, reach.max, `n=${n} d=${d} h=${h}: the maxima`);
        assert.deepEqual(boxes.sum, reach.sum, `n=${n} d=${d} h=${h}: the sums`);
        // And the plain loop's log-sums (every term within e^-50 of the running maximum), to rounding.
        const plain = emptyKernelSums(test.rows);
        for (let twice = 0; twice < 2; twice++) {
          addKernelSumsTypeScript(plain, test, { points, bandwidth: h, kernel: "gaussian" });
        }
        for (let i = 0; i < test.rows; i++) {
          const [a, b] = [boxes.max[i] + Math.log(boxes.sum[i]), plain.max[i] + Math.log(plain.sum[i])];
          assert(Math.abs(a - b) < 1e-12 * Math.max(1, Math.abs(b)), `n=${n} d=${d} h=${h} i=${i}: ${a} vs ${b}`);
        }
      }
    }
  },
});
