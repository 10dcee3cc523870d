/**
 * The language model as an estimator, the one both language-model studies
 * use (`lib/experiments/lm.ts`, `lib/experiments/mixing_lm.ts`): a fit
 * fine-tunes a FRESH copy of the pre-trained base for one epoch on the given
 * chats (AdamW, warm-up then constant learning rate, clipping 1.0); a model is
 * scored by cross-entropy on the real validation chats; a sample exports the
 * model to ONNX and draws chats through onnxruntime, keeping the well-formed
 * ones. Fine-tuning and scoring run on the settings' trainer (trainer.ts:
 * onnxruntime by default, or TensorFlow.js); the eval loss comes with its
 * standard error over the validation chats.
 *
 * @module
 */

import "./worker_location.ts"; // first: before any module that loads transformers.js
import type { Estimator } from "../models/estimator.ts";
import { arrayOps } from "../models/estimator.ts";
import type { Rng } from "../numerics/rng.ts";
import { Progress } from "../util/progress.ts";
import { type BaseModel, toSequences } from "./base.ts";
import { writeHfFolder } from "./onnx_export.ts";
import { loadHfFolder, sampleChats, type SampleSource } from "./sample.ts";
import { FINE_TUNE_DEFAULTS, type LmSettings } from "./settings.ts";
import { createTrainer, type LmTrainer } from "./trainer.ts";
import { meanLossAndSe } from "./weights.ts";

/** A fitted language model and what its fine-tuning measured. */
export interface LmFit {
  trainer: LmTrainer;
  /** Mean token loss of the fine-tuning epoch. */
  trainLoss: number;
  fitSeconds: number;
}

/** What the last `sample` call measured. */
export interface LmSampleInfo {
  /** Well-formed chats / chats generated. */
  acceptRate: number;
  sampleSeconds: number;
}

/** Options of {@linkcode lmEstimator}. */
export interface LmEstimatorOptions {
  settings: LmSettings;
  base: BaseModel;
  /** The real validation chats every model is scored on. */
  validation: readonly string[];
  /** The fine-tuning stream (batch order) of the k-th fit of this estimator, k = 1, 2, ... */
  fitRng: (k: number) => Rng;
  /** The sampling seed of the k-th sample, from the workflow's stream `rng` or a stream of its own. */
  sampleSeed: (k: number, rng: Rng) => number;
  /** A scratch folder for exported models (created, and removed by {@linkcode LmEstimator.close}). */
  workDir: string;
  /** Label of the progress lines of the k-th fit or sample. */
  label?: (step: "fit" | "sample", k: number, size: number) => string;
}

/** The language-model estimator, with what its last sample measured. */
export interface LmEstimator extends Estimator<string[], LmFit> {
  /** Measurements of the last `sample` call, if any. */
  lastSample?: LmSampleInfo;
  /** Each validation chat's mean token loss under the last model evaluated, in the validation set's order. */
  lastChatLosses?: Float64Array;
  /** Removes the scratch folder. */
  close(): void;
}

/**
 * The estimator of one run (see the module doc). `evaluate` returns evalLoss
 * (mean token cross-entropy on the validation chats), evalLossSe (the
 * standard deviation of the chats' own mean token losses over the square root
 * of their number), trainLoss and fitSeconds.
 */
export function lmEstimator(options: LmEstimatorOptions): LmEstimator {
  const { settings, base } = options;
  const contextLength = settings.contextLength;
  const validation = toSequences(base.tokenizer, options.validation, { contextLength });
  const label = options.label ?? ((step, k, size) => `${step} ${k}: ${size} chats`);
  let fits = 0, samples = 0;
  const estimator: LmEstimator = {
    ops: arrayOps<string>(),
    fit: async (texts: string[]): Promise<LmFit> => {
      const k = ++fits;
      const started = performance.now();
      const trainer = await createTrainer(base.config, base.weights, { trainer: settings.trainer, quiet: true });
      const sequences = toSequences(base.tokenizer, texts, { contextLength });
      const progress = new Progress(
        label("fit", k, texts.length),
        Math.ceil(sequences.length / FINE_TUNE_DEFAULTS.batchSize),
        { intervalSeconds: 15 },
      );
      const trainLoss = await trainer.trainEpoch(sequences, options.fitRng(k), {
        ...FINE_TUNE_DEFAULTS,
        learningRate: settings.fineTuneLearningRate,
        onStep: () => progress.tick(),
      });
      return { trainer, trainLoss, fitSeconds: (performance.now() - started) / 1000 };
    },
    evaluate: async (model: LmFit): Promise<Record<string, number>> => {
      const losses = await model.trainer.sequenceLosses(validation);
      estimator.lastChatLosses = losses.sums.map((sum, i) => sum / losses.tokens[i]);
      const { mean, se } = meanLossAndSe(losses);
      return { evalLoss: mean, evalLossSe: se, trainLoss: model.trainLoss, fitSeconds: model.fitSeconds };
    },
    sample: async (model: LmFit, count: number, rng: Rng): Promise<string[]> => {
      const k = ++samples;
      const started = performance.now();
      const folder = `${options.workDir}/model`;
      writeHfFolder(folder, { config: base.config, weights: model.trainer.weights() }, {
        tokenizerDir: base.tokenizerDir,
      });
      // The cached engine runs the exported graph itself: loading it into transformers.js too would be wasted.
      const lm: SampleSource = settings.samplingEngine === "cached"
        ? { dir: folder, tokenizer: base.tokenizer }
        : await loadHfFolder(folder);
      const progress = new Progress(label("sample", k, count), count, { intervalSeconds: 15 });
      let last = 0;
      const { texts, attempted, wellFormed } = await sampleChats(lm, count, {
        seed: options.sampleSeed(k, rng),
        maxNewTokens: contextLength - 1,
        engine: settings.samplingEngine,
        onBatch: (kept) => {
          progress.tick(kept - last);
          last = kept;
        },
      });
      await lm.model?.dispose();
      estimator.lastSample = {
        acceptRate: wellFormed / attempted,
        sampleSeconds: (performance.now() - started) / 1000,
      };
      return texts;
    },
    dispose: (model: LmFit): void => model.trainer.dispose(),
    close: (): void => {
      try {
        Deno.removeSync(options.workDir, { recursive: true });
      } catch { /* nothing to clean */ }
    },
  };
  return estimator;
}
