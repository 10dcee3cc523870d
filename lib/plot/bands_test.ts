// Tests of bands.ts: meanWithBand's statistics.
import assert from "node:assert/strict";
import { meanWithBand } from "./bands.ts";
import { close } from "./_test_utils.ts";

Deno.test("meanWithBand: mean, sample sd and mean ± 1.96·SE, by hand", () => {
  const rows = [
    { wf: "Replace", n: 10, t: 2, seed: 0, y: 4 },
    { wf: "Replace", n: 10, t: 1, seed: 0, y: 1 },
    { wf: "Replace", n: 10, t: 1, seed: 1, y: 2 },
    { wf: "Replace", n: 10, t: 1, seed: 2, y: 3 },
    { wf: "Replace", n: 10, t: 2, seed: 1, y: 8 },
    { wf: "Accumulate", n: 10, t: 1, seed: 0, y: 5 },
    { wf: "Replace", n: 10, t: 2, seed: 2, y: Number.NaN },
  ];
  const out = meanWithBand(rows, { x: "t", y: "y", groupBy: ["wf", "n"] });
  assert.equal(out.length, 3);
  // Replace, t = 1: y = 1, 2, 3 -> mean 2, sd 1, SE 1/sqrt(3) = 0.5773503, 1.96 SE = 1.1316065.
  const [a, b, c] = out;
  assert.equal(a.wf, "Replace");
  assert.equal(a.n, 10);
  assert.equal(a.x, 1);
  assert.equal(a.k, 3);
  close(a.mean, 2);
  close(a.sd, 1);
  close(a.lo, 2 - 1.1316065, 1e-7);
  close(a.hi, 2 + 1.1316065, 1e-7);
  // Replace, t = 2: y = 4, 8 (NaN skipped) -> mean 6, sd sqrt(8) = 2.8284271, SE 2, 1.96 SE = 3.92.
  assert.equal(b.x, 2);
  assert.equal(b.k, 2);
  close(b.mean, 6);
  close(b.sd, Math.sqrt(8));
  close(b.lo, 2.08);
  close(b.hi, 9.92);
  // One seed: lo = hi = mean, sd 0.
  assert.equal(c.wf, "Accumulate");
  assert.deepEqual([c.mean, c.lo, c.hi, c.sd, c.k], [5, 5, 5, 0, 1]);
  assert.ok(!("seed" in c) && !("y" in c), "only groupBy fields and the band fields are kept");
});

Deno.test("meanWithBand: rejects colliding groupBy names and non-numeric x", () => {
  assert.throws(
    () => meanWithBand([{ mean: 1, t: 1, y: 1 }], { x: "t", y: "y", groupBy: ["mean"] }),
    /collides/,
  );
  assert.throws(
    () => meanWithBand([{ t: "a", y: 1 }], { x: "t", y: "y", groupBy: [] }),
    /finite number/,
  );
});
