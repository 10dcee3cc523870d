/**
 * The paper's discrete-distribution experiment (section 6; original notebook
 * 13): a fair k-sided die, n rolls per iteration, the empirical proportions as
 * the fit, under each workflow. Two grids: entropy curves over 100 iterations,
 * and Replace runs continued until the entropy falls below a threshold (1e-8)
 * or a cap, to time the collapse.
 *
 * @module
 */

import { assertKnownFields } from "./fields.ts";
import { assertPositiveInteger, discreteEstimator, rollFairDie } from "../models/discrete.ts";
import { assertPreset, type PresetName } from "./presets.ts";
import { assertSeed, Rng } from "../numerics/rng.ts";
import type { ExperimentModule } from "../run/runner.ts";
import type { RunRow } from "../run/store.ts";
import { assertWorkflow, runWorkflow, type Workflow, WORKFLOWS } from "../workflows/mod.ts";

/** One run of the discrete experiment. */
export interface DiscreteRunConfig {
  [key: string]: string | number;
  /** k, the number of sides of the die. */
  sides: number;
  /** n, rolls per iteration. */
  samplesPerIteration: number;
  workflow: Workflow;
  seed: number;
  /** Iterations, or the cap when stopping early. */
  iterations: number;
  /** Stop after the first iteration whose entropy (nats) is below this; 0 never stops. */
  stopBelowEntropy: number;
}

/** The grids a preset covers. */
export interface DiscreteGrid {
  sides: number[];
  samplesPerIteration: number[];
  seeds: number;
  iterations: number;
  /** Replace runs continued until the entropy falls below `threshold`, or `cap` iterations. */
  collapse: { seeds: number; cap: number; threshold: number; samplesPerIteration: number[] };
}

/** The entropy threshold of the paper's collapse time. */
export const COLLAPSE_THRESHOLD = 1e-8;

/** The grid of each preset. */
export const DISCRETE_GRIDS: Record<PresetName, DiscreteGrid> = {
  smoke: {
    sides: [10, 1000],
    samplesPerIteration: [10, 1000],
    seeds: 3,
    iterations: 20,
    collapse: { seeds: 3, cap: 2000, threshold: COLLAPSE_THRESHOLD, samplesPerIteration: [10, 100] },
  },
  default: {
    sides: [10, 100, 1000, 10_000, 100_000],
    samplesPerIteration: [10, 100, 1000, 10_000, 100_000],
    seeds: 5,
    iterations: 100,
    collapse: {
      seeds: 5,
      cap: 1_000_000,
      threshold: COLLAPSE_THRESHOLD,
      samplesPerIteration: [10, 100, 1000, 10_000, 100_000],
    },
  },
  paper: {
    sides: [10, 100, 1000, 10_000, 100_000],
    samplesPerIteration: [10, 100, 1000, 10_000, 100_000],
    seeds: 100,
    iterations: 100,
    collapse: {
      seeds: 100,
      cap: 1_000_000,
      threshold: COLLAPSE_THRESHOLD,
      samplesPerIteration: [10, 100, 1000, 10_000, 100_000],
    },
  },
};

/** The experiment's entry for {@linkcode runGrid}. */
export const DISCRETE_EXPERIMENT: ExperimentModule = {
  name: "discrete",
  moduleUrl: import.meta.url,
};

export const DISCRETE_FIELDS: readonly string[] = [
  "sides",
  "samplesPerIteration",
  "workflow",
  "seed",
  "iterations",
  "stopBelowEntropy",
];

/** Checks every field of a run configuration, naming the first bad one and the allowed values. */
export function validateDiscreteConfig(config: Record<string, unknown>): DiscreteRunConfig {
  assertKnownFields(config, DISCRETE_FIELDS);
  const { sides, samplesPerIteration, iterations } = config;
  assertPositiveInteger(sides, "sides");
  assertPositiveInteger(samplesPerIteration, "samplesPerIteration");
  assertPositiveInteger(iterations, "iterations");
  assertWorkflow(config.workflow);
  assertSeed(config.seed);
  const stop = config.stopBelowEntropy ?? 0;
  if (typeof stop !== "number" || !(stop >= 0) || !Number.isFinite(stop)) {
    throw new RangeError(`stopBelowEntropy must be a finite number >= 0, got ${JSON.stringify(stop)}`);
  }
  return {
    sides,
    samplesPerIteration,
    workflow: config.workflow,
    seed: config.seed,
    iterations,
    stopBelowEntropy: stop,
  };
}

/** The entropy-curve runs of a preset: every (k, n, workflow, seed), no early stop. */
export function discreteConfigs(preset: PresetName): DiscreteRunConfig[] {
  assertPreset(preset);
  const grid = DISCRETE_GRIDS[preset];
  const configs: DiscreteRunConfig[] = [];
  for (const sides of grid.sides) {
    for (const samplesPerIteration of grid.samplesPerIteration) {
      for (const workflow of WORKFLOWS) {
        for (let seed = 0; seed < grid.seeds; seed++) {
          configs.push({
            sides,
            samplesPerIteration,
            workflow,
            seed,
            iterations: grid.iterations,
            stopBelowEntropy: 0,
          });
        }
      }
    }
  }
  return configs;
}

/** The collapse-time runs of a preset: Replace until the entropy is below the threshold, or the cap. */
export function collapseConfigs(preset: PresetName): DiscreteRunConfig[] {
  assertPreset(preset);
  const grid = DISCRETE_GRIDS[preset];
  const { seeds, cap, threshold, samplesPerIteration: ns } = grid.collapse;
  const configs: DiscreteRunConfig[] = [];
  for (const sides of grid.sides) {
    for (const samplesPerIteration of ns) {
      for (let seed = 0; seed < seeds; seed++) {
        configs.push({
          sides,
          samplesPerIteration,
          workflow: "Replace",
          seed,
          iterations: cap,
          stopBelowEntropy: threshold,
        });
      }
    }
  }
  return configs;
}

/**
 * Whether iteration `t` of a run ending at `last` is stored: every iteration up
 * to 1000, then about 20 per decade (log-spaced), and always the last.
 */
export function isStoredIteration(t: number, last: number): boolean {
  if (t <= 1000 || t === last) return true;
  const j = Math.round(20 * Math.log10(t));
  return t === Math.round(10 ** (j / 20));
}

/**
 * Runs one configuration. The real rolls depend only on (seed, k, n), so the
 * three workflows of a seed share them, and a collapse run repeats the entropy
 * run of the same (seed, k, n) under Replace before continuing it.
 */
export async function run(config: Record<string, unknown>): Promise<RunRow[]> {
  const c = validateDiscreteConfig(config);
  const k = c.sides, n = c.samplesPerIteration;
  const real = rollFairDie(new Rng(c.seed, "die-data", k, n), { sides: k, count: n });
  const records = await runWorkflow(discreteEstimator(k), real, {
    workflow: c.workflow,
    iterations: c.iterations,
    rng: new Rng(c.seed, "die-workflow", c.workflow, k, n),
    onIteration: (record) => !(record.metrics.entropy < c.stopBelowEntropy),
  });
  const last = records.length;
  const collapsed = records[last - 1].metrics.entropy < c.stopBelowEntropy;
  return records.filter((r) => isStoredIteration(r.iteration, last)).map((r) => ({
    ...c,
    iteration: r.iteration,
    trainingSize: r.trainingSize,
    realFraction: r.realFraction,
    ...r.metrics,
    /** Whether the run stopped because the entropy fell below the threshold (same on every row). */
    collapsed: collapsed ? 1 : 0,
  }));
}
