// Tests of ticks.ts: nice values (d3-array's rule) and log-axis ticks, checked by hand.
import assert from "node:assert/strict";
import { logAxisValues, logLabelExpr, logTickLabel, niceTicks } from "./ticks.ts";

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

Deno.test("logAxisValues: one to three decades with fewer than 3 powers of ten: 1, 2, 5 x 10^e", () => {
  // 0.003 .. 0.5 (the test MSE of a linear regression) holds only 0.01 and 0.1 as powers.
  assert.deepEqual(logAxisValues([{ lo: 0.003 }, { hi: 0.5 }]), [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]);
  assert.deepEqual(logAxisValues([{ mean: 0.4 }, { y: 5 }]), [0.5, 1, 2, 5]);
  // 2e-7 must be the double nearest 2e-7 (2 * 1e-7 is not), so that labels find their tick.
  assert.deepEqual(logAxisValues([{ mean: 1.5e-7 }, { mean: 6e-6 }]), [2e-7, 5e-7, 1e-6, 2e-6, 5e-6]);
});

Deno.test("logTickLabel and logLabelExpr: one style per axis", () => {
  assert.equal(logTickLabel(0.02, true), "0.02");
  assert.equal(logTickLabel(5000, true), "5000");
  assert.equal(logTickLabel(1, false), "10\u2070");
  assert.equal(logTickLabel(1e-12, false), "10\u207b\u00b9\u00b2");
  assert.equal(logTickLabel(2e-7, false), "2\u00d710\u207b\u2077");
  assert.equal(logTickLabel(1e5, false), "10\u2075");
  assert.equal(
    logLabelExpr([0.01, 0.1, 1]),
    '["0.01","0.1","1"][indexof([0.01,0.1,1], datum.value)] || datum.label',
  );
  // One value outside [0.001, 10000] turns the whole axis to powers of ten.
  assert.equal(
    logLabelExpr([1e-4, 0.01, 1]),
    '["10\u207b\u2074","10\u207b\u00b2","10\u2070"][indexof([0.0001,0.01,1], datum.value)] || datum.label',
  );
});

Deno.test("logAxisValues: within one decade, nice linear values instead", () => {
  assert.deepEqual(logAxisValues([{ mean: 1.2, lo: 1.3 }, { y: 3.6 }]), [1.5, 2, 2.5, 3, 3.5]);
});

Deno.test("logAxisValues: only positive finite numbers of mean, lo, hi and y count", () => {
  assert.equal(logAxisValues([{ mean: -1, lo: 0, hi: Infinity, y: "a", x: 5 }, { x: 1000 }]), undefined);
  assert.equal(logAxisValues([{ mean: 3 }]), undefined, "one value: no range");
});
