/**
 * The paper's kernel density experiment (section 2; original notebooks 02, 06,
 * 11 and 12): a Gaussian-kernel KDE fitted to n real points of a toy data set,
 * then refitted to its own samples under each workflow, scored at every
 * iteration by the mean negative log-likelihood of 500 real test points drawn
 * once per run. Grids: the main grid (notebook 01), the bandwidth study
 * (notebook 02), fresh real data (notebook 08) and verified synthetic data
 * (notebook 09).
 *
 * Beyond the paper (kde_run.ts): the "Fresh" workflow's fresh points are
 * independent draws from the data set's true distribution
 * (dataset_densities.ts) from a stream of their own; the verifiers score a
 * synthetic point by its log-density under the truth ("oracle": blobs
 * exactly, moons, circles and the swiss roll by quadrature along their arcs)
 * or under the KDE fitted on the real data ("first-fit", a fixed judge).
 *
 * Data streams: the test set (and the blob centres) depend only on (seed,
 * dataset), so every n, bandwidth and workflow of one seed is scored on the
 * same 500 points; the n real training points depend on (seed, dataset, n),
 * so the three workflows of one seed start from the same real data.
 *
 * @module
 */

import { DATASET_NAMES } from "../models/datasets.ts";
import { type Bandwidth, BANDWIDTH_RULES, KERNELS } from "../models/kde.ts";
import { kdeEstimator } from "../models/kde_estimator.ts";
import { runWorkflow, WORKFLOWS } from "../workflows/mod.ts";
import { samplesByIteration } from "../workflows/samples.ts";
import { logGridIterations } from "../workflows/schedule.ts";
import { defineExperiment, type Grid, presets, seeds, workflowRows } from "./define.ts";
import { choice, type ConfigOf, either, integer, real, seed } from "./fields.ts";
import { kdeRunData, kdeWorkflowOptions, TEST_POINTS } from "./kde_run.ts";
import { checkVerifier, FRESH_FRACTIONS, verifiedDraws, verifierFields, WORKFLOW_FIELDS } from "./workflow_fields.ts";

export { kdeRunData, TEST_POINTS } from "./kde_run.ts";

/** The bandwidth study's half-decade bandwidths 0.01, 0.0316, ..., 100, as in the original sweeps. */
export const HALF_DECADE_BANDWIDTHS: number[] = [0.01, 0.0316, 0.1, 0.316, 1.0, 3.16, 10.0, 31.6, 100.0];

const FIELDS = {
  dataset: choice(DATASET_NAMES, { doc: "the toy data set the truth samples" }),
  bandwidth: either<Bandwidth>([real({ greaterThan: 0 }), choice(BANDWIDTH_RULES)], {
    doc: "kernel bandwidth h, or a rule recomputed at every fit from the fitted points' count",
  }),
  kernel: choice(KERNELS, { default: "gaussian", doc: "kernel shape" }),
  samplesPerIteration: integer({ doc: "n: real points, and samples drawn per iteration" }),
  ...WORKFLOW_FIELDS,
  seed: seed(),
  iterations: integer({ doc: "model-fitting iterations (the first fits the real data)" }),
  scoresPerDecade: integer({
    optional: true,
    doc: "score only the iterations round(10^(j / k)), k this many a decade (10: 1, 2, 3, 4, 5, 6, 8, 10, 13, ...), " +
      "and the last (absent: every iteration); each iteration is still fitted and sampled (the same runs, fewer rows)",
  }),
  ...verifierFields(["oracle", "first-fit"]),
  kernelSums: choice(["exact", "binned"], {
    when: (c) => c.workflow === "Accumulate" && typeof c.bandwidth === "string" && c.kernel === "gaussian",
    appliesTo: 'workflow "Accumulate" with a bandwidth rule and the gaussian kernel',
    // A rescan at each scored fit costs n sum(t_k) kernel terms, ~5 T n at 10 a decade; the histogram's updates
    // cost ~11 T n terms' time whatever the schedule (cost below).
    default: (c) => c.scoresPerDecade === undefined ? "binned" : "exact",
    doc: "the test log-likelihood's kernel sums over the pool: exact (a rescan of the pool at every scored fit) or " +
      "binned (each test point's histogram of squared distances, within 4e-13 of the exact log-density); default " +
      "binned, exact where scoresPerDecade is set",
  }),
};

/** A configuration of the KDE experiment. */
export type KdeConfig = ConfigOf<typeof FIELDS>;

const MAIN: Grid = {
  dataset: { values: [...DATASET_NAMES] },
  bandwidth: { values: [0.1, 0.5, 1.0] },
  samplesPerIteration: { values: [10, 32, 100, 316, 1000] },
  workflow: { values: [...WORKFLOWS] },
  seed: seeds(100),
  iterations: { value: 100 },
};

/**
 * The bandwidth study, up to 1000 iterations in "paper", scored at 10
 * iterations a decade (28 of 1000: its figures draw the iteration on a log
 * axis; every iteration is fitted and sampled). A rule's bandwidth changes
 * with the number of fitted points, so no running sum carries over under
 * Accumulate: each scored fit rescans the pool (kernelSums "exact", the
 * default with a schedule), n sum(t_k) ~ 5 T n kernel terms per test point
 * (every iteration scored, a rescan would cost T^2 n / 2, and the histograms
 * of kernelSums "binned" ~11 T n terms' time). The default preset keeps n in
 * {10, 100} and T = 100; "paper" lists the original sweep as it was.
 */
const BANDWIDTH: Grid = {
  ...MAIN,
  bandwidth: { values: [...HALF_DECADE_BANDWIDTHS, ...BANDWIDTH_RULES] },
  iterations: { value: 1000 },
  scoresPerDecade: { value: 10 },
};

/** Fresh real data (notebook 08): one bandwidth and n, the fraction alpha of fresh points per training set. */
const FRESH: Grid = {
  dataset: { values: [...DATASET_NAMES] },
  bandwidth: { value: 0.5 },
  samplesPerIteration: { value: 100 },
  workflow: { value: "Fresh" },
  freshFraction: { values: FRESH_FRACTIONS },
  seed: seeds(100),
  iterations: { value: 100 },
};

/** Verified synthetic data (notebook 09): the paper's workflows, each verifier keeping the best fraction q. */
const VERIFIED: Grid = {
  dataset: { values: [...DATASET_NAMES] },
  bandwidth: { value: 0.5 },
  samplesPerIteration: { value: 100 },
  workflow: { values: [...WORKFLOWS] },
  seed: seeds(100),
  iterations: { value: 100 },
  verifier: { values: ["oracle", "first-fit"] },
  verifierFraction: { values: [0.25, 0.75] },
};

const kde = defineExperiment({
  name: "kde",
  // 2: the kernel sums' exponential in C by a table of 2^(j/16) (last bits of every kernel term changed).
  // 3: the kernel sums' distances, exponents and exponential with fused multiply-adds (last bits changed again).
  // 4: Accumulate's carried sums take in the points at the scored fits only, and sets of 2048 points or more are
  //    summed in spatial order (last bits of the bandwidth grid's Accumulate rows changed; the other grids' rows
  //    are the same bits).
  // 5: a block every point of which may be kept is summed in one pass, relative to the running maximum, and
  //    rescaled; Accumulate at a fixed h wide against the test set sums the points near it by Taylor moments
  //    (kernel_moments.ts; last bits of every row changed).
  version: 5,
  module: import.meta.url,
  description: "a kernel density estimate refitted to its own samples, scored on real test points",
  fields: FIELDS,
  check: checkVerifier,
  grids: {
    main: presets(MAIN, {
      smoke: {
        dataset: { values: ["moons", "swiss_roll"] },
        bandwidth: { values: [0.1, 1.0] },
        samplesPerIteration: { values: [10, 100] },
        seed: seeds(2),
        iterations: { value: 20 },
      },
      default: { seed: seeds(10) },
    }),
    bandwidth: presets(BANDWIDTH, {
      smoke: {
        dataset: { value: "moons" },
        bandwidth: { values: [0.01, 0.1, 1.0, 10.0, ...BANDWIDTH_RULES] },
        samplesPerIteration: { value: 10 },
        seed: seeds(2),
        iterations: { value: 20 },
      },
      default: { samplesPerIteration: { values: [10, 100] }, seed: seeds(5), iterations: { value: 100 } },
    }),
    fresh: presets(FRESH, {
      smoke: { dataset: { values: ["moons", "blobs"] }, seed: seeds(2), iterations: { value: 20 } },
      default: { seed: seeds(5) },
    }),
    verified: presets(VERIFIED, {
      smoke: { dataset: { values: ["moons", "blobs"] }, seed: seeds(2), iterations: { value: 20 } },
      default: { seed: seeds(5) },
    }),
  },
  // Kernel evaluations: each scored iteration scores the test points against the n training points; Accumulate
  // with a fixed bandwidth carries the sums, adding the n new points at every iteration; Accumulate under a rule
  // rescans t n points at each scored iteration t. A verifier scores every draw against the first fit's n points or
  // the truth's quadrature nodes (~1000 near a point).
  cost: (c) => {
    const { samplesPerIteration: n, iterations: t } = c;
    const scored = c.scoresPerDecade === undefined
      ? { count: t, poolSum: t * (t + 1) / 2 }
      : scoredIterations(logGridIterations(t, c.scoresPerDecade as number));
    // The binned route: each new point updates one bin per test point (measured: ~11 exact terms' time), each fit
    // reads a few hundred bins per test point (~1100 terms' time).
    const scans = TEST_POINTS *
      (c.kernelSums === "binned"
        ? 11 * n * t + 1100 * scored.count
        : c.workflow === "Accumulate" && typeof c.bandwidth === "string"
        ? n * scored.poolSum
        : n * (c.workflow === "Accumulate" ? t : scored.count));
    return scans + t * verifiedDraws(c) * (c.verifier === "oracle" ? 1000 : n);
  },
  example: {
    dataset: "moons",
    bandwidth: 0.5,
    samplesPerIteration: 20,
    workflow: "Accumulate",
    seed: 0,
    iterations: 5,
  },
  run: async (c) => {
    const data = kdeRunData(c);
    const estimator = kdeEstimator(data.test, kdeOptions(c));
    return workflowRows(c, await runWorkflow(estimator, data.real, kdeWorkflowOptions(c, data)));
  },
});

export default kde;

/** The estimator's options of a configuration: its bandwidth and kernel, and the binned route where it applies. */
function kdeOptions(c: KdeConfig): Parameters<typeof kdeEstimator>[1] {
  const options = { bandwidth: c.bandwidth as Bandwidth, kernel: c.kernel };
  if (c.kernelSums !== "binned") return options;
  const n = c.samplesPerIteration;
  return { ...options, binned: { firstCount: n, lastCount: n * c.iterations } };
}

/** One point a fitted model generated, for scatter plots (iteration 0: the real training points). */
export interface SamplePoint {
  iteration: number;
  x: number;
  y: number;
  /** The third coordinate (swiss roll only). */
  z?: number;
}

/**
 * Replays a run (the same random streams as its `run`) and returns the real
 * training points (iteration 0) and the samples each listed iteration's model
 * drew (after verification, for a verified run): the collapse panel of
 * notebook 01.
 */
export async function kdeSamplesByIteration(
  config: Record<string, unknown>,
  iterations: readonly number[],
): Promise<SamplePoint[]> {
  const c = kde.validate(config);
  const data = kdeRunData(c);
  const estimator = kdeEstimator(data.test, kdeOptions(c));
  const snapshots = await samplesByIteration(estimator, data.real, { ...kdeWorkflowOptions(c, data), at: iterations });
  return snapshots.flatMap(({ iteration, data: x }) =>
    Array.from({ length: x.rows }, (_, r) => {
      const row = x.data.subarray(r * x.cols, (r + 1) * x.cols);
      return x.cols > 2 ? { iteration, x: row[0], y: row[1], z: row[2] } : { iteration, x: row[0], y: row[1] };
    })
  );
}

/** How many iterations are scored, and the sum of their numbers (a rescan at iteration t reads t n points). */
function scoredIterations(iterations: number[]): { count: number; poolSum: number } {
  return { count: iterations.length, poolSum: iterations.reduce((sum, t) => sum + t, 0) };
}
