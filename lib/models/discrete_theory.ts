/**
 * Exact expectations of the die experiment: the collision probability
 * sum_i p_i^2 of the fitted proportions (the chance that two rolls of the fit
 * agree; 1/k for the fair die, 1 once collapsed to one outcome) under Replace
 * and, beyond the paper, under the "Fresh" workflow. The entropy has no
 * closed form; the collision probability is the quadratic moment that does.
 *
 * @module
 */

/** Options of {@linkcode collisionExpectations}. */
export interface CollisionOptions {
  /** k. */
  sides: number;
  /** n, rolls per training set. */
  samplesPerIteration: number;
  /** m: fresh fair rolls in each training set after the first (0: Replace). */
  freshRolls: number;
  iterations: number;
}

/**
 * E[sum_i p_{t,i}^2] per iteration, and its limit. Iteration 1 fits n fair
 * rolls: c_1 = 1/n + (1 - 1/n)/k. Each later training set pools m fresh fair
 * rolls F ~ Mult(m, 1/k) and s = n - m rolls S ~ Mult(s, p_t) of the last
 * fit, independent given p_t, so with p_{t+1} = (F + S)/n:
 *   sum E F_i^2 = m (1 - 1/k) + m^2/k,  sum E[S_i^2 | p_t] = s + s (s - 1) c_t,
 *   2 sum E F_i E[S_i | p_t] = 2 m s / k,
 *   c_{t+1} = (m (1 - 1/k) + m^2/k + s + s (s - 1) c_t + 2 m s / k) / n^2,
 * linear in c_t, so the expectation passes through. For m = 0 it is
 * c_{t+1} = 1/n + (1 - 1/n) c_t, i.e. 1 - c_t = (1 - 1/n)^t (1 - 1/k): Replace
 * collapses to one outcome (c = 1). For m > 0 its fixed point is
 *   c* = (m (1 - 1/k) + m^2/k + s + 2 m s / k) / (n^2 - s (s - 1)).
 */
export function collisionExpectations(options: CollisionOptions): { collision: number[]; limit: number } {
  const { sides: k, samplesPerIteration: n, freshRolls: m, iterations } = options;
  for (const [field, value] of Object.entries({ sides: k, samplesPerIteration: n, iterations })) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${field} must be an integer >= 1, got ${value}`);
    }
  }
  if (!Number.isSafeInteger(m) || m < 0 || m > n) {
    throw new RangeError(`freshRolls must be an integer in [0, ${n}], got ${m}`);
  }
  const s = n - m;
  const constant = (m * (1 - 1 / k) + (m * m) / k + s + (2 * m * s) / k) / (n * n);
  const slope = (s * (s - 1)) / (n * n);
  const collision: number[] = [];
  let c = 1 / n + (1 - 1 / n) / k;
  for (let t = 1; t <= iterations; t++) {
    if (t > 1) c = constant + slope * c;
    collision.push(c);
  }
  return { collision, limit: constant / (1 - slope) }; // slope = s (s - 1) / n^2 < 1
}
