/**
 * The paper's language-model experiment (section 4; original notebooks 01 and
 * 08) at laptop size: a small GPT pre-trained once on Moby-Dick (cached), then
 * in every model-fitting iteration a fresh copy of that base fine-tuned on the
 * iteration's chats, scored on real validation chats and sampled to make the
 * next synthetic set (the estimator is lib/lm/estimator.ts). One run is one
 * (settings, workflow, seed); its example texts (a few training chats and
 * samples per iteration) are stored beside its rows as "examples.json".
 * The workflows of a seed share one first fine-tune (lib/lm/first_fit.ts),
 * so their iteration-1 rows are identical, and draw their later fine-tuning
 * orders and sampling seeds from common streams (lm_run.ts). The settings and
 * presets are lm_settings.ts'; the grid "large" runs the same study with
 * `LARGE_GPT_CONFIG`'s shape (sweeps/lm_large.yaml); "fresh" and "verified"
 * run the Fresh workflow and the first-fit verifier (notebooks 08 and 09;
 * lm_run.ts says how).
 *
 * This module loads no language-model code until a run starts, so the
 * registry stays light.
 *
 * @module
 */

import { defineExperiment, type RunRow } from "./define.ts";
import { integer, seed } from "./fields.ts";
import {
  checkLmSettings,
  largeSettings,
  LM_PRESETS,
  LM_RUNS,
  LM_SETTINGS_FIELDS,
  lmGrid,
  perPreset,
} from "./lm_settings.ts";
import { checkVerifier, FRESH_FRACTIONS, verifierFields, WORKFLOW_FIELDS } from "./workflow_fields.ts";

export * from "./lm_settings.ts";

/** The attachment of a run that holds its example texts (training chats and samples per iteration). */
export const EXAMPLES = "examples.json";

/** Example texts kept per iteration. */
export const EXAMPLES_PER_ITERATION = 4;

/**
 * The fractions of fresh chats of the smoke and default presets' "fresh"
 * grid (the paper preset: every family's). Fraction 0 is the main grid's
 * Replace, bit for bit (lm_test.ts), so these leave it out.
 */
export const LM_FRESH_FRACTIONS: readonly number[] = [0.1, 0.5];

/** The workflows of the smoke and default presets' "verified" grid (the paper preset: all three). */
export const LM_VERIFIED_WORKFLOWS: readonly string[] = ["Replace", "Accumulate"];

/** Also keys the shared first iterations (lib/lm/first_fit.ts): a new version fits them anew. */
const VERSION = 2;

const lm = defineExperiment({
  name: "lm",
  version: VERSION,
  module: import.meta.url,
  description: "a small transformer fine-tuned on WordNet chats, then on its own samples",
  fields: {
    ...LM_SETTINGS_FIELDS,
    ...WORKFLOW_FIELDS,
    seed: seed(),
    iterations: integer({ doc: "model-fitting iterations (the first fine-tunes on the real chats)" }),
    // A chat's score: minus its mean token loss under the shared first fine-tune, after the chat-format filter.
    ...verifierFields(["first-fit"]),
  },
  check: (c) => {
    checkLmSettings(c);
    checkVerifier(c);
  },
  grids: {
    main: perPreset((p) => lmGrid(LM_PRESETS[p], LM_RUNS[p])),
    large: perPreset((p) => lmGrid(largeSettings(p), LM_RUNS[p])),
    fresh: perPreset((p) => ({
      ...lmGrid(LM_PRESETS[p], LM_RUNS[p]),
      workflow: { value: "Fresh" },
      freshFraction: { values: p === "paper" ? FRESH_FRACTIONS : LM_FRESH_FRACTIONS },
    })),
    verified: perPreset((p) => ({
      ...lmGrid(LM_PRESETS[p], LM_RUNS[p]),
      ...(p === "paper" ? {} : { workflow: { values: LM_VERIFIED_WORKFLOWS } }),
      verifier: { value: "first-fit" },
      verifierFraction: { values: p === "paper" ? [0.25, 0.5] : [0.5] },
    })),
  },
  // Each run's onnxruntime sessions use every core; parallel workers would also each pre-train the same base.
  maxWorkers: 1,
  // 6 x parameters per trained token and 2 x per scored or sampled token; Accumulate fine-tunes on t x trainPairs
  // chats in iteration t; a verifier keeping the fraction q samples and scores n / q chats per iteration.
  // Pre-training (once per base, cached) is left out.
  cost: (c) => {
    const parameters = 12 * c.nLayers * c.dModel ** 2 + (c.vocabSize + c.contextLength) * c.dModel;
    const t = c.iterations, n = c.trainPairs;
    const trained = c.workflow === "Accumulate" ? (n * t * (t + 1)) / 2 : n * t;
    const drawn = n * (t - 1) * (c.verifier === undefined ? 1 : 2 / (c.verifierFraction ?? 0.5));
    return c.contextLength * parameters * (6 * trained + 2 * (c.validationPairs * t + drawn));
  },
  example: { ...LM_PRESETS.smoke, trainPairs: 32, validationPairs: 16, workflow: "Accumulate", seed: 0, iterations: 2 },
  run: async (c) => {
    const { runLmWorkflow } = await import("./lm_run.ts");
    const { rows, examples } = await runLmWorkflow(c, { examples: EXAMPLES_PER_ITERATION, version: VERSION });
    return { rows: rows.map((r): RunRow => ({ ...c, ...r })), attachments: { [EXAMPLES]: JSON.stringify(examples) } };
  },
});

export default lm;
