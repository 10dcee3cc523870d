/**
 * Closed forms of the discrete-distribution experiment (a fair k-sided die
 * refitted to n of its own rolls per iteration), drawn beside the simulations
 * and checked against them.
 *
 * The collision probability C = sum_i p_i^2 of a fit has an exact expectation
 * under Replace and Accumulate: both are linear in C. Refitting on n rolls of a
 * fit p gives E[sum q_i^2 | p] = C + (1 - C)/n, so under Replace
 * 1 - C shrinks by (1 - 1/n) per fit; under Accumulate the fit at iteration
 * t + 1 is (t p + q)/(t + 1), which gives
 * E[1 - C_{t+1} | p] = (1 - C_t)(1 - 1/(n (t + 1)^2)). Iteration 1 fits n rolls of
 * the fair die, whose 1 - C is 1 - 1/k.
 *
 * The mean collapse time of Replace has no such closed form; its reference is
 * a diffusion approximation ({@linkcode diffusionCollapseTime}).
 *
 * Beyond the paper, under the "Fresh" workflow (m fresh fair rolls in each
 * training set) the collision probability follows a linear recursion too
 * ({@linkcode collisionExpectations}).
 *
 * @module
 */

/** The workflows with an exact expected collision probability. */
export type CollisionWorkflow = "Replace" | "Accumulate";

/** Options of {@linkcode expectedCollision}. */
export interface ExpectedCollisionOptions {
  /** k, the sides of the fair die. */
  sides: number;
  /** n, rolls per iteration. */
  samplesPerIteration: number;
}

/**
 * E[sum_i p_i^2] of the fit at `iteration` (1 = the fit of the n real rolls):
 * Replace 1 - (1 - 1/n)^t (1 - 1/k); Accumulate
 * 1 - (1 - 1/k) prod_{s=1}^{t} (1 - 1/(n s^2)), which tends to
 * 1 - (1 - 1/k) sin(pi/sqrt n)/(pi/sqrt n) as t grows.
 */
export function expectedCollision(
  workflow: CollisionWorkflow,
  iteration: number,
  options: ExpectedCollisionOptions,
): number {
  const { sides: k, samplesPerIteration: n } = options;
  if (!Number.isInteger(iteration) || iteration < 1) {
    throw new RangeError(`iteration must be an integer >= 1, got ${iteration}`);
  }
  if (!(Number.isInteger(k) && k >= 1 && Number.isInteger(n) && n >= 1)) {
    throw new RangeError(`sides and samplesPerIteration must be positive integers, got ${k} and ${n}`);
  }
  if (workflow === "Replace") return 1 - (1 - 1 / n) ** iteration * (1 - 1 / k);
  if (workflow === "Accumulate") {
    let spread = (1 - 1 / k) * (1 - 1 / n);
    for (let s = 2; s <= iteration; s++) spread *= 1 - 1 / (n * s * s);
    return 1 - spread;
  }
  throw new RangeError(`workflow must be "Replace" or "Accumulate", got ${JSON.stringify(workflow)}`);
}

/**
 * The diffusion approximation of the mean number of Replace fits until one
 * face is left, from the fair die: -2n(k - 1) ln(1 - 1/k), i.e.
 * -2n sum_i (1 - p_i) ln(1 - p_i) (Kimura and Ohta 1969 for two types,
 * Littler 1975 for k). An APPROXIMATION (the Wright-Fisher chain's diffusion
 * limit, accurate for large n), not an exact expectation: 1.896 n for k = 10,
 * tending to 2n for large k.
 */
export function diffusionCollapseTime(sides: number, samplesPerIteration: number): number {
  if (!(Number.isInteger(sides) && sides >= 2)) throw new RangeError(`sides must be an integer >= 2, got ${sides}`);
  return -2 * samplesPerIteration * (sides - 1) * Math.log(1 - 1 / sides);
}

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
