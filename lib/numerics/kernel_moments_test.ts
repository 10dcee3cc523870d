import assert from "node:assert/strict";
import { kernelMoments, largestProduct, momentsAddTypeScript, monomials, truncationBound } from "./kernel_moments.ts";
import { emptyKernelSums } from "./kernel_sums.ts";
import { type Matrix, matrix } from "./matrix.ts";
import { nativeKernels } from "./native/mod.ts";
import { Rng } from "./rng.ts";
import { randomMatrix } from "./_test_utils.ts";

Deno.test("the truncation bound is Lagrange's, and holds for e^t at t = -A and A with the term's least value", () => {
  // Hand-computed: A^(p+1) / (p+1)! e^(2A).
  assert(Math.abs(truncationBound(1, 0) - Math.E ** 2) < 1e-15 * Math.E ** 2);
  assert(Math.abs(truncationBound(0.5, 2) - (0.125 / 6) * Math.E) < 1e-16);
  // At degrees where the error is far above rounding: the relative error of the truncated series of e^t, over
  // e^t itself, is within the bound at both ends of |t| <= A.
  for (const [a, p] of [[1, 4], [2, 6], [0.5, 3], [3, 10]]) {
    for (const t of [-a, a]) {
      let series = 0, term = 1;
      for (let k = 0; k <= p; k++) {
        series += term;
        term *= t / (k + 1);
      }
      const relative = Math.abs(Math.exp(t) - series) / Math.exp(t);
      assert(relative <= truncationBound(a, p), `A=${a} p=${p} t=${t}: ${relative} > ${truncationBound(a, p)}`);
    }
  }
});

Deno.test("largestProduct is the largest A whose bound is at most 2^-53", () => {
  for (const p of [14, 20]) {
    const a = largestProduct(p);
    assert(truncationBound(a, p) <= 2 ** -53);
    assert(truncationBound(a * (1 + 1e-9), p) > 2 ** -53, `degree ${p}: ${a} is not the largest`);
  }
});

Deno.test("the monomials of degree <= p: C(p + d, d) of them, each once, graded, each its parent times one coordinate", () => {
  for (const [d, p] of [[1, 5], [2, 4], [3, 6]]) {
    const { parent, axis, exponents } = monomials(d, p);
    let count = 1;
    for (let k = 1; k <= d; k++) count = (count * (p + k)) / k;
    assert.equal(exponents.length, count);
    assert.equal(new Set(exponents.map((e) => e.join())).size, count);
    assert.deepEqual(exponents[0], new Array(d).fill(0));
    for (let k = 1; k < count; k++) {
      assert(parent[k] < k);
      const expected = exponents[parent[k]].slice();
      expected[axis[k]]++;
      assert.deepEqual(exponents[k], expected);
      const degree = (e: number[]) => e.reduce((s, v) => s + v, 0);
      assert(degree(exponents[k]) >= degree(exponents[k - 1]));
      assert(degree(exponents[k]) <= p);
    }
  }
});

/** log sum_y exp(-|x - y|^2 / (2 h^2)) per test point, by a stable log-sum-exp of the direct terms. */
function directLogSums(test: Matrix, points: Matrix, h: number): number[] {
  const d = test.cols;
  return Array.from({ length: test.rows }, (_, i) => {
    const values = Array.from({ length: points.rows }, (_, p) => {
      let q = 0;
      for (let j = 0; j < d; j++) q += (test.data[i * d + j] - points.data[p * d + j]) ** 2;
      return -q / (2 * h * h);
    });
    const top = Math.max(...values);
    return top + Math.log(values.reduce((s, v) => s + Math.exp(v - top), 0));
  });
}

Deno.test("the moments' sums equal the direct ones to 2e-13, with points at the route's edge where |u| |v| = A_max", () => {
  // Per term: the truncation's 2^-53, and the rounding of the factored form: the series' p products per monomial
  // and its sum, which the cancellation e^(2A) (A <= 1.33: e^2.7 ~ 14) amplifies, ~ 14 (p + 2) 2^-53 ~ 3.5e-14.
  const rng = new Rng(31);
  for (const [d, h] of [[1, 3], [2, 3], [3, 8]]) {
    const test = randomMatrix(40, d, rng);
    assert(kernelMoments(test, h), `d=${d} h=${h}: the route exists`);
    // The farthest test point from the box's centre, and points at the route's radius along and against it.
    const lo = Array.from(
      { length: d },
      (_, j) => Math.min(...Array.from({ length: 40 }, (_, i) => test.data[i * d + j])),
    );
    const hi = Array.from(
      { length: d },
      (_, j) => Math.max(...Array.from({ length: 40 }, (_, i) => test.data[i * d + j])),
    );
    const centre = lo.map((l, j) => (l + hi[j]) / 2);
    const reach = Math.max(
      ...Array.from({ length: 40 }, (_, i) => Math.hypot(...centre.map((c, j) => test.data[i * d + j] - c))),
    );
    const far = Array.from({ length: 40 }, (_, i) => i).reduce((best, i) =>
      Math.hypot(...centre.map((c, j) => test.data[i * d + j] - c)) >
          Math.hypot(...centre.map((c, j) => test.data[best * d + j] - c))
        ? i
        : best
    );
    const direction = centre.map((c, j) => (test.data[far * d + j] - c) / reach);
    const radius = Math.min(4, largestProduct([0, 20, 20, 14][d]) / (reach / h)) * (1 - 1e-9) * h;
    const edge = [1, -1, 0.999, -0.5].flatMap((s) => centre.map((c, j) => c + s * radius * direction[j]));
    // Inside the radius: normal draws, any beyond 0.99 of it pulled in along their direction.
    const inside = randomMatrix(300, d, rng, radius / (2 * Math.sqrt(d)));
    for (let p = 0; p < 300; p++) {
      const row = inside.data.subarray(p * d, (p + 1) * d);
      const shrink = Math.min(1, (0.99 * radius) / Math.hypot(...row));
      row.forEach((v, j) => (row[j] = v * shrink));
    }
    const points = matrix(304, d, Float64Array.from([...edge, ...inside.data.map((v, k) => v + centre[k % d])]));
    // Each edge point alone (its term is then the whole sum: no dilution by nearer points), then all of them.
    const sets = [0, 1, 2, 3].map((e) => matrix(1, d, Float64Array.from(edge.slice(e * d, (e + 1) * d))));
    for (const set of [...sets, points]) {
      const route = kernelMoments(test, h)!;
      assert.equal(route.add(set).rows, 0, "every point is on the route");
      const state = emptyKernelSums(test.rows);
      route.addTo(state);
      directLogSums(test, set, h).forEach((exact, i) => {
        const got = state.max[i] + Math.log(state.sum[i]);
        assert(
          Math.abs(got - exact) <= 2e-13 * Math.max(1, Math.abs(exact)),
          `d=${d} i=${i}, ${set.rows} points: ${got} vs ${exact}`,
        );
      });
    }
  }
});

Deno.test("points past the route's radius come back, in order, for the exact sums; no route where h is narrow", () => {
  const rng = new Rng(32);
  const test = randomMatrix(20, 2, rng);
  const moments = kernelMoments(test, 10)!;
  const points = matrix(3, 2, Float64Array.from([0, 0, 500, 0, 0, -300]));
  const rest = moments.add(points);
  assert.deepEqual(Array.from(rest.data), [500, 0, 0, -300]);
  assert.equal(kernelMoments(test, 0.5), undefined);
  assert.equal(kernelMoments(randomMatrix(5, 4, rng), 100), undefined, "4-D: no route");
});

Deno.test({
  name: "the native moments equal the TypeScript loop's to 1e-14 (relative), and flag the same outliers",
  ignore: nativeKernels() === undefined,
  fn() {
    const rng = new Rng(33);
    for (const d of [1, 2, 3]) {
      const { parent, axis } = monomials(d, 8);
      const points = randomMatrix(1003, d, rng, 1.5);
      const make = () => ({
        dim: d,
        centre: new Float64Array(d).fill(0.1),
        bandwidth: 0.9,
        radius2: 9,
        parent,
        axis,
        moments: new Float64Array(parent.length),
        outlier: new Uint8Array(1003),
      });
      const [a, b, scale] = [make(), make(), make()];
      const outliers = nativeKernels()!.kdeMomentsAdd(points.data, a);
      assert.equal(outliers, momentsAddTypeScript(points.data, b));
      assert(outliers > 0 && outliers < 1003);
      assert.deepEqual(a.outlier, b.outlier);
      // Each moment's rounding is relative to the sum of its terms' magnitudes: the moments of the points reflected
      // onto the centre's positive side.
      const reflected = points.data.map((v) => 0.1 + Math.abs(v - 0.1));
      momentsAddTypeScript(reflected, scale);
      a.moments.forEach((v, k) =>
        assert(Math.abs(v - b.moments[k]) <= 1e-14 * scale.moments[k], `d=${d} k=${k}: ${v} vs ${b.moments[k]}`)
      );
    }
  },
});
