/**
 * One run of the language-model experiment (`lm.ts`): the workflow over the
 * language-model estimator, with the per-iteration diversity of the training
 * chats and samples and a few example texts. Loaded by the run, never by the
 * registry, since it imports the language-model code.
 *
 * The workflows of a seed share their first iteration (lib/lm/first_fit.ts:
 * one cached fine-tune on the real chats, its score and its samples) and use
 * common random numbers after it: the k-th fine-tune's batch order and the
 * k-th sampling seed come from streams keyed by the seed and k, not by the
 * workflow, so two workflows' curves differ by what they train on, not by
 * their draws.
 *
 * "Fresh" draws its fresh real chats without replacement from the WordNet
 * chats no model has seen (`LmData.unseen`). The verifier "first-fit" scores
 * a sampled chat by minus its mean token loss under the shared first model
 * (the base fine-tuned on the real chats, restored from the first fit's
 * cached weights): a fixed judge on top of the sampler's chat-format filter.
 * A verifier drawing more than n chats from the first model gets the cached
 * n first, then new draws from the restored model (stream "lm-first-more").
 *
 * Tests: lm_test.ts.
 *
 * @module
 */

import { type BaseModel, lmCacheDir, type LmData, lmData, prepareBase, toSequences } from "../lm/base.ts";
import { distinctNgramRatio, tokenEntropy } from "../lm/diversity.ts";
import { type LmEstimator, lmEstimator } from "../lm/estimator.ts";
import { type FirstIteration, sharedFirstIteration, withFirstIteration } from "../lm/first_fit.ts";
import { encode } from "../lm/tokenizer.ts";
import { createTrainer, type LmTrainer } from "../lm/trainer.ts";
import { loadWeights } from "../lm/weights.ts";
import { fnv1a64 } from "../numerics/hash.ts";
import { Rng } from "../numerics/rng.ts";
import { freshFromList } from "../workflows/fresh_pool.ts";
import { type FreshData, runWorkflow, type Workflow } from "../workflows/mod.ts";
import type { Verifier } from "../workflows/verify.ts";
import { canonicalConfig, type RunRow } from "./define.ts";
import type { Config } from "./fields.ts";
import { lmSettingsOf } from "./lm_settings.ts";
import { verifierRule, workflowStream } from "./workflow_fields.ts";

/** A few training texts and samples of one iteration of one run. */
export interface LmExample {
  workflow: Workflow;
  seed: number;
  iteration: number;
  training: string[];
  samples: string[];
}

/** Options of {@linkcode runLmWorkflow}. */
export interface LmWorkflowOptions {
  /** Example texts kept per iteration. */
  examples: number;
  /** The experiment's version: part of the shared first iteration's cache key. */
  version: number;
  /** The settings' data and base, when the caller has them already (else built, or read from the cache). */
  data?: LmData;
  base?: BaseModel;
}

/** The rows (without the configuration) and examples of one valid run configuration. */
export async function runLmWorkflow(
  c: Config & { workflow: Workflow; seed: number; iterations: number },
  options: LmWorkflowOptions,
): Promise<{ rows: RunRow[]; examples: LmExample[] }> {
  const settings = lmSettingsOf(c);
  const data = options.data ?? lmData(settings);
  const { workflow, seed } = c;
  // Before any work: a Fresh run whose fresh chats the unseen ones cannot cover fails here.
  const fresh = workflow === "Fresh" ? freshChats(c, data) : undefined;
  const base = options.base ?? await prepareBase(settings, data);
  // The estimator of iterations from + 1 on: its k-th fit is iteration k + from.
  const estimatorFrom = (from: number, who: string, sampleStream = "lm-sample"): LmEstimator =>
    lmEstimator({
      settings,
      base,
      validation: data.validation,
      // Unique: sweep workers share the process id and may run the same (workflow, seed) of other settings.
      workDir: `${base.dir}/work-${workflow}-${seed}-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`,
      // Common random numbers: keyed by the seed and the iteration, not the workflow. The sampling seed is drawn
      // from a stream of its own, so the workflow's rng only drives Accumulate-Subsample's subsamples.
      fitRng: (k) => new Rng(seed, "lm-fit", k + from),
      sampleSeed: (k) => new Rng(seed, sampleStream, k + from).nextUint32(),
      label: (step, k, size) =>
        `${who} seed ${seed} iteration ${k + from}: ${step === "fit" ? "fine-tuning on" : "sampling"} ${size}`,
    });
  const identity = canonicalConfig({ ...settings, seed, version: options.version });
  let firstIteration: Promise<FirstIteration> | undefined;
  const sharedFirst = (): Promise<FirstIteration> =>
    firstIteration ??= sharedFirstIteration({
      dir: `${lmCacheDir()}/first-fit-${fnv1a64(identity)}`,
      estimator: () => estimatorFrom(0, "every workflow,"),
      real: data.train,
      count: data.train.length,
    });
  // The first model restored from its cached weights: the verifier's judge, and the sampler of more first draws.
  let judge: Promise<LmTrainer> | undefined;
  const firstModel = async (): Promise<LmTrainer> =>
    await (judge ??= sharedFirst().then((first) =>
      createTrainer(base.config, loadWeights(first.dir), { trainer: settings.trainer, quiet: true })
    ));
  let moreDraws: LmEstimator | undefined;
  const more = async (_first: FirstIteration, count: number): Promise<string[]> => {
    moreDraws ??= estimatorFrom(0, "the first model, more:", "lm-first-more");
    const model = { trainer: await firstModel(), trainLoss: NaN, fitSeconds: 0 };
    // Its sampling seed comes from its own stream; this rng is never read.
    return await moreDraws.sample(model, count, new Rng(0, "lm-first-more-unused"));
  };
  const verifier: Verifier<string[]> | undefined = c.verifier === undefined ? undefined : {
    score: async (texts) => {
      const trainer = await firstModel();
      const losses = await trainer.sequenceLosses(toSequences(base.tokenizer, texts, settings));
      return Float64Array.from(losses.sums, (sum, i) => -sum / losses.tokens[i]);
    },
    rule: verifierRule(c),
    budget: c.verifierBudget as number,
  };
  const estimator = withFirstIteration(estimatorFrom(1, workflow), sharedFirst, { more });
  const rows: RunRow[] = [];
  const examples: LmExample[] = [];
  let firstChatLosses: Float64Array | undefined;
  const responses = (texts: readonly string[]): string[] => texts.map((t) => t.split("assistant: ")[1] ?? "");
  const entropy = (texts: readonly string[]): number => tokenEntropy(texts.map((t) => encode(base.tokenizer, t)));
  try {
    await runWorkflow(estimator, data.train, {
      workflow,
      iterations: c.iterations,
      // Fresh keeps Replace's stream (workflow_fields.ts), so freshFraction 0 is Replace.
      rng: new Rng(seed, "lm-workflow", workflowStream(workflow)),
      fresh,
      verifier,
      onIteration: (record, { training = [], samples = [] }) => {
        const sampled = estimator.lastSample;
        estimator.lastSample = undefined;
        const chatLosses = estimator.lastChatLosses!;
        firstChatLosses ??= chatLosses;
        // The verifier's acceptance is verifierAcceptRate here: acceptRate is the sampler's (well-formed chats).
        const { acceptRate: verifierAcceptRate, ...m } = record.metrics;
        rows.push({
          iteration: record.iteration,
          trainingSize: record.trainingSize,
          realFraction: record.realFraction,
          ...m,
          ...(verifierAcceptRate === undefined ? {} : { verifierAcceptRate }),
          evalLossChangeSe: changeSe(chatLosses, firstChatLosses),
          acceptRate: sampled?.acceptRate ?? NaN,
          sampleSeconds: sampled?.sampleSeconds ?? NaN,
          trainDistinct2: distinctNgramRatio(responses(training), 2),
          trainTokenEntropy: entropy(training),
          sampleDistinct2: samples.length ? distinctNgramRatio(responses(samples), 2) : NaN,
          sampleTokenEntropy: samples.length ? entropy(samples) : NaN,
        });
        console.log(
          `${workflow} seed ${seed} iteration ${record.iteration}: eval loss ${m.evalLoss.toFixed(4)}, ` +
            `train loss ${m.trainLoss.toFixed(4)} on ${record.trainingSize} chats ` +
            `(${(100 * record.realFraction).toFixed(0)}% real), fit ${m.fitSeconds.toFixed(0)} s`,
        );
        const rng = new Rng(seed, "lm-examples", workflow, record.iteration);
        const pick = (texts: readonly string[]): string[] =>
          texts.length === 0 ? [] : Array.from(
            rng.sampleWithoutReplacement(texts.length, Math.min(options.examples, texts.length)),
            (i) => texts[i],
          );
        examples.push({
          workflow,
          seed,
          iteration: record.iteration,
          training: pick(training),
          samples: pick(samples),
        });
      },
    });
  } finally {
    estimator.close();
    moreDraws?.close();
    if (judge) (await judge).dispose();
  }
  return { rows, examples };
}

/** The fresh real chats of a Fresh run: every one it can ask for, drawn up front from the unseen chats. */
function freshChats(c: Config & { seed: number; iterations: number }, data: LmData): FreshData<string[]> {
  const fraction = c.freshFraction as number;
  const total = (c.iterations - 1) * Math.round(fraction * data.train.length);
  return { fraction, draw: freshFromList(data.unseen, new Rng(c.seed, "lm-fresh"), { total }) };
}

/**
 * The standard error of the change of the mean per-chat loss since iteration
 * 1: the same validation chats score both models, so it is the per-chat
 * changes' sd over the square root of their number (0 at iteration 1).
 */
function changeSe(chatLosses: Float64Array, first: Float64Array): number {
  const n = chatLosses.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += (chatLosses[i] - first[i]) / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (chatLosses[i] - first[i] - mean) ** 2;
  return Math.sqrt(squares / (n - 1) / n);
}
