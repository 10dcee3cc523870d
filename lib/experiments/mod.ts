/**
 * The registry of experiments that run as grids of independent runs: each
 * names its store folder, the module its workers import, its parameters, how
 * it validates one configuration and the grid of each preset. Sweeps, the
 * runner and the notebooks all go through it.
 *
 * @module
 */

import {
  collapseConfigs,
  DISCRETE_EXPERIMENT,
  DISCRETE_FIELDS,
  discreteConfigs,
  validateDiscreteConfig,
} from "./discrete.ts";
import { GAUSSIAN_EXPERIMENT, GAUSSIAN_FIELDS, gaussianConfigs, validateGaussianConfig } from "./gaussian.ts";
import { KDE_EXPERIMENT, KDE_FIELDS, kdeBandwidthConfigs, kdeConfigs, validateKdeConfig } from "./kde.ts";
import {
  LINEAR_REGRESSION_EXPERIMENT,
  LINEAR_REGRESSION_FIELDS,
  linearRegressionConfigs,
  validateLinearRegressionConfig,
} from "./linear_regression.ts";
import { LM_EXPERIMENT, LM_FIELDS, lmConfigs, validateLmRunConfig } from "../lm/runs.ts";
import { MIXING_EXPERIMENT, MIXING_FIELDS, mixingConfigs, validateMixingConfig } from "./mixing.ts";
import type { PresetName } from "./presets.ts";
import type { ExperimentModule } from "../run/runner.ts";
import { canonicalConfig, type RunConfig } from "../run/store.ts";

/** An experiment as a grid of runs. */
export interface Experiment extends ExperimentModule {
  /** Every parameter a run configuration may have. */
  parameters: readonly string[];
  /** Checks one configuration, naming the first bad field and its allowed values. */
  validate(config: Record<string, unknown>): RunConfig;
  /** The grid of a preset. */
  configs(preset: PresetName): RunConfig[];
}

/** Every registered experiment, by name. */
export const EXPERIMENTS: Readonly<Record<string, Experiment>> = {
  gaussian: {
    ...GAUSSIAN_EXPERIMENT,
    parameters: GAUSSIAN_FIELDS,
    validate: validateGaussianConfig,
    configs: gaussianConfigs,
  },
  kde: {
    ...KDE_EXPERIMENT,
    parameters: KDE_FIELDS,
    validate: validateKdeConfig,
    // The main grid and the bandwidth study (which share some runs at small presets).
    configs: (preset: PresetName): RunConfig[] => {
      const unique = new Map<string, RunConfig>();
      for (const config of [...kdeConfigs(preset), ...kdeBandwidthConfigs(preset)]) {
        unique.set(canonicalConfig(config), config);
      }
      return [...unique.values()];
    },
  },
  linear_regression: {
    ...LINEAR_REGRESSION_EXPERIMENT,
    parameters: LINEAR_REGRESSION_FIELDS,
    validate: validateLinearRegressionConfig,
    configs: linearRegressionConfigs,
  },
  discrete: {
    ...DISCRETE_EXPERIMENT,
    parameters: DISCRETE_FIELDS,
    validate: validateDiscreteConfig,
    // The fixed-length grid and the Replace runs continued until collapse.
    configs: (preset: PresetName): RunConfig[] => [...discreteConfigs(preset), ...collapseConfigs(preset)],
  },
  // One run = one (settings, workflow, seed) of lib/lm/experiment.ts; onnxruntime uses every core per run.
  lm: {
    ...LM_EXPERIMENT,
    parameters: LM_FIELDS,
    validate: validateLmRunConfig,
    configs: lmConfigs,
  },
  mixing: {
    ...MIXING_EXPERIMENT,
    parameters: MIXING_FIELDS,
    validate: validateMixingConfig,
    configs: mixingConfigs,
  },
};

/** The experiment called `name`, or an error listing the registered ones. */
export function experimentByName(name: unknown): Experiment {
  if (typeof name !== "string" || !Object.hasOwn(EXPERIMENTS, name)) {
    throw new RangeError(
      `experiment must be one of ${Object.keys(EXPERIMENTS).map((e) => `"${e}"`).join(", ")}, got ${
        JSON.stringify(name)
      }`,
    );
  }
  return EXPERIMENTS[name];
}
