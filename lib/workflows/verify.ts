/**
 * Verified synthetic data (after Feng et al., "Beyond model collapse: scaling
 * up with synthesized data requires verification"): before a refit, each
 * synthetic point is scored and only the accepted ones are kept, either the
 * top fraction q of a draw or every point scoring at least a threshold,
 * drawing again until the quota is met or a budget of draws runs out.
 *
 * @module
 */

import type { Estimator } from "../models/estimator.ts";
import type { Rng } from "../numerics/rng.ts";

/** How a verifier decides. */
export type VerifierRule = { fraction: number } | { threshold: number };

/** A verifier of synthetic data. */
export interface Verifier<D> {
  /** One score per point of `data`; higher is better. */
  score(data: D): Float64Array | Promise<Float64Array>;
  /**
   * `{ fraction: q }`: draw ceil(count / q) points and keep the `count` best
   * (q in (0, 1]); `{ threshold }`: keep the points scoring at least it.
   */
  rule: VerifierRule;
  /** The threshold rule draws at most budget x count points per iteration. Default 10. */
  budget?: number;
}

/** What one verified draw kept. */
export interface VerifiedDraw<D> {
  data: D;
  /** Points kept / points drawn. */
  acceptRate: number;
  /** Points drawn in all. */
  drawn: number;
}

/** Throws unless the rule and budget are in range, naming the field. */
export function assertVerifier(verifier: Verifier<unknown>): void {
  const rule = verifier.rule as Record<string, unknown>;
  if ("fraction" in rule) {
    const q = rule.fraction;
    if (typeof q !== "number" || !(q > 0 && q <= 1)) {
      throw new RangeError(`verifier fraction must be a number in (0, 1], got ${JSON.stringify(q)}`);
    }
  } else if (!("threshold" in rule) || typeof rule.threshold !== "number" || Number.isNaN(rule.threshold)) {
    throw new RangeError(`a verifier rule is { fraction } or { threshold }, got ${JSON.stringify(rule)}`);
  }
  const budget = verifier.budget ?? 10;
  if (!Number.isSafeInteger(budget) || budget < 1) {
    throw new RangeError(`verifier budget must be an integer >= 1, got ${JSON.stringify(budget)}`);
  }
}

/** Draws `count` verified points from `model` (fewer when the threshold rule's budget runs out). */
export async function drawVerified<D, M>(
  estimator: Estimator<D, M>,
  model: M,
  options: { count: number; rng: Rng; verifier: Verifier<D> },
): Promise<VerifiedDraw<D>> {
  const { count, rng, verifier } = options;
  const ops = estimator.ops;
  if ("fraction" in verifier.rule) {
    const drawn = Math.ceil(count / verifier.rule.fraction);
    const batch = await estimator.sample(model, drawn, rng);
    const scores = await verifier.score(batch);
    // The count best, ties broken by draw order, kept in draw order.
    const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, count);
    const pool = ops.pool();
    pool.append(batch);
    return { data: pool.select(Int32Array.from(order.sort((a, b) => a - b))), acceptRate: count / drawn, drawn };
  }
  const { threshold } = verifier.rule;
  const budget = (verifier.budget ?? 10) * count;
  const kept = ops.pool();
  let drawn = 0;
  while (kept.size < count && drawn < budget) {
    const batch = await estimator.sample(model, Math.min(count, budget - drawn), rng);
    const size = ops.size(batch);
    drawn += size;
    const scores = await verifier.score(batch);
    const accepted: number[] = [];
    for (let i = 0; i < size && kept.size + accepted.length < count; i++) if (scores[i] >= threshold) accepted.push(i);
    if (accepted.length > 0) {
      const pool = ops.pool();
      pool.append(batch);
      kept.append(pool.select(Int32Array.from(accepted)));
    }
  }
  if (kept.size === 0) {
    throw new RangeError(
      `the verifier accepted none of ${drawn} synthetic points (threshold ${threshold}, budget ${budget / count}): ` +
        "lower the threshold or raise the budget",
    );
  }
  return { data: kept.all(), acceptRate: kept.size / drawn, drawn };
}
