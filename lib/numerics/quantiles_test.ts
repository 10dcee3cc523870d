// Tests of quantiles.ts, against printed tables of Student's t and scipy's normal quantiles.
import assert from "node:assert/strict";
import { normalQuantile, tQuantile } from "./quantiles.ts";

Deno.test("tQuantile: the two-sided 95% points of the t tables", () => {
  // t(0.975, dof) to 3 decimals: 12.706, 4.303, 2.776, 2.262, 2.093, 2.010, 1.984; z = 1.960.
  const table: [number, number][] = [[1, 12.706], [2, 4.303], [4, 2.776], [9, 2.262], [19, 2.093], [49, 2.010], [
    99,
    1.984,
  ], [1e6, 1.960]];
  for (const [dof, t] of table) assert.ok(Math.abs(tQuantile(0.975, dof) - t) < 5e-4, `dof ${dof}`);
  assert.ok(Math.abs(tQuantile(0.5, 7)) < 1e-12);
  assert.ok(Math.abs(tQuantile(0.025, 4) + tQuantile(0.975, 4)) < 1e-9, "symmetric");
});

Deno.test("normalQuantile: scipy.stats.norm.ppf far into the lower tail, and symmetric", () => {
  const cases: [number, number][] = [[0.025, -1.959963984540054], [1e-5, -4.264890793922825], [
    1e-6,
    -4.753424308822899,
  ]];
  for (const [p, z] of cases) assert.ok(Math.abs(normalQuantile(p) - z) < 1e-9 * Math.abs(z), `p = ${p}`);
  assert.ok(Math.abs(normalQuantile(0.5)) < 1e-12);
  assert.ok(Math.abs(normalQuantile(0.1) + normalQuantile(0.9)) < 1e-12);
});
