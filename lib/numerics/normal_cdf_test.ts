import assert from "node:assert/strict";
import { logErfc, logNormalCdf, logNormalInterval } from "./normal_cdf.ts";

// Reference values from scipy.special (erfc, log_ndtr) and scipy.stats.norm.
const ERFC: [number, number][] = [
  [-3, 1.9999779095030015],
  [-1, 1.8427007929497148],
  [0, 1],
  [0.5, 0.4795001221869535],
  [1, 0.15729920705028516],
  [3, 2.2090496998585445e-05],
  [10, 2.0884875837625446e-45],
];
const LOG_PHI: [number, number][] = [
  [-40, -804.6084420137539],
  [-10, -53.23128515051248],
  [-1, -1.8410216450092634],
  [0, -0.6931471805599453],
  [2, -0.023012909328963476],
];

Deno.test("log erfc and log Phi agree with scipy to the fit's 1.2e-7 relative error, far into the tails", () => {
  for (const [z, value] of ERFC) assert(Math.abs(logErfc(z) - Math.log(value)) < 2e-7, `erfc(${z})`);
  for (const [x, value] of LOG_PHI) assert(Math.abs(logNormalCdf(x) - value) < 2e-7, `log Phi(${x})`);
  assert(Number.isFinite(logNormalCdf(-1000)) && logNormalCdf(-1000) < -5e5);
  assert(Math.abs(logNormalCdf(40)) < 1e-15);
});

Deno.test("log(Phi(b) - Phi(a)) on either tail and across 0", () => {
  const cases: [number, number, number][] = [
    [-1, 1, -0.38171514630212616],
    [0.1, 0.2, -3.233180851568643],
    [5, 6, -15.068446096529456],
    [-30, -29, -424.78741990973043],
    [-50, 50, 0],
  ];
  for (const [a, b, value] of cases) {
    assert(Math.abs(logNormalInterval(a, b) - value) < 1e-6 * Math.max(1, Math.abs(value)), `[${a}, ${b}]`);
  }
  assert.equal(logNormalInterval(2, 2), -Infinity);
  assert.throws(() => logNormalInterval(1, 0), /needs a <= b/);
});
