// Tests of t_quantile.ts, against printed tables of Student's t.
import assert from "node:assert/strict";
import { tQuantile } from "./t_quantile.ts";

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
