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
