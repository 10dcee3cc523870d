import assert from "node:assert/strict";
import {
  assertDatasetName,
  DATASET_DIMS,
  DATASET_NAMES,
  datasetSampler,
  drawBlobCentres,
  makeBlobs,
  makeCircles,
  makeMoons,
  makeSwissRoll,
} from "./datasets.ts";
import type { Matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";

function rows(x: Matrix): number[][] {
  return Array.from({ length: x.rows }, (_, r) => [...x.data.subarray(r * x.cols, (r + 1) * x.cols)]);
}

Deno.test("every data set has its dimension and no NaN", () => {
  for (const name of DATASET_NAMES) {
    const rng = new Rng(1, name);
    const x = datasetSampler(name, rng)(101, rng);
    assert.equal(x.rows, 101);
    assert.equal(x.cols, DATASET_DIMS[name]);
    assert(x.data.every(Number.isFinite), name);
  }
});

Deno.test("moons without noise lie exactly on the two half circles, split floor(n/2) / rest", () => {
  const x = makeMoons(201, new Rng(2), { noise: 0 });
  let upper = 0;
  for (const [a, b] of rows(x)) {
    const onUpper = Math.abs(Math.hypot(a, b) - 1) < 1e-12 && b >= -1e-12;
    const onLower = Math.abs(Math.hypot(a - 1, b - 0.5) - 1) < 1e-12 && b <= 0.5 + 1e-12;
    assert(onUpper || onLower, `(${a}, ${b}) is on neither moon`);
    if (onUpper && !onLower) upper++;
  }
  assert.equal(upper, 100);
});

Deno.test("moons with noise 0.05 stay near the half circles", () => {
  const x = makeMoons(2000, new Rng(3));
  const distances = rows(x).map(([a, b]) =>
    Math.min(
      b >= 0 ? Math.abs(Math.hypot(a, b) - 1) : Infinity,
      b <= 0.5 ? Math.abs(Math.hypot(a - 1, b - 0.5) - 1) : Infinity,
      Math.hypot(a - 1, b),
      Math.hypot(a + 1, b),
      Math.hypot(a, b - 0.5),
      Math.hypot(a - 2, b - 0.5),
    )
  );
  // A point's distance to its curve is at most its noise's length, beyond 6 sd with probability exp(-18) per
  // point: 3e-5 for the 2000 points. (The noise itself is tested exactly below.)
  assert(Math.max(...distances) < 0.05 * 6, `max distance ${Math.max(...distances)}`);
});

Deno.test("circles: radii 1 and factor 0.8, half the points on each", () => {
  const exact = makeCircles(100, new Rng(4), { noise: 0 });
  const radii = rows(exact).map(([a, b]) => Math.hypot(a, b)).sort((p, q) => p - q);
  assert(radii.slice(0, 50).every((r) => Math.abs(r - 0.8) < 1e-12));
  assert(radii.slice(50).every((r) => Math.abs(r - 1) < 1e-12));
});

Deno.test("swiss roll: t in [1.5 pi, 4.5 pi], height in [0, 21], x = t cos t, z = t sin t", () => {
  const x = makeSwissRoll(1000, new Rng(6), { noise: 0 });
  for (const [a, y, z] of rows(x)) {
    const t = Math.hypot(a, z);
    assert(t >= 1.5 * Math.PI - 1e-9 && t <= 4.5 * Math.PI + 1e-9);
    assert(y >= 0 && y <= 21);
    assert(Math.abs(a - t * Math.cos(t)) < 1e-9 && Math.abs(z - t * Math.sin(t)) < 1e-9);
  }
});

Deno.test("blobs: centres in the box, the first n mod 3 centres get one more point", () => {
  const rng = new Rng(7);
  const centres = drawBlobCentres(rng);
  assert.equal(centres.rows, 3);
  assert(centres.data.every((v) => v >= -10 && v < 10));
  const exact = makeBlobs(10, rng, { centres, clusterStd: 0 });
  const counts = [0, 1, 2].map((c) =>
    rows(exact).filter(([a, b]) => a === centres.data[2 * c] && b === centres.data[2 * c + 1]).length
  );
  assert.deepEqual(counts, [4, 3, 3]);
});

// The noise is drawn after the noise-free points (and, for moons, circles and blobs, after the shuffle, which
// a noise of 0 still draws), so the same stream without noise gives each noisy point's noise-free position:
// their difference is the noise itself, to be i.i.d. N(0, sd^2) in every coordinate.
Deno.test("noise: noisy minus noise-free points of one stream are i.i.d. N(0, sd^2), within 4 standard errors", () => {
  const centres = drawBlobCentres(new Rng(1));
  const generators: [string, number, (noise: number, rng: Rng) => Matrix][] = [
    ["moons", 0.05, (noise, rng) => makeMoons(2001, rng, { noise })],
    ["circles", 0.05, (noise, rng) => makeCircles(2001, rng, { noise })],
    ["swiss roll", 0.05, (noise, rng) => makeSwissRoll(2001, rng, { noise })],
    ["blobs", 1, (clusterStd, rng) => makeBlobs(2001, rng, { centres, clusterStd })],
  ];
  for (const [name, sd, make] of generators) {
    const noisy = make(sd, new Rng(3, name));
    const clean = make(0, new Rng(3, name));
    const d = noisy.cols, count = noisy.data.length;
    const e = noisy.data.map((v, i) => v - clean.data[i]);
    // E e = 0, Var e = sd^2; Var e^2 = 2 sd^4; for two coordinates of one point Var(e_1 e_2) = sd^4.
    const mean = e.reduce((s, v) => s + v, 0) / count;
    const square = e.reduce((s, v) => s + v * v, 0) / count;
    let cross = 0;
    for (let r = 0; r < noisy.rows; r++) cross += e[r * d] * e[r * d + 1];
    cross /= noisy.rows;
    assert(Math.abs(mean) < 4 * sd / Math.sqrt(count), `${name}: mean ${mean}`);
    assert(Math.abs(square - sd * sd) < 4 * Math.sqrt(2 / count) * sd * sd, `${name}: variance ${square}`);
    assert(Math.abs(cross) < 4 * sd * sd / Math.sqrt(noisy.rows), `${name}: covariance ${cross}`);
  }
});

Deno.test("a blob sampler keeps its centres across calls (train and test share them)", () => {
  const rng = new Rng(8);
  const sample = datasetSampler("blobs", rng);
  const a = sample(3000, rng);
  const b = sample(3000, rng);
  const mean = (x: Matrix, j: number): number =>
    x.data.filter((_, i) => i % 2 === j).reduce((s, v) => s + v, 0) / x.rows;
  // 1000 points per centre in each: with the same centres the centres' share of the means cancels exactly,
  // leaving two independent means of 3000 N(0, 1) noises, whose difference has sd sqrt(2 / 3000). Centres
  // drawn anew would differ by several units (uniform in a box 20 wide).
  for (const j of [0, 1]) {
    assert(Math.abs(mean(a, j) - mean(b, j)) < 4 * Math.sqrt(2 / 3000), `coordinate ${j}`);
  }
});

Deno.test("same seed, same data; bad names and counts are rejected with the allowed values", () => {
  assert.deepEqual(makeMoons(50, new Rng(9)).data, makeMoons(50, new Rng(9)).data);
  assert.throws(() => assertDatasetName("spiral"), /dataset must be one of "blobs", "circles", "moons", "swiss_roll"/);
  assert.throws(() => makeMoons(0, new Rng(1)), /count must be an integer >= 1/);
  assert.throws(() => makeCircles(10, new Rng(1), { factor: 1.5 }), /factor must be in \(0, 1\)/);
  assert.throws(() => makeSwissRoll(10, new Rng(1), { noise: -1 }), /noise must be a finite number >= 0/);
});
