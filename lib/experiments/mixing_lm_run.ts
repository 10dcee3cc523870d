/**
 * One grid point of the language model's mixing study (`mixing_lm.ts`), and
 * the cached first-generation synthetic set it mixes in. Loaded by the run,
 * never by the registry, since it imports the language-model code.
 *
 * @module
 */

import { type BaseModel, lmCacheDir, type LmData, lmData, prepareBase } from "../lm/base.ts";
import { cachedFolder } from "../lm/cache.ts";
import { lmEstimator } from "../lm/estimator.ts";
import { fnv1a64 } from "../numerics/hash.ts";
import { Rng } from "../numerics/rng.ts";
import { drawSynthetic, scoreMix } from "../workflows/mixing.ts";
import { canonicalConfig, type RunRow } from "./define.ts";
import type { Config } from "./fields.ts";
import { lmSettingsOf } from "./lm.ts";

type PointConfig = Config & {
  numReal: number;
  numSynthetic: number;
  realPool: number;
  syntheticPool: number;
  seed: number;
};

/** Computes one grid point: a row with the configuration, `realFraction`, `testLoss` and the model's metrics. */
export async function runLmMixingPoint(c: PointConfig, options: { version: number }): Promise<RunRow> {
  const settings = lmSettingsOf(c);
  const data = lmData(settings);
  const base = await prepareBase(settings, data);
  const real = data.train.slice(0, c.realPool);
  const synthetic = await syntheticSet(c, { data, base, version: options.version });
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
    };
  } finally {
    estimator.close();
  }
}

/**
 * The first generation's `syntheticPool` chats for (settings, seed, realPool):
 * the base fine-tuned on the first `realPool` real chats, then sampled;
 * computed once and cached under `.cache/lm/`.
 */
async function syntheticSet(
  c: PointConfig,
  context: { data: LmData; base: BaseModel; version: number },
): Promise<string[]> {
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
  return await cachedFolder(dir, {
    marker: "synthetic.json",
    build: async (folder) => {
      const estimator = lmEstimator({
        settings,
        base,
        validation: data.validation,
        workDir: `${folder}/work`,
        fitRng: () => new Rng(c.seed, "mixing-lm-fit", 0),
        // The one synthetic draw takes its sampling seed from this stream.
        sampleSeed: (_, rng) => rng.nextUint32(),
        label: (step, _, size) =>
          `seed ${c.seed}: first generation, ${step === "fit" ? "fine-tuning on" : "sampling"} ${size}`,
      });
      try {
        const texts = await drawSynthetic(estimator, data.train.slice(0, c.realPool), {
          rng: new Rng(c.seed, "mixing-lm-sample"),
          size: c.syntheticPool,
        });
        console.log(`language model seed ${c.seed}: ${texts.length} synthetic chats drawn`);
        Deno.writeTextFileSync(`${folder}/synthetic.json`, JSON.stringify(texts));
      } finally {
        estimator.close();
      }
    },
    load: (path) => Promise.resolve(JSON.parse(Deno.readTextFileSync(`${path}/synthetic.json`)) as string[]),
  });
}
