/**
 * The truths of the Gaussian-mixture experiment (lib/experiments/gmm.ts): a
 * known 2-D mixture, and the KDE experiment's toy data sets, with their
 * density as a mixture where they have one (the blobs).
 *
 * Tests: lib/experiments/gmm_test.ts, kmeans_test.ts.
 *
 * @module
 */

import { DATASET_NAMES, DATASET_PARAMETERS, datasetSampler, drawBlobCentres, makeBlobs } from "./datasets.ts";
import { type Mixture, sampleMixture } from "./gmm.ts";
import type { Matrix } from "../numerics/matrix.ts";
import type { Rng } from "../numerics/rng.ts";

/** The known truth: a 2-D mixture with weights 0.6, 0.3, 0.1, the two small components 4 apart. */
export const KNOWN_MIXTURE: Mixture = {
  weights: Float64Array.of(0.6, 0.3, 0.1),
  components: [
    { dim: 2, mean: Float64Array.of(-3, 0), covariance: Float64Array.of(1, 0.3, 0.3, 0.5) },
    { dim: 2, mean: Float64Array.of(2, 2), covariance: Float64Array.of(0.5, 0, 0, 0.5) },
    { dim: 2, mean: Float64Array.of(2, -2), covariance: Float64Array.of(0.3, -0.1, -0.1, 0.6) },
  ],
};

/** The known mixture, then the KDE experiment's data sets. */
export const GMM_DATASETS = ["mixture", ...DATASET_NAMES] as const;

/** One of {@linkcode GMM_DATASETS}. */
export type MixtureDataset = typeof GMM_DATASETS[number];

/** A data set's sampler for one run and, where it is a Gaussian mixture, the truth itself. */
export function mixtureDataset(
  dataset: MixtureDataset,
  rng: Rng,
): { sample: (count: number, rng: Rng) => Matrix; truth?: Mixture } {
  if (dataset === "mixture") {
    return { sample: (count, r) => sampleMixture(KNOWN_MIXTURE, count, r), truth: KNOWN_MIXTURE };
  }
  if (dataset !== "blobs") return { sample: datasetSampler(dataset, rng) };
  // As datasetSampler draws them (the centres first, from the data stream), and their mixture.
  const centres = drawBlobCentres(rng);
  const variance = DATASET_PARAMETERS.blobs.clusterStd ** 2;
  const truth: Mixture = {
    weights: new Float64Array(centres.rows).fill(1 / centres.rows),
    components: Array.from({ length: centres.rows }, (_, c) => ({
      dim: centres.cols,
      mean: centres.data.slice(c * centres.cols, (c + 1) * centres.cols),
      covariance: Float64Array.from(
        { length: centres.cols ** 2 },
        (_, m) => (m % (centres.cols + 1) === 0 ? variance : 0),
      ),
    })),
  };
  return { sample: (count, r) => makeBlobs(count, r, { centres }), truth };
}
