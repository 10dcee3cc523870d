/**
 * One grid point of the language model's mixing study (`mixing_lm.ts`), and
 * the cached first-generation synthetic set it mixes in. Loaded by the run,
 * never by the registry, since it imports the language-model code.
 *
 * Tests: mixing_lm_test.ts.
 *
 * @module
 */

import { type BaseModel, lmCacheDir, type LmData, lmData, prepareBase } from "../lm/base.ts";
import { lmEstimator } from "../lm/estimator.ts";
import { type FirstIteration, sharedFirstIteration } from "../lm/first_fit.ts";
import { fnv1a64 } from "../numerics/hash.ts";
import { Rng } from "../numerics/rng.ts";
import { scoreMix } from "../workflows/mixing.ts";
import { canonicalConfig, type RunRow } from "./define.ts";
import type { Config } from "./fields.ts";
import { lmSettingsOf } from "./lm_settings.ts";

type PointConfig = Config & {
  numReal: number;
  numSynthetic: number;
  realPool: number;
  syntheticPool: number;
  seed: number;
};

/**
 * Computes one grid point: a row with the configuration, `realFraction`,
 * `testLoss`, the model's metrics, and the first-generation model's own eval
 * loss (`firstGenerationLoss`, the loss of the model the synthetic chats came
 * from) and acceptance rate.
 */
export async function runLmMixingPoint(c: PointConfig, options: { version: number }): Promise<RunRow> {
  const settings = lmSettingsOf(c);
  const data = lmData(settings);
  const base = await prepareBase(settings, data);
  const real = data.train.slice(0, c.realPool);
  const first = await firstGeneration(c, { data, base, version: options.version });
  const synthetic = first.samples;
  const workDir = `${base.dir}/mixing-${c.seed}-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const estimator = lmEstimator({
    settings,
    base,
    validation: data.validation,
    workDir,
    fitRng: () => new Rng(c.seed, "mixing-lm-fit", c.numReal, c.numSynthetic),
    sampleSeed: () => {
      throw new Error("a grid point samples nothing");
    },
    label: (_, __, size) => `seed ${c.seed}: ${c.numReal} real + ${c.numSynthetic} synthetic = ${size} chats`,
  });
  try {
    const record = await scoreMix(estimator, { real, synthetic }, c);
    console.log(
      `language model seed ${c.seed}: ${c.numReal} real + ${c.numSynthetic} synthetic -> eval loss ${
        record.metrics.evalLoss.toFixed(4)
      }`,
    );
    return {
      ...c,
      family: "language_model",
      realFraction: record.realFraction,
      testLoss: record.metrics.evalLoss,
      ...record.metrics,
      firstGenerationLoss: first.metrics.evalLoss,
      firstGenerationAcceptRate: first.sampleInfo.acceptRate,
    };
  } finally {
    estimator.close();
  }
}

/**
 * The first generation for (settings, seed, realPool, syntheticPool): the
 * base fine-tuned on the first `realPool` real chats, scored, and sampled for
 * `syntheticPool` chats; computed once and cached under `.cache/lm/`
 * (lib/lm/first_fit.ts), so every grid point of a seed mixes the same chats.
 */
function firstGeneration(
  c: PointConfig,
  context: { data: LmData; base: BaseModel; version: number },
): Promise<FirstIteration> {
  const { data, base } = context;
  const settings = lmSettingsOf(c);
  const identity = canonicalConfig({
    ...settings,
    seed: c.seed,
    realPool: c.realPool,
    syntheticPool: c.syntheticPool,
    version: context.version,
  });
  const dir = `${lmCacheDir()}/mixing-synthetic-${fnv1a64(identity)}`;
  return sharedFirstIteration({
    dir,
    estimator: () =>
      lmEstimator({
        settings,
        base,
        validation: data.validation,
        workDir: `${dir}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.work`,
        fitRng: () => new Rng(c.seed, "mixing-lm-fit", 0),
        sampleSeed: () => new Rng(c.seed, "mixing-lm-sample").nextUint32(),
        label: (step, _, size) =>
          `seed ${c.seed}: first generation, ${step === "fit" ? "fine-tuning on" : "sampling"} ${size}`,
      }),
    real: data.train.slice(0, c.realPool),
    count: c.syntheticPool,
  });
}
