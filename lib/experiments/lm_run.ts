/**
 * One run of the language-model experiment (`lm.ts`): the workflow over the
 * language-model estimator, with the per-iteration diversity of the training
 * chats and samples and a few example texts. Loaded by the run, never by the
 * registry, since it imports the language-model code.
 *
 * @module
 */

import { type BaseModel, type LmData, lmData, prepareBase } from "../lm/base.ts";
import { distinctNgramRatio, tokenEntropy } from "../lm/diversity.ts";
import { lmEstimator } from "../lm/estimator.ts";
import { encode } from "../lm/tokenizer.ts";
import { Rng } from "../numerics/rng.ts";
import { runWorkflow, type Workflow } from "../workflows/mod.ts";
import type { RunRow } from "./define.ts";
import type { Config } from "./fields.ts";
import { lmSettingsOf } from "./lm.ts";

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
  const base = options.base ?? await prepareBase(settings, data);
  const { workflow, seed } = c;
  // Unique: sweep workers share the process id and may run the same (workflow, seed) of other settings.
  const workDir = `${base.dir}/work-${workflow}-${seed}-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const estimator = lmEstimator({
    settings,
    base,
    validation: data.validation,
    workDir,
    fitRng: (k) => new Rng(seed, "lm-fit", workflow, k),
    // The sampling seed is drawn from a stream of its own, so the workflow's rng only drives the subsamples.
    sampleSeed: (k) => new Rng(seed, "lm-sample", workflow, k).nextUint32(),
    label: (step, k, size) =>
      `${workflow} seed ${seed} iteration ${k}: ${step === "fit" ? "fine-tuning on" : "sampling"} ${size}`,
  });
  const rows: RunRow[] = [];
  const examples: LmExample[] = [];
  const responses = (texts: readonly string[]): string[] => texts.map((t) => t.split("assistant: ")[1] ?? "");
  const entropy = (texts: readonly string[]): number => tokenEntropy(texts.map((t) => encode(base.tokenizer, t)));
  try {
    await runWorkflow(estimator, data.train, {
      workflow,
      iterations: c.iterations,
      rng: new Rng(seed, "lm-workflow", workflow),
      onIteration: (record, { training = [], samples = [] }) => {
        const sampled = estimator.lastSample;
        estimator.lastSample = undefined;
        const m = record.metrics;
        rows.push({
          iteration: record.iteration,
          trainingSize: record.trainingSize,
          realFraction: record.realFraction,
          ...m,
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
  }
  return { rows, examples };
}
