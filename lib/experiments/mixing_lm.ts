/**
 * Real versus synthetic data for the language model (the mixing study of
 * `mixing.ts`, paper section 5): a fresh copy of the pre-trained base is
 * fine-tuned on the first `numReal` real chats plus the first `numSynthetic`
 * chats of a first-generation synthetic set, and scored on the real
 * validation chats (`testLoss` = `evalLoss`). The synthetic set (the base
 * fine-tuned on all `realPool` real chats, then sampled) is drawn once per
 * (settings, seed, pool sizes) and cached like the base, so every grid point
 * of a seed mixes the same chats and a run costs one fine-tune.
 *
 * @module
 */

import type { LmSettings } from "../lm/settings.ts";
import { assertMixCounts } from "../workflows/mixing.ts";
import { defineExperiment, type Grid, type RunRow } from "./define.ts";
import { integer, seed } from "./fields.ts";
import { checkLmSettings, fixedSettings, LM_PRESETS, LM_SETTINGS_FIELDS } from "./lm.ts";

/**
 * The model of the smoke preset of `lm.ts` (2 layers, d_model 48, pre-trained
 * on Moby-Dick plus 1000 disjoint WordNet chats, so that one short epoch
 * already yields chat-shaped samples), with 1024 real training chats and 128
 * validation chats, and the forward-pass sampler.
 */
const SETTINGS: LmSettings = { ...LM_PRESETS.smoke, trainPairs: 1024, validationPairs: 128, samplingEngine: "forward" };
const SMOKE_SETTINGS: LmSettings = { ...SETTINGS, trainPairs: 128, validationPairs: 48 };

/** A grid: real counts x synthetic counts (numReal = 0 for the synthetic-only baselines), pools the largest counts. */
const grid = (settings: LmSettings, counts: { numReal: number[]; numSynthetic: number[]; seeds: number }): Grid => ({
  ...fixedSettings(settings),
  numSynthetic: { values: counts.numSynthetic },
  numReal: { values: counts.numReal },
  realPool: { value: Math.max(...counts.numReal) },
  syntheticPool: { value: Math.max(...counts.numSynthetic) },
  seed: { min: 0, max: counts.seeds - 1 },
});
const syntheticOnly = (g: Grid): Grid => ({
  ...g,
  numSynthetic: { values: (g.numSynthetic as { values: number[] }).values.filter((s) => s > 0) },
  numReal: { value: 0 },
});

const SMOKE = grid(SMOKE_SETTINGS, { numReal: [32, 128], numSynthetic: [0, 128], seeds: 1 });
const DEFAULT = grid(SETTINGS, { numReal: [32, 128, 256, 1024], numSynthetic: [0, 128, 512, 2048], seeds: 2 });
const PAPER = grid(SETTINGS, {
  numReal: [32, 64, 128, 256, 1024],
  numSynthetic: [0, 128, 512, 1024, 2048, 4096],
  seeds: 3,
});

/** Also keys the cached synthetic sets: a new version draws them anew. */
const VERSION = 1;

const mixingLm = defineExperiment({
  name: "mixing_lm",
  version: VERSION,
  module: import.meta.url,
  description: "the language model fine-tuned once on real plus first-generation synthetic chats, by counts of each",
  fields: {
    ...LM_SETTINGS_FIELDS,
    numReal: integer({ min: 0, doc: "real chats used: the first numReal of the real pool" }),
    numSynthetic: integer({ min: 0, doc: "synthetic chats used: the first numSynthetic of the synthetic set" }),
    realPool: integer({ doc: "real chats the first-generation model is fine-tuned on (at most trainPairs)" }),
    syntheticPool: integer({ min: 0, doc: "chats of the first-generation synthetic set" }),
    seed: seed(),
  },
  check: (c) => {
    checkLmSettings(c);
    if (c.realPool > c.trainPairs) {
      throw new RangeError(`realPool must be at most trainPairs (${c.trainPairs}), got ${c.realPool}`);
    }
    assertMixCounts({ ...c, realAvailable: c.realPool, syntheticAvailable: c.syntheticPool });
  },
  grids: {
    main: { smoke: SMOKE, default: DEFAULT, paper: PAPER },
    synthetic_only: { smoke: syntheticOnly(SMOKE), default: syntheticOnly(DEFAULT), paper: syntheticOnly(PAPER) },
  },
  maxWorkers: 1,
  // One fine-tuning epoch on the mix and one scoring pass (the synthetic set is drawn once per seed and cached).
  cost: (c) => (c.numReal + c.numSynthetic + c.validationPairs) * c.contextLength * c.dModel ** 2 + 1,
  example: {
    ...LM_PRESETS.smoke,
    trainPairs: 32,
    validationPairs: 16,
    numReal: 16,
    numSynthetic: 16,
    realPool: 32,
    syntheticPool: 16,
    seed: 0,
  },
  run: async (c): Promise<RunRow[]> => {
    const { runLmMixingPoint } = await import("./mixing_lm_run.ts");
    return [await runLmMixingPoint(c, { version: VERSION })];
  },
});

export default mixingLm;
