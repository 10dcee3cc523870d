import assert from "node:assert/strict";
import { theoryCheck } from "./theory.ts";

Deno.test("a theory check: per group the mean, the exact value, its standard error and z", () => {
  const rows = [
    { workflow: "Replace", n: 10, v: 1 },
    { workflow: "Replace", n: 10, v: 3 },
    { workflow: "Replace", n: 10, v: 2 },
    { workflow: "Accumulate", n: 10, v: 5 },
    { workflow: "Accumulate", n: 10, v: 7 },
    { workflow: "Other", n: 10, v: 1 },
  ];
  const checks = theoryCheck(rows, {
    y: "v",
    groupBy: ["workflow", "n"],
    exact: (g) => (g.workflow === "Replace" ? 2.5 : g.workflow === "Accumulate" ? 6 : undefined),
  });
  assert.equal(checks.length, 2, "a curve without a closed form is skipped");
  // Replace: mean 2, sd 1, se 1/sqrt(3); z = (2 - 2.5) sqrt(3).
  assert.deepEqual(checks[0].workflow, "Replace");
  assert.equal(checks[0].mean, 2);
  assert(Math.abs(checks[0].se - 1 / Math.sqrt(3)) < 1e-15);
  assert(Math.abs(checks[0].z + 0.5 * Math.sqrt(3)) < 1e-12);
  assert.equal(checks[0].seeds, 3);
  // Accumulate: mean 6 = exact: z = 0.
  assert.equal(checks[1].z, 0);
});
