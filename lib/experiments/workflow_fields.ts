/**
 * The fields every experiment's workflow takes: the workflow itself, the
 * "Fresh" workflow's fraction of fresh real data, and the verification of
 * synthetic data (lib/workflows). Verification fields are optional, so runs
 * without a verifier keep the identity they always had.
 *
 * Tested through the experiments that use them: lib/experiments/gaussian_test.ts
 * (Fresh against its exact recursion, verifier fields refused where they do not
 * apply) and lib/workflows/fresh_test.ts, verify_test.ts.
 *
 * @module
 */

import { ALL_WORKFLOWS, type Workflow } from "../workflows/mod.ts";
import type { VerifierRule } from "../workflows/verify.ts";
import { choice, type Config, integer, onlyWhere, real } from "./fields.ts";

/** The fractions of fresh real data alpha of every family's "fresh" grid (notebook 08). */
export const FRESH_FRACTIONS: readonly number[] = [0, 0.01, 0.05, 0.1, 0.25, 0.5];

/** `workflow` and `freshFraction` (the latter only for "Fresh"). */
export const WORKFLOW_FIELDS = {
  workflow: choice(ALL_WORKFLOWS, { doc: "what each iteration trains on" }),
  freshFraction: real({
    min: 0,
    max: 1,
    ...onlyWhere("workflow", ["Fresh"]),
    doc: "the fraction of each training set drawn fresh from the real data",
  }),
};

const withVerifier = { when: (c: Config): boolean => c.verifier !== undefined, appliesTo: "runs with a verifier" };

/** The verification fields, for a family whose verifiers are `verifiers`. */
export function verifierFields<const V extends string>(verifiers: readonly V[]): {
  verifier: ReturnType<typeof choice<V>>;
  verifierFraction: ReturnType<typeof real>;
  verifierThreshold: ReturnType<typeof real>;
  verifierBudget: ReturnType<typeof integer>;
} {
  return {
    verifier: choice(verifiers, { optional: true, doc: "scores every synthetic point before it is trained on" }),
    verifierFraction: real({
      greaterThan: 0,
      max: 1,
      optional: true,
      ...withVerifier,
      doc: "keep the best fraction q of each draw",
    }),
    verifierThreshold: real({ optional: true, ...withVerifier, doc: "keep the points scoring at least this" }),
    verifierBudget: integer({
      default: 10,
      ...withVerifier,
      doc: "the threshold rule draws at most budget x n points per iteration",
    }),
  };
}

/** Throws unless a configuration with a verifier names exactly one rule (fraction or threshold). */
export function checkVerifier(c: Config): void {
  if (c.verifier === undefined) return;
  if ((c.verifierFraction === undefined) === (c.verifierThreshold === undefined)) {
    throw new RangeError(
      `verifier "${c.verifier}" needs exactly one of verifierFraction (keep the best fraction) and ` +
        "verifierThreshold (keep the points scoring at least it)",
    );
  }
}

/** The rule of a configuration's verifier. */
export function verifierRule(c: Config): VerifierRule {
  return c.verifierFraction !== undefined
    ? { fraction: c.verifierFraction as number }
    : { threshold: c.verifierThreshold as number };
}

/**
 * The key of a run's workflow stream: "Fresh" draws its synthetic data from
 * Replace's stream, so that freshFraction 0 is Replace bit for bit.
 */
export function workflowStream(workflow: Workflow): Workflow {
  return workflow === "Fresh" ? "Replace" : workflow;
}

/** Points a configuration's verifier draws per iteration to keep n (no verifier: 0; a threshold rule: n). */
export function verifiedDraws(c: Config): number {
  if (c.verifier === undefined) return 0;
  const n = c.samplesPerIteration as number;
  return c.verifierFraction !== undefined ? Math.ceil(n / (c.verifierFraction as number)) : n;
}
