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
import { checkLmSettings, fixedSettings, LM_PRESETS, LM_SETTINGS_FIELDS } from "./lm_settings.ts";

/**
 * The model of the smoke preset of `lm.ts` (2 layers, d_model 48, pre-trained
 * on Moby-Dick plus 1000 disjoint WordNet chats, so that one short epoch
 * already yields chat-shaped samples), 128 validation chats, and the cached
 * sampler; the real pool is the grid's largest numReal.
 */
const SETTINGS: LmSettings = { ...LM_PRESETS.smoke, trainPairs: 750, validationPairs: 128, samplingEngine: "cached" };
const SMOKE_SETTINGS: LmSettings = { ...SETTINGS, trainPairs: 32, validationPairs: 48 };

/**
 * The original's counts (num_real 128 ... 12000, num_synthetic 256 ... 40000)
 * divided by 16: num_synthetic reaches 312 times the smallest num_real, as
 * there.
 */
const PAPER_COUNTS = { numReal: [8, 16, 32, 64, 256, 750], numSynthetic: [0, 16, 64, 256, 750, 1250, 2500] };

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

const SMOKE = grid(SMOKE_SETTINGS, { numReal: [8, 32], numSynthetic: [0, 64], seeds: 1 });
// Part of the paper's counts, both ends kept (the same range of ratios, 312 : 1) at half the fits.
const DEFAULT = grid(SETTINGS, { numReal: [8, 32, 256, 750], numSynthetic: [0, 64, 256, 750, 2500], seeds: 3 });
const PAPER = grid(SETTINGS, { ...PAPER_COUNTS, seeds: 5 });

/** Also keys the cached synthetic sets: a new version draws them anew. */
const VERSION = 2;

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
