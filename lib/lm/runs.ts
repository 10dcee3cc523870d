/**
 * The language-model experiment as a grid of runs (its entry in the registry,
 * `lib/experiments.ts`): one run is one (settings, workflow, seed), stored
 * under the configuration `runLmExperiment` has always used, so sweeps and the
 * notebook share their runs. Like settings.ts this module loads none of the
 * language-model code; the runner's workers import experiment.ts, whose
 * `run(config)` does the work.
 *
 * @module
 */

import { assertKnownFields } from "../experiments/fields.ts";
import { assertPreset, type PresetName } from "../experiments/presets.ts";
import type { ExperimentModule } from "../run/runner.ts";
import { assertSeed } from "../numerics/rng.ts";
import type { RunConfig } from "../run/store.ts";
import { assertWorkflow, type Workflow, WORKFLOWS } from "../workflows/mod.ts";
import { FINE_TUNE_DEFAULTS, LM_PRESETS, LM_TRAINER, type LmSettings, validateLmSettings } from "./settings.ts";

/** The stored configuration of one run: the settings, the workflow, the seed and what trained it. */
export interface LmRunConfig extends LmSettings {
  workflow: Workflow;
  seed: number;
  /** `JSON.stringify(FINE_TUNE_DEFAULTS)`: the fine-tuning recipe is part of a run's identity. */
  fineTune: string;
  /** {@linkcode LM_TRAINER}. */
  trainer: string;
}

/** The settings' fields, in {@linkcode LM_PRESETS} order. */
export const LM_SETTINGS_FIELDS: readonly string[] = Object.keys(LM_PRESETS.default);

/**
 * Every field of a run configuration. `fineTune` and `trainer` may be left
 * out (they take the current recipe and trainer) and must equal them if given.
 */
export const LM_FIELDS: readonly string[] = [...LM_SETTINGS_FIELDS, "workflow", "seed", "fineTune", "trainer"];

/**
 * The configuration of run (workflow, seed) of these settings, exactly as
 * `runLmExperiment` stores it: its key names the run's file.
 */
export function lmRunConfig(settings: LmSettings, workflow: Workflow, seed: number): LmRunConfig {
  return {
    ...Object.fromEntries(LM_SETTINGS_FIELDS.map((key) => [key, settings[key]])) as LmSettings,
    workflow,
    seed,
    fineTune: JSON.stringify(FINE_TUNE_DEFAULTS),
    trainer: LM_TRAINER,
  };
}

/**
 * Checks every field of a run configuration, naming the first bad one. `seed`
 * must be below `seeds` (the settings' seed count, part of the stored
 * configuration): runLmExperiment runs seeds 0..seeds-1, so such a run is one
 * of its runs.
 */
export function validateLmRunConfig(config: Record<string, unknown>): LmRunConfig {
  assertKnownFields(config, LM_FIELDS);
  const { workflow, seed, fineTune, trainer, ...rest } = config;
  const settings = validateLmSettings(rest);
  assertWorkflow(workflow);
  assertSeed(seed);
  if (seed >= settings.seeds) {
    throw new RangeError(`seed must be < seeds (${settings.seeds}), got ${seed}`);
  }
  const run = lmRunConfig(settings, workflow, seed);
  if (fineTune !== undefined && fineTune !== run.fineTune) {
    throw new RangeError(`fineTune must be ${JSON.stringify(run.fineTune)} (this code's recipe), got ${fineTune}`);
  }
  if (trainer !== undefined && trainer !== run.trainer) {
    throw new RangeError(`trainer must be "${run.trainer}" (this code's trainer), got ${JSON.stringify(trainer)}`);
  }
  return run;
}

/** Every run of a preset: seeds 0..seeds-1 x the three workflows. */
export function lmConfigs(preset: PresetName): LmRunConfig[] {
  assertPreset(preset);
  const settings = LM_PRESETS[preset];
  const configs: LmRunConfig[] = [];
  for (let seed = 0; seed < settings.seeds; seed++) {
    for (const workflow of WORKFLOWS) configs.push(lmRunConfig(settings, workflow, seed));
  }
  return configs;
}

/**
 * Floating-point work of a run, roughly: 6 x parameters per trained token and
 * 2 x per scored or sampled token, every chat counted at the full context.
 * Accumulate fine-tunes on all t x trainPairs chats in iteration t; the other
 * workflows on trainPairs. Pre-training (once per base, cached) is left out.
 */
export function lmRunCost(config: RunConfig): number {
  const c = config as LmRunConfig;
  const parameters = 12 * c.nLayers * c.dModel ** 2 + (c.vocabSize + c.contextLength) * c.dModel;
  const t = c.iterations, n = c.trainPairs;
  const trained = c.workflow === "Accumulate" ? (n * t * (t + 1)) / 2 : n * t;
  const scored = c.validationPairs * t;
  const sampled = n * (t - 1);
  return c.contextLength * parameters * (6 * trained + 2 * (scored + sampled));
}

/** The experiment's entry for the runner: its workers import experiment.ts. */
export const LM_EXPERIMENT: ExperimentModule = {
  name: "lm",
  moduleUrl: new URL("./experiment.ts", import.meta.url).href,
  cost: lmRunCost,
  // Each run's onnxruntime sessions use every core; parallel workers would also each pre-train the same base.
  maxWorkers: 1,
};
