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

Deno.test("moons with noise 0.05 stay near the half circles (distance ~ noise)", () => {
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
  assert(Math.max(...distances) < 0.05 * 6, `max distance ${Math.max(...distances)}`);
  const mean = distances.reduce((s, d) => s + d, 0) / distances.length;
  // E|N(0, 0.05^2)| = 0.05 sqrt(2/pi) ~ 0.040 (radial component); loose bounds.
  assert(mean > 0.02 && mean < 0.06, `mean distance ${mean}`);
});

Deno.test("circles: radii 1 and factor 0.8, evenly spaced angles, plus noise", () => {
  const exact = makeCircles(100, new Rng(4), { noise: 0 });
  const radii = rows(exact).map(([a, b]) => Math.hypot(a, b)).sort((p, q) => p - q);
  assert(radii.slice(0, 50).every((r) => Math.abs(r - 0.8) < 1e-12));
  assert(radii.slice(50).every((r) => Math.abs(r - 1) < 1e-12));
  // With noise 0.05 the radii are a 50/50 mixture around 0.8 and 1 with radial sd ~0.05:
  // mean 0.9, E(r - 0.9)^2 = 0.1^2 + 0.05^2 = 0.0125 (the standard errors are ~0.002 and ~0.0001).
  const noisy = rows(makeCircles(4000, new Rng(5))).map(([a, b]) => Math.hypot(a, b));
  const mean = noisy.reduce((s, r) => s + r, 0) / noisy.length;
  const spread = noisy.reduce((s, r) => s + (r - 0.9) ** 2, 0) / noisy.length;
  assert(Math.abs(mean - 0.9) < 0.006, `mean radius ${mean}`);
  assert(Math.abs(spread - 0.0125) < 0.0006, `mean squared deviation ${spread}`);
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

Deno.test("blobs: centres in the box, the first n mod 3 centres get one more point, std 1", () => {
  const rng = new Rng(7);
  const centres = drawBlobCentres(rng);
  assert.equal(centres.rows, 3);
  assert(centres.data.every((v) => v >= -10 && v < 10));
  const exact = makeBlobs(10, rng, { centres, clusterStd: 0 });
  const counts = [0, 1, 2].map((c) =>
    rows(exact).filter(([a, b]) => a === centres.data[2 * c] && b === centres.data[2 * c + 1]).length
  );
  assert.deepEqual(counts, [4, 3, 3]);
  // Large sample: per-coordinate spread around the nearest centre is N(0, 1).
  const x = makeBlobs(30000, rng, { centres: drawBlobCentres(new Rng(1)) });
  const c = drawBlobCentres(new Rng(1));
  let sumSq = 0;
  for (const [a, b] of rows(x)) {
    let best = Infinity;
    for (let k = 0; k < 3; k++) best = Math.min(best, (a - c.data[2 * k]) ** 2 + (b - c.data[2 * k + 1]) ** 2);
    sumSq += best;
  }
  // E|x - centre|^2 = 2 (slightly less when blobs overlap and the nearest centre is another one).
  assert(Math.abs(sumSq / 30000 - 2) < 0.1, `mean squared radius ${sumSq / 30000}`);
});

Deno.test("a blob sampler keeps its centres across calls (train and test share them)", () => {
  const rng = new Rng(8);
  const sample = datasetSampler("blobs", rng);
  const a = sample(3000, rng);
  const b = sample(3000, rng);
  const mean = (x: Matrix, j: number): number =>
    x.data.filter((_, i) => i % 2 === j).reduce((s, v) => s + v, 0) / x.rows;
  assert(Math.abs(mean(a, 0) - mean(b, 0)) < 0.3 && Math.abs(mean(a, 1) - mean(b, 1)) < 0.3);
});

Deno.test("same seed, same data; bad names and counts are rejected with the allowed values", () => {
  assert.deepEqual(makeMoons(50, new Rng(9)).data, makeMoons(50, new Rng(9)).data);
  assert.throws(() => assertDatasetName("spiral"), /dataset must be one of "blobs", "circles", "moons", "swiss_roll"/);
  assert.throws(() => makeMoons(0, new Rng(1)), /count must be an integer >= 1/);
  assert.throws(() => makeCircles(10, new Rng(1), { factor: 1.5 }), /factor must be in \(0, 1\)/);
  assert.throws(() => makeSwissRoll(10, new Rng(1), { noise: -1 }), /noise must be a finite number >= 0/);
});
