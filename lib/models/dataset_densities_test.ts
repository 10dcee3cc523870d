import assert from "node:assert/strict";
import { DATASET_NAMES, DATASET_PARAMETERS, type DatasetName, datasetSampler } from "./datasets.ts";
import { datasetTruth, simpsonWeights } from "./dataset_densities.ts";
import { type Matrix, matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";

const NOISE = 0.05;
const truthOf = (name: DatasetName): ReturnType<typeof datasetTruth> => datasetTruth(name, new Rng(7, "truth", name));
const logDensityAt = (name: DatasetName, x: number[]): number =>
  truthOf(name).logDensity(matrix(1, x.length, Float64Array.from(x)))[0];

/**
 * The midpoint-rule mass of exp(logDensity) over a 2-D box, spacing `step`; `height` inserts a fixed middle
 * coordinate (the swiss roll's, whose plane is (x, z)).
 */
function boxMass(
  logDensity: (x: Matrix) => Float64Array,
  box: { lo: [number, number]; hi: [number, number]; step: number; height?: number },
): number {
  const { lo, hi, step, height } = box;
  const nx = Math.round((hi[0] - lo[0]) / step), ny = Math.round((hi[1] - lo[1]) / step);
  const cols = height === undefined ? 2 : 3;
  const x = matrix(nx * ny, cols);
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) {
      const [a, b] = [lo[0] + (i + 0.5) * step, lo[1] + (j + 0.5) * step];
      x.data.set(height === undefined ? [a, b] : [a, height, b], (i * ny + j) * cols);
    }
  }
  return logDensity(x).reduce((sum, v) => sum + Math.exp(v), 0) * step * step;
}

Deno.test("a truth's sample is the paper's generator, from the same streams (the blob centres included)", () => {
  for (const name of DATASET_NAMES) {
    const [a, b] = [new Rng(3, name), new Rng(3, name)];
    const truth = datasetTruth(name, a), sampler = datasetSampler(name, b);
    assert.deepEqual(truth.sample(50, a), sampler(50, b), name);
    assert.equal(truth.sampleIid(11, a).rows, 11);
  }
});

Deno.test("Simpson weights: 1 4 2 ... 4 1, summing to 1", () => {
  assert.deepEqual([...simpsonWeights(5)].map((w) => w * 12), [1, 4, 2, 4, 1]);
  assert(Math.abs(simpsonWeights(8193).reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.throws(() => simpsonWeights(4), /odd number of nodes/);
});

Deno.test("blobs: exactly the equal mixture of N(c, I) around the run's centres", () => {
  const truth = datasetTruth("blobs", new Rng(5, "blobs"));
  // drawBlobCentres takes the stream's first six uniforms, scaled to [-10, 10).
  const rng = new Rng(5, "blobs");
  const c = Array.from({ length: 6 }, () => -10 + 20 * rng.random());
  for (const x of [[0.3, -1.2], [c[0] + 0.5, c[1]], [40, 40]]) {
    const terms = [0, 1, 2].map((k) => -((x[0] - c[2 * k]) ** 2 + (x[1] - c[2 * k + 1]) ** 2) / 2);
    const max = Math.max(...terms);
    const exact = max + Math.log(terms.reduce((s, v) => s + Math.exp(v - max), 0) / 3) - Math.log(2 * Math.PI);
    const got = truth.logDensity(matrix(1, 2, Float64Array.from(x)))[0];
    assert(Math.abs(got - exact) < 1e-12 * Math.max(1, Math.abs(exact)), `${got} vs ${exact}`);
  }
});

// p(x) = E_u[N(x; u, s^2 I)] with u uniform on the arcs (for the swiss roll, on the spiral in t: its height factor
// is exact and checked separately), estimated from a million draws of u: the quadrature must agree within 4 SE.
Deno.test("the arc quadrature agrees with a Monte Carlo estimate of the arc integral (|z| < 4)", () => {
  const draws = 1_000_000;
  const rng = new Rng(11, "monte-carlo");
  const arcs: Record<"moons" | "circles" | "swiss_roll", () => [number, number]> = {
    moons: () => {
      const t = Math.PI * rng.random();
      return rng.random() < 0.5 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    },
    circles: () => {
      const a = 2 * Math.PI * rng.random(), r = rng.random() < 0.5 ? 1 : DATASET_PARAMETERS.circles.factor;
      return [r * Math.cos(a), r * Math.sin(a)];
    },
    swiss_roll: () => {
      const t = 1.5 * Math.PI * (1 + 2 * rng.random());
      return [t * Math.cos(t), t * Math.sin(t)];
    },
  };
  // On an arc, near a moon's ends, between the moons; on each circle and between them; on the roll and off its ends.
  const points: Record<keyof typeof arcs, number[][]> = {
    moons: [[0, 1.02], [1.03, 0.01], [-1.0, 0.02], [2.01, 0.48], [0.5, 0.85]],
    circles: [[1.01, 0.02], [0, -0.79], [0.62, 0.6], [0.9, 0]],
    swiss_roll: [[10 * Math.cos(10) + 0.02, 10, 10 * Math.sin(10)], [0.02, 4, -1.5 * Math.PI], [
      4.5 * Math.PI * Math.cos(4.5 * Math.PI) + 0.03,
      12,
      14.1,
    ]],
  };
  for (const name of Object.keys(arcs) as (keyof typeof arcs)[]) {
    for (const x of points[name]) {
      const plane = name === "swiss_roll" ? [x[0], x[2]] : x;
      let sum = 0, squares = 0;
      for (let i = 0; i < draws; i++) {
        const [a, b] = arcs[name]();
        const v = Math.exp(-((plane[0] - a) ** 2 + (plane[1] - b) ** 2) / (2 * NOISE ** 2)) /
          (2 * Math.PI * NOISE ** 2);
        sum += v;
        squares += v * v;
      }
      const mean = sum / draws, se = Math.sqrt((squares / draws - mean * mean) / draws);
      const height = name === "swiss_roll" ? -Math.log(21) : 0; // the height factor at 0 < y < 21, 80 s from both ends
      const quadrature = Math.exp(logDensityAt(name, x) - height);
      assert(mean > 0.01, `${name} at ${x}: a point near the data, for a meaningful estimate (${mean})`);
      assert(
        Math.abs(quadrature - mean) < 4 * se,
        `${name} at ${x}: quadrature ${quadrature}, Monte Carlo ${mean} ± ${se}`,
      );
    }
  }
});

Deno.test("each density integrates to 1 on a grid finer than its noise", () => {
  const mass = (name: DatasetName, box: Parameters<typeof boxMass>[1]): number =>
    boxMass((x) => truthOf(name).logDensity(x), box);
  // Midpoint sums of Gaussians of width s at spacing s/2 are exact to ~exp(-8 pi^2); the boxes reach 10 s past the data.
  const blobCentres = (() => {
    const rng = new Rng(7, "truth", "blobs");
    return Array.from({ length: 6 }, () => -10 + 20 * rng.random());
  })();
  const [xs, ys] = [[0, 2, 4], [1, 3, 5]].map((idx) => idx.map((i) => blobCentres[i]));
  const blobs = mass("blobs", {
    lo: [Math.min(...xs) - 10, Math.min(...ys) - 10],
    hi: [Math.max(...xs) + 10, Math.max(...ys) + 10],
    step: 0.5,
  });
  const moons = mass("moons", { lo: [-1.5, -1], hi: [2.5, 1.5], step: 0.025 });
  const circles = mass("circles", { lo: [-1.5, -1.5], hi: [1.5, 1.5], step: 0.025 });
  for (const [name, m] of Object.entries({ blobs, moons, circles })) assert(Math.abs(m - 1) < 1e-6, `${name}: ${m}`);
  // The swiss roll: its height factor over y on a line, its spiral factor over (x, z) on a polar grid along the
  // tube of radius 0.35 (7 s) around the spiral, where all but e^-24 of its mass lies.
  const s = NOISE;
  const heightLine = matrix(23_000, 3);
  for (let i = 0; i < 23_000; i++) {
    heightLine.data.set([10 * Math.cos(10), -1 + (i + 0.5) * 0.001, 10 * Math.sin(10)], 3 * i);
  }
  const roll = truthOf("swiss_roll");
  const line = roll.logDensity(heightLine), offset = line[11_000] + Math.log(21); // y = 10: height factor 1/21 exactly
  const heightMass = line.reduce((sum, v) => sum + Math.exp(v - offset), 0) * 0.001;
  assert(Math.abs(heightMass - 1) < 1e-6, `height factor: ${heightMass}`);
  const [dPhi, dRho] = [0.004, s / 2];
  const tube: number[] = [];
  for (let phi = dPhi / 2; phi < 2 * Math.PI; phi += dPhi) {
    for (let centre = phi; centre < 4.5 * Math.PI + 0.5; centre += 2 * Math.PI) {
      if (centre < 1.5 * Math.PI - 0.5) continue;
      for (let rho = centre - 0.35 + dRho / 2; rho < centre + 0.35; rho += dRho) {
        tube.push(rho * Math.cos(phi), 10, rho * Math.sin(phi), rho);
      }
    }
  }
  const count = tube.length / 4;
  const points = matrix(count, 3);
  for (let i = 0; i < count; i++) points.data.set(tube.slice(4 * i, 4 * i + 3), 3 * i);
  const values = roll.logDensity(points);
  let spiralMass = 0;
  for (let i = 0; i < count; i++) spiralMass += Math.exp(values[i] + Math.log(21)) * tube[4 * i + 3] * dRho * dPhi;
  assert(Math.abs(spiralMass - 1) < 1e-3, `spiral factor: ${spiralMass}`);
});

Deno.test("independent draws land in a box with the probability the density gives it (|z| < 4)", () => {
  const draws = 20_000;
  const centres = new Rng(7, "truth", "blobs");
  const blobCentre = [-10 + 20 * centres.random(), -10 + 20 * centres.random()];
  const boxes: Record<DatasetName, { lo: [number, number]; hi: [number, number]; y?: [number, number] }> = {
    blobs: { lo: [blobCentre[0] - 1, blobCentre[1] - 0.5], hi: [blobCentre[0] + 0.5, blobCentre[1] + 1.5] },
    moons: { lo: [0.5, -0.6], hi: [1.2, 0.3] },
    circles: { lo: [0.93, -0.4], hi: [1.1, 0.4] }, // the outer circle only: its weight 1/2 matters
    swiss_roll: { lo: [4, -3], hi: [8, 3], y: [2, 6] },
  };
  for (const name of DATASET_NAMES) {
    const truth = truthOf(name);
    const { lo, hi, y } = boxes[name];
    const plane = name === "swiss_roll" ? [0, 2] : [0, 1];
    const x = truth.sampleIid(draws, new Rng(13, "box", name));
    let inside = 0;
    for (let i = 0; i < draws; i++) {
      const row = x.data.subarray(i * x.cols, (i + 1) * x.cols);
      const [a, b] = plane.map((j) => row[j]);
      if (a >= lo[0] && a < hi[0] && b >= lo[1] && b < hi[1] && (!y || (row[1] >= y[0] && row[1] < y[1]))) inside++;
    }
    // The swiss roll's density at height 10 is its spiral factor / 21; the box's height factor is (6 - 2) / 21.
    const step = name === "blobs" ? 0.05 : name === "swiss_roll" ? 0.025 : 0.01;
    const planeMass = boxMass((p) => truth.logDensity(p), { lo, hi, step, height: y ? 10 : undefined });
    const p = y ? planeMass * (y[1] - y[0]) : planeMass;
    const z = (inside / draws - p) / Math.sqrt((p * (1 - p)) / draws);
    assert(p > 0.02, `${name}: the box must hold some mass (${p})`);
    assert(Math.abs(z) < 4, `${name}: ${inside / draws} of the draws in the box, the density gives ${p} (z = ${z})`);
  }
});

Deno.test("far from the data the log-density is finite and lower", () => {
  for (const name of DATASET_NAMES) {
    const truth = truthOf(name);
    const dim = truth.dim;
    const far = matrix(2, dim, Float64Array.from(dim === 2 ? [60, -60, 0.5, 0.2] : [60, -60, 60, -7, 3, -7]));
    const [farAway, near] = truth.logDensity(far);
    assert(Number.isFinite(farAway) && farAway < near - 100, `${name}: ${farAway} vs ${near}`);
  }
});
