/**
 * The first model-fitting iteration, computed once and shared: the base
 * fine-tuned on the real chats, scored, and sampled, as the original did with
 * its one "iter1" model for every setting. Iteration 1 is the same
 * computation in every workflow (the same real chats, fine-tuning stream and
 * sampling seed), so the three workflows' runs (separate runs, maybe separate
 * processes) read one cached copy (cache.ts) instead of each fitting its own,
 * and their first rows are identical, not three draws of noise. The mixing
 * study's first-generation synthetic set is the same kind of fit.
 *
 * Tests: first_fit_test.ts.
 *
 * @module
 */

import type { Estimator } from "../models/estimator.ts";
import { Rng } from "../numerics/rng.ts";
import { cachedFolder } from "./cache.ts";
import type { LmEstimator, LmFit, LmSampleInfo } from "./estimator.ts";
import { saveWeights } from "./weights.ts";

/** What the first iteration computed: its metrics, its samples and what sampling them measured. */
export interface FirstIteration {
  /** The cache folder (also holding the fitted weights, weights.bin / weights.json). */
  dir: string;
  /** The estimator's metrics of the fitted model (evalLoss, evalLossSe, trainLoss, fitSeconds). */
  metrics: Record<string, number>;
  /** Each validation chat's mean token loss under the fitted model. */
  chatLosses: number[];
  samples: string[];
  sampleInfo: LmSampleInfo;
}

/** Options of {@linkcode sharedFirstIteration}. */
export interface SharedFirstIterationOptions {
  /** The cache folder: its name must hold everything the fit depends on (settings, seed, version, count). */
  dir: string;
  /** Makes the estimator whose first fit and first sample these are (closed after the build). */
  estimator: () => LmEstimator;
  /** The real chats fitted on. */
  real: string[];
  /** Chats sampled from the fitted model. */
  count: number;
}

/**
 * The first iteration of `options.dir`: read from the cache, or computed
 * (fit, evaluate, sample, with the estimator's first fit and sample streams)
 * and cached; safe from several processes at once.
 */
export function sharedFirstIteration(options: SharedFirstIterationOptions): Promise<FirstIteration> {
  return cachedFolder(options.dir, {
    marker: "first.json",
    build: async (folder) => {
      const estimator = options.estimator();
      try {
        const model = await estimator.fit(options.real);
        const metrics = await estimator.evaluate(model);
        // The language model draws from its own sampling stream (sampleSeed); this one is never read.
        const samples = await estimator.sample(model, options.count, new Rng(0, "first-fit-unused"));
        saveWeights(folder, model.trainer.weights());
        estimator.dispose?.(model);
        const chatLosses = Array.from(estimator.lastChatLosses ?? []);
        const record = { metrics, chatLosses, samples, sampleInfo: estimator.lastSample };
        Deno.writeTextFileSync(`${folder}/first.json`, JSON.stringify(record));
      } finally {
        estimator.close();
      }
    },
    load: (dir) => {
      const record = JSON.parse(Deno.readTextFileSync(`${dir}/first.json`));
      return Promise.resolve({ dir, ...record } as FirstIteration);
    },
  });
}

/** A model of {@linkcode withFirstIteration}: the shared first one, or a later fit. */
export type FirstOrLater = { first: FirstIteration } | LmFit;

/** An estimator whose first fit is a shared {@linkcode FirstIteration}. */
export interface FirstIterationEstimator extends Estimator<string[], FirstOrLater> {
  /** What the last `sample` call measured (the first iteration's: when it was computed). */
  lastSample?: LmSampleInfo;
  /** Each validation chat's mean token loss under the last model evaluated. */
  lastChatLosses?: Float64Array;
  /** Closes the estimator of the later fits. */
  close(): void;
}

/** Options of {@linkcode withFirstIteration}. */
export interface WithFirstIterationOptions {
  /**
   * Draws `count` more chats from the first model, once its cached samples
   * are used up (a verifier may ask for more than one draw of n); without it,
   * asking the first model for other than its cached samples throws.
   */
  more?: (first: FirstIteration, count: number) => Promise<string[]>;
}

/**
 * An estimator whose first fit, score and sample are `first()`'s and whose
 * later ones are `later`'s: give `later` the streams of the second fit on, so
 * that every iteration keeps its own streams. The first model's samples are
 * its cached ones, served in order, then (with `options.more`) new draws.
 */
export function withFirstIteration(
  later: LmEstimator,
  first: () => Promise<FirstIteration>,
  options: WithFirstIterationOptions = {},
): FirstIterationEstimator {
  let fits = 0;
  let served = 0;
  const isFirst = (model: FirstOrLater): model is { first: FirstIteration } => "first" in model;
  const estimator: FirstIterationEstimator = {
    ops: later.ops,
    fit: async (texts: string[]): Promise<FirstOrLater> =>
      ++fits === 1 ? { first: await first() } : await later.fit(texts),
    evaluate: async (model: FirstOrLater): Promise<Record<string, number>> => {
      if (isFirst(model)) {
        estimator.lastChatLosses = Float64Array.from(model.first.chatLosses);
        return { ...model.first.metrics };
      }
      const metrics = await later.evaluate(model);
      estimator.lastChatLosses = later.lastChatLosses;
      return metrics;
    },
    sample: async (model: FirstOrLater, count: number, rng: Rng): Promise<string[]> => {
      if (!isFirst(model)) {
        const texts = await later.sample(model, count, rng);
        estimator.lastSample = later.lastSample;
        return texts;
      }
      const { samples, sampleInfo } = model.first;
      const cached = samples.slice(served, served + count);
      served += cached.length;
      estimator.lastSample = sampleInfo;
      if (cached.length === count) return cached;
      if (!options.more) {
        throw new RangeError(
          `the shared first iteration drew ${samples.length} chats, ${served - cached.length + count} are asked for`,
        );
      }
      return [...cached, ...await options.more(model.first, count - cached.length)];
    },
    dispose: (model: FirstOrLater): void => {
      if (!isFirst(model)) later.dispose?.(model);
    },
    close: (): void => later.close(),
  };
  return estimator;
}
