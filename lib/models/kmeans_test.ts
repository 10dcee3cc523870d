import assert from "node:assert/strict";
import { matrix } from "../numerics/matrix.ts";
import { Rng } from "../numerics/rng.ts";
import { sampleMixture } from "./gmm.ts";
import { kMeansStart, lloyd } from "./kmeans.ts";
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
