import assert from "node:assert/strict";
import { matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { sampleMixture } from "./gmm.ts";
import { nativeKernels } from "../numerics/native/mod.ts";
import { clusterSums, kMeansStart, lloyd, nearestCentres, pointDistances } from "./kmeans.ts";
import { KNOWN_MIXTURE } from "./mixture_datasets.ts";

Deno.test("Lloyd's iterations end with every point on its nearest centre, each centre its cluster's mean", () => {
  const x = sampleMixture(KNOWN_MIXTURE, 600, new Rng(1));
  const centres = Float64Array.of(0, 0, 1, 1, 1, -1);
  const labels = lloyd(x, { centres, iterations: 300, relativeTolerance: 0 });
  const sums = new Float64Array(6), counts = new Float64Array(3);
  for (let i = 0; i < 600; i++) {
    const distance = (c: number) =>
      (x.data[2 * i] - centres[2 * c]) ** 2 + (x.data[2 * i + 1] - centres[2 * c + 1]) ** 2;
    for (let c = 0; c < 3; c++) assert(distance(labels[i]) <= distance(c), `point ${i}`);
    counts[labels[i]]++;
    sums[2 * labels[i]] += x.data[2 * i];
    sums[2 * labels[i] + 1] += x.data[2 * i + 1];
  }
  for (let m = 0; m < 6; m++) assert(Math.abs(centres[m] - sums[m] / counts[m >> 1]) < 1e-12);
  // One iteration only: the labels are still brought up to date with the centres it moved.
  const once = Float64Array.of(0, 0, 1, 1, 1, -1);
  const early = lloyd(x, { centres: once, iterations: 1, relativeTolerance: 1e9 });
  for (let i = 0; i < 600; i += 37) {
    const distance = (c: number) => (x.data[2 * i] - once[2 * c]) ** 2 + (x.data[2 * i + 1] - once[2 * c + 1]) ** 2;
    for (let c = 0; c < 3; c++) assert(distance(early[i]) <= distance(c));
  }
});

Deno.test("the restarted k-means start finds the three components of the known mixture in every one of 30 samples", () => {
  // One start merges the two small components in about a fifth of such samples (see KMEANS_RESTARTS).
  for (let seed = 0; seed < 30; seed++) {
    const x = sampleMixture(KNOWN_MIXTURE, 1000, new Rng(seed, "kmeans-test"));
    const { centres } = kMeansStart(x, { components: 3, rng: new Rng(seed) });
    for (const { mean } of KNOWN_MIXTURE.components) {
      const nearest = Math.min(
        ...[0, 1, 2].map((c) => Math.hypot(centres[2 * c] - mean[0], centres[2 * c + 1] - mean[1])),
      );
      assert(nearest < 0.5, `seed ${seed}: no centre near (${mean[0]}, ${mean[1]})`);
    }
  }
  assert.throws(() => kMeansStart(matrix(0, 2), { components: 1, rng: new Rng(0) }), /at least one point/);
});

Deno.test("k-means' passes in C: the TypeScript loops' bits, ties to the first centre included", {
  ignore: nativeKernels() === undefined,
}, () => {
  const rng = new Rng(7);
  for (const d of [1, 2, 3]) {
    const n = 1000;
    const x = matrix(n, d);
    // Coordinates on a grid of quarters, so that many distances tie exactly.
    for (let m = 0; m < x.data.length; m++) x.data[m] = Math.floor(rng.random() * 16) / 4 - 2;
    const centres = new Float64Array(4 * d);
    for (let m = 0; m < centres.length; m++) centres[m] = Math.floor(rng.random() * 8) / 4 - 1;
    centres.copyWithin(3 * d, 0, d); // a duplicate centre: its ties go to the first
    const [a, b] = [new Int32Array(n).fill(-1), new Int32Array(n).fill(-1)];
    assert.equal(nearestCentres(x, { centres, labels: a }), true);
    assert.equal(nearestCentres(x, { centres, labels: b, typescript: true }), true);
    assert.deepEqual(a, b);
    assert(!a.includes(3), "the duplicate centre never wins a tie");
    assert.equal(nearestCentres(x, { centres, labels: a }), false, "no label changes the second time");

    const nearest = new Float64Array(n).map(() => rng.random() * 4);
    const [outA, outB] = [new Float64Array(n), new Float64Array(n)];
    const totalA = pointDistances(x, { point: 17, nearest, out: outA });
    const totalB = pointDistances(x, { point: 17, nearest, out: outB, typescript: true });
    assert.deepEqual(outA, outB);
    assert(Object.is(totalA, totalB), `d = ${d}: totals ${totalA} and ${totalB}`);

    const sums = [new Float64Array(4 * d), new Float64Array(4 * d)];
    const counts = [new Int32Array(4), new Int32Array(4)];
    clusterSums(x, { labels: a, sums: sums[0], counts: counts[0] });
    clusterSums(x, { labels: a, sums: sums[1], counts: counts[1], typescript: true });
    assert.deepEqual(sums[0], sums[1]);
    assert.deepEqual(counts[0], counts[1]);
    assert.equal(counts[0].reduce((s, v) => s + v, 0), n);
  }
});
