import assert from "node:assert/strict";
import { bonferroniThreshold, summarizeTheoryChecks, theoryCheck } from "./theory.ts";

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

Deno.test("a mean exact up to rounding has z = 0; a curve without spread that misses has z = ±Infinity", () => {
  const rows = [
    ...Array.from({ length: 60 }, () => ({ workflow: "Accumulate", v: 0.01 })), // a float sum / 60
    { workflow: "Replace", v: 0.5 },
    { workflow: "Replace", v: 0.5 },
    { workflow: "Other", v: 1 },
    { workflow: "Other", v: 1 },
  ];
  const exact = { Accumulate: 0.01, Replace: 0, Other: 1 + 1e-9 } as Record<string, number>;
  const checks = theoryCheck(rows, { y: "v", groupBy: ["workflow"], exact: (g) => exact[g.workflow as string] });
  assert.deepEqual(checks.map((c) => c.z), [0, Infinity, -Infinity]);
  assert.deepEqual(checks.map((c) => c.se), [0, 0, 0], "identical values have no spread, whatever their float sum");
});

Deno.test("a summary of theory checks counts |z| < 4 and names the worst", () => {
  const row = (name: string, z: number) => ({ name, mean: 0, exact: 0, se: 1, z, seeds: 10 });
  const summary = summarizeTheoryChecks([row("a", 1.2), row("b", -5.25), row("c", 3.9)], {
    describe: (r) => `curve ${r.name}`,
  });
  assert.equal(summary.within, 2);
  assert.equal(summary.total, 3);
  assert.equal(summary.worst.name, "b");
  assert.deepEqual(summary.outside.map((r) => r.name), ["b"]);
  assert.equal(summary.text, "Of the 3 curves, 2 have |z| < 4; the largest |z| is z = -5.3 (curve b).");
  const all = summarizeTheoryChecks([row("a", 1), row("b", 0.5), row("c", -2)], {
    describe: (r) => r.name as string,
    noun: "points",
  });
  assert.equal(all.text, "Of the 3 points, all have |z| < 4; the largest |z| is z = -2 (c).");
  assert.throws(() => summarizeTheoryChecks([], { describe: () => "" }));
});

Deno.test("Bonferroni's threshold: scipy's norm.isf(familyWise / (2 checks)), within 1e-6", () => {
  // scipy.stats.norm.isf(0.05 / 2), isf(0.01 / 1000), isf(0.001 / 1000), isf(0.01 / 30)
  const cases: [number, number, number][] = [
    [1, 0.05, 1.9599639845400545],
    [500, 0.01, 4.264890793922825],
    [500, 0.001, 4.753424308822899],
    [15, 0.01, 3.4029328353853043],
  ];
  for (const [checks, familyWise, expected] of cases) {
    const got = bonferroniThreshold(checks, familyWise);
    assert.ok(Math.abs(got - expected) < 1e-6 * expected, `${checks} checks at ${familyWise}: ${got} vs ${expected}`);
  }
});

Deno.test("a summary with a family-wise rate: the threshold grows with the number of checks, and the text says so", () => {
  const row = (name: string, z: number) => ({ name, mean: 0, exact: 0, se: 1, z, seeds: 10 });
  const checks = Array.from({ length: 500 }, (_, i) => row(`p${i}`, i === 7 ? 4.11 : 0.5));
  const plain = summarizeTheoryChecks(checks, { describe: (r) => r.name as string, noun: "points" });
  assert.equal(plain.within, 499, "4.11 is outside the fixed |z| < 4");
  const corrected = summarizeTheoryChecks(checks, {
    describe: (r) => r.name as string,
    noun: "points",
    familyWise: 0.01,
  });
  assert.equal(corrected.within, 500, "and inside Bonferroni's 4.26 for 500 points at 1%");
  assert.equal(
    corrected.text,
    "Of the 500 points, all have |z| < 4.26 (Bonferroni's bound for a 1% chance of any |z| above it by chance); " +
      "the largest |z| is z = 4.1 (p7).",
  );
  const few = summarizeTheoryChecks(checks.slice(0, 8), { describe: (r) => r.name as string, familyWise: 0.01 });
  assert.equal(few.within, 7, "over 8 checks the threshold is 3.23: 4.11 is outside");
  assert.throws(() => summarizeTheoryChecks(checks, { describe: () => "", familyWise: 1 }), /familyWise must be in/);
});
