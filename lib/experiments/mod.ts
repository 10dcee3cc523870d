/**
 * The registry of experiments: every definition the runner, sweep files,
 * shards, merges, the store's checks and the notebooks go through. Adding an
 * experiment is one definition module (see define.ts) listed here.
 *
 * @module
 */

import { assertOneOf } from "../util/one_of.ts";
import type { Experiment } from "./define.ts";
import discrete from "./discrete.ts";
import gaussian from "./gaussian.ts";
import gmm from "./gmm.ts";
import kde from "./kde.ts";
import linearRegression from "./linear_regression.ts";
import logisticRegression from "./logistic_regression.ts";
import lm from "./lm.ts";
import mixing from "./mixing.ts";
import mixingLm from "./mixing_lm.ts";

export type { Experiment } from "./define.ts";

/** Every registered experiment, by name. */
export const EXPERIMENTS: Readonly<Record<string, Experiment>> = Object.fromEntries(
  ([gaussian, kde, linearRegression, discrete, mixing, lm, mixingLm, gmm, logisticRegression] as Experiment[]).map((
    e,
  ) => [e.name, e]),
);

/** The experiment called `name` in `registry` (default: every registered one), or an error listing them. */
export function experimentByName(
  name: unknown,
  registry: Readonly<Record<string, Experiment>> = EXPERIMENTS,
): Experiment {
  assertOneOf(name, Object.keys(registry), "experiment");
  return registry[name];
}
