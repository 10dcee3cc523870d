import assert from "node:assert/strict";
import { binnedAddTypeScript, binnedEvalTypeScript, BinnedSums, BOUND } from "./binned_sums.ts";
import { addKernelSumsTypeScript, emptyKernelSums } from "./kernel_sums.ts";
import { type Matrix, matrix, stackRows } from "./matrix.ts";
import { nativeKernels } from "./native/mod.ts";
import { Rng } from "./rng.ts";

function points(count: number, dim: number, rng: Rng, spread: number): Matrix {
  return matrix(count, dim, rng.fillNormal(new Float64Array(count * dim)).map((v) => v * spread));
}

/** log sum_i exp(-c q_i) from kernel sums. */
const logSum = (max: number, sum: number) => max + Math.log(sum);

Deno.test("binned sums are the exact sums to within their bound, as the pool grows and h shrinks (Scott's rule)", () => {
  assert(BOUND > 3e-13 && BOUND < 3.5e-13, `the bound ${BOUND}`);
  for (const dim of [2, 3]) {
    const rng = new Rng(dim, "binned");
    // Test points near the data and far from it (a large q_min): the bound is relative, whatever the scale.
    const test = stackRows([points(40, dim, rng, 1), points(5, dim, rng, 12)]);
    const n = 60, rounds = 25;
    const h = (count: number) => count ** (-1 / (dim + 4)), c = (count: number) => 1 / (2 * h(count) ** 2);
    for (const route of ["typescript", "native"] as const) {
      if (route === "native" && !nativeKernels()) continue;
      const binned = new BinnedSums(test, { cMin: c(n), cMax: c(n * rounds) });
      const pool: Matrix[] = [];
      let worst = 0;
      for (let t = 1; t <= rounds; t++) {
        const batch = points(n, dim, rng, 1 + (t % 3));
        pool.push(batch);
        if (route === "native") binned.add(batch, c(n * t));
        else {
          binnedAddTypeScript(binned, batch, c(n * t));
          binned.count += batch.rows;
        }
        const at = c(n * t);
        const got = route === "native" ? binned.evaluate(at) : (() => {
          const out = { c: at, max: new Float64Array(test.rows), sum: new Float64Array(test.rows) };
          binnedEvalTypeScript(binned, out);
          return out;
        })();
        const exact = emptyKernelSums(test.rows);
        addKernelSumsTypeScript(exact, test, { points: stackRows(pool), bandwidth: h(n * t), kernel: "gaussian" });
        for (let i = 0; i < test.rows; i++) {
          const value = logSum(exact.max[i], exact.sum[i]);
          // log(1 + BOUND), plus the rounding of both routes: a few ulp of the sums and of the log-sum itself
          // (far test points' log-sums are in the hundreds).
          const allowed = BOUND + 1e-14 + 8 * Number.EPSILON * Math.abs(value);
          worst = Math.max(worst, Math.abs(logSum(got.max[i], got.sum[i]) - value) / allowed);
        }
      }
      assert(worst <= 1, `${route}, d = ${dim}: worst log error ${worst} of the bound`);
    }
  }
});

Deno.test("an empty histogram scores -Infinity; points beyond every cutoff are not kept", () => {
  const test = matrix(1, 2, Float64Array.of(0, 0));
  const binned = new BinnedSums(test, { cMin: 1, cMax: 4 });
  assert.equal(binned.evaluate(1).max[0], -Infinity);
  binned.add(matrix(2, 2, Float64Array.of(0.1, 0, 100, 0)), 1); // q = 0.01 and q = 10000: far beyond e^-50
  const { max, sum } = binned.evaluate(2);
  assert(Math.abs(max[0] + Math.log(sum[0]) - -2 * 0.01) < 1e-13);
});

Deno.test("native and TypeScript histograms agree: the same bins bit for bit, the same sums to rounding", () => {
  const native = nativeKernels();
  if (!native) return;
  const rng = new Rng(7, "binned-routes");
  const dim = 2, n = 50, rounds = 20;
  const test = stackRows([points(30, dim, rng, 1), points(4, dim, rng, 10)]);
  const c = (count: number) => count ** (2 / (dim + 4)) / 2;
  const a = new BinnedSums(test, { cMin: c(n), cMax: c(n * rounds) });
  const b = new BinnedSums(test, { cMin: c(n), cMax: c(n * rounds) });
  let worst = 0;
  for (let t = 1; t <= rounds; t++) {
    const batch = points(n, dim, rng, 1 + (t % 4));
    a.add(batch, c(n * t)); // native
    binnedAddTypeScript(b, batch, c(n * t));
    assert.deepEqual(a.base, b.base);
    assert.deepEqual(a.nearest, b.nearest);
    assert.deepEqual(a.powers, b.powers);
    const got = a.evaluate(c(n * t));
    const want = { c: c(n * t), max: new Float64Array(test.rows), sum: new Float64Array(test.rows) };
    binnedEvalTypeScript(b, want);
    assert.deepEqual(got.max, want.max);
    for (let i = 0; i < test.rows; i++) worst = Math.max(worst, Math.abs(got.sum[i] / want.sum[i] - 1));
  }
  assert(worst < 1e-14, `native vs TypeScript sums: worst relative difference ${worst}`);
});

Deno.test("evaluating outside the range of c the histogram was set up for fails", () => {
  const binned = new BinnedSums(matrix(1, 2, Float64Array.of(0, 0)), { cMin: 1, cMax: 4 });
  binned.add(matrix(1, 2, Float64Array.of(0.1, 0)), 1);
  assert.throws(() => binned.evaluate(4.5), /outside the \[1, 4\]/);
  assert.throws(() => binned.evaluate(0.5), /outside the \[1, 4\]/);
  assert.throws(() => new BinnedSums(matrix(1, 2), { cMin: 2, cMax: 1 }), /0 < cMin <= cMax/);
});
