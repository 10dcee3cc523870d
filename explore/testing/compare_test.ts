import assert from "node:assert/strict";
import { compareRows, describeComparison } from "./compare.ts";
import { decodeExact, encodeExact } from "./exact_json.ts";

Deno.test("exact JSON keeps NaN, the infinities, -0 and every double's bits", () => {
  const values = [NaN, Infinity, -Infinity, -0, 0, 0.1 + 0.2, 5e-324, 1.7976931348623157e308, "NaN", { $n: 1 }];
  const back = decodeExact<unknown[]>(encodeExact(values));
  values.forEach((v, i) =>
    assert.ok(Object.is(back[i], v) || JSON.stringify(back[i]) === JSON.stringify(v), String(v))
  );
});

Deno.test("compareRows counts differing numbers per column and refuses rows of another shape", () => {
  const a = [{ w: "R", x: 1, y: 0.1 + 0.2 }, { w: "R", x: 2, y: 1 }];
  const b = [{ w: "R", x: 1, y: 0.3 }, { w: "R", x: 2, y: 1 }];
  const c = compareRows(a, b);
  assert.deepStrictEqual(c.differing, { y: 1 });
  assert.equal(c.values, 4);
  assert.ok(c.maxRelative > 1e-16 && c.maxRelative < 1e-15);
  assert.match(describeComparison(c), /^1 of 4 numbers differ \(y 1\), at most 1\.9e-16 relative$/);
  assert.equal(describeComparison(compareRows(b, b)), "all 4 numbers identical");
  assert.throws(() => compareRows(a, [b[0]]), /2 rows, expected 1/);
  assert.throws(() => compareRows([{ w: "A", x: 1 }], [{ w: "R", x: 1 }]), /row 0, w: A, expected R/);
  assert.throws(() => compareRows([{ x: NaN }], [{ x: 1 }]), /row 0, x: NaN vs 1/);
});
