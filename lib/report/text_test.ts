import assert from "node:assert/strict";
import { claim, ClaimError, fmt, fmtRange, markdownTable, showMarkdown } from "./text.ts";

Deno.test("numbers for prose: significant digits, separators, no trailing zeros", () => {
  const cases: [number, string][] = [
    [2.4, "2.4"],
    [150.2, "150"],
    [0.7142, "0.714"],
    [11_234, "11,200"],
    [0.0032, "0.0032"],
    [1, "1"],
    [0, "0"],
    [-0.5, "-0.5"],
    [1.5e-7, "1.5e-7"],
    [Infinity, "∞"],
    [NaN, "NaN"],
  ];
  for (const [x, text] of cases) assert.equal(fmt(x), text, String(x));
  assert.equal(fmt(3.14159, 2), "3.1");
});

Deno.test("a markdown table has the first row's keys as columns", () => {
  assert.equal(
    markdownTable([{ n: 10, loss: 1.23456 }, { n: 100, loss: "a|b" }]),
    "| n | loss |\n|---|---|\n| 10 | 1.23 |\n| 100 | a\\|b |",
  );
  assert.equal(markdownTable([]), "");
});

Deno.test("a claim returns its statement when it holds and fails the render when it does not", () => {
  assert.equal(claim(true, "Replace rises"), "Replace rises");
  assert.throws(
    () => claim(false, "Accumulate stays bounded", "3.1 > 2"),
    (e: Error) =>
      e instanceof ClaimError &&
      e.message === 'the notebook\'s text claims "Accumulate stays bounded", which the data contradict: 3.1 > 2',
  );
});

Deno.test("outside a notebook, markdown is printed", async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await showMarkdown("**bold**");
  } finally {
    console.log = log;
  }
  assert.deepEqual(lines, ["**bold**"]);
});

Deno.test("a range for prose: both ends, or one number when they format alike", () => {
  assert.equal(fmtRange([1.2, 0.7412, 1]), "0.741 to 1.2");
  assert.equal(fmtRange([0.7412, 1.2], 2), "0.74 to 1.2");
  assert.equal(fmtRange([0, 0, 0]), "0");
  assert.equal(fmtRange([0.92901, 0.92899]), "0.929");
  assert.throws(() => fmtRange([]), RangeError);
});
