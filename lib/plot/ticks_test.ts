// Tests of ticks.ts: nice values (d3-array's rule) and log-axis ticks, checked by hand.
import assert from "node:assert/strict";
import { logAxisValues, niceTicks } from "./ticks.ts";

Deno.test("niceTicks: steps of 1, 2 or 5 x 10^k, by hand", () => {
  // (1 - 0) / 5 = 0.2: a 2 x 10^-1 step.
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  // (30 - 1) / 4 = 7.25 >= sqrt(50): a step of 10 (the Gaussian notebook's iteration legend).
  assert.deepEqual(niceTicks(1, 30, 4), [10, 20, 30]);
  // (100 - 1) / 4 = 24.75 = 2.475 x 10, between sqrt(2) and sqrt(10): a step of 20.
  assert.deepEqual(niceTicks(1, 100, 4), [20, 40, 60, 80, 100]);
  // (3.6 - 1.2) / 5 = 0.48 = 4.8 x 10^-1 >= sqrt(10): a step of 0.5.
  assert.deepEqual(niceTicks(1.2, 3.6, 5), [1.5, 2, 2.5, 3, 3.5]);
  // Negative ranges keep both ends (d3's integer arithmetic; no relative-epsilon bound).
  assert.deepEqual(niceTicks(-3, -1, 5), [-3, -2.5, -2, -1.5, -1]);
});

Deno.test("niceTicks: an empty range gives its one value, a non-finite one nothing", () => {
  assert.deepEqual(niceTicks(5, 5, 4), [5]);
  assert.deepEqual(niceTicks(Infinity, -Infinity, 4), []);
  assert.deepEqual(niceTicks(7, 3, 4), [7]);
});

Deno.test("logAxisValues: powers of ten inside the range, thinned past 8", () => {
  // 0.05 .. 200 holds 0.1, 1, 10 and 100.
  assert.deepEqual(logAxisValues([{ mean: 0.05 }, { hi: 200 }]), [0.1, 1, 10, 100]);
  // 5.5e-14 .. 2 holds 10^-13 .. 10^0: 14 powers, more than 8, so every 2nd (even exponents).
  assert.deepEqual(
    logAxisValues([{ lo: 5.5e-14 }, { mean: 2 }]),
    [1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1],
  );
});

Deno.test("logAxisValues: within one decade, nice linear values instead", () => {
  assert.deepEqual(logAxisValues([{ mean: 1.2, lo: 1.3 }, { y: 3.6 }]), [1.5, 2, 2.5, 3, 3.5]);
});

Deno.test("logAxisValues: only positive finite numbers of mean, lo, hi and y count", () => {
  assert.equal(logAxisValues([{ mean: -1, lo: 0, hi: Infinity, y: "a", x: 5 }, { x: 1000 }]), undefined);
  assert.equal(logAxisValues([{ mean: 3 }]), undefined, "one value: no range");
});
