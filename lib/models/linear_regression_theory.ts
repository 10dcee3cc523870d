/**
 * The closed forms of the linear-regression experiment (Gerstgrasser et al.
 * 2024): the expected test MSE under Replace and Accumulate on a fixed design,
 * drawn beside the simulations and checked against them.
 *
 * @module
 */

/** The workflows with a closed-form expected test MSE. */
export type ClosedFormWorkflow = "Replace" | "Accumulate";

/** Options of {@linkcode expectedTestMse}. */
export interface ExpectedTestMseOptions {
  sigmaSquared: number;
  /**
   * tr(S (X0^T X0)^{-1}) with S the test points' second-moment matrix: for a
   * fixed design, exact; averaged over Gaussian designs and tests,
   * E tr((X0^T X0)^{-1}) = d / (n - d - 1) ({@linkcode inverseWishartTrace}).
   */
  trace: number;
}

/**
 * The expected test MSE after `iteration` fits (Gerstgrasser et al.): with
 * A = (X0^T X0)^{-1} X0^T, Replace's error is a random walk
 * w_t - w* = A(eps_1 + ... + eps_t), so E = sigma^2 t trace; Accumulate's is
 * w_t - w* = sum_{s <= t} A eps_s / s, so E = sigma^2 trace sum_{s <= t} 1/s^2
 * (bounded by pi^2/6 times the first iteration's).
 */
export function expectedTestMse(
  workflow: ClosedFormWorkflow,
  iteration: number,
  options: ExpectedTestMseOptions,
): number {
  if (!Number.isInteger(iteration) || iteration < 1) {
    throw new RangeError(`iteration must be an integer >= 1, got ${iteration}`);
  }
  const base = options.sigmaSquared * options.trace;
  if (workflow === "Replace") return base * iteration;
  if (workflow === "Accumulate") {
    let sum = 0;
    for (let s = 1; s <= iteration; s++) sum += 1 / (s * s);
    return base * sum;
  }
  throw new RangeError(`workflow must be "Replace" or "Accumulate", got ${JSON.stringify(workflow)}`);
}

/** E tr((X^T X)^{-1}) = d / (n - d - 1) for X (n x d) with N(0, 1) entries; needs n > d + 1. */
export function inverseWishartTrace(dim: number, samples: number): number {
  if (!(samples > dim + 1)) {
    throw new RangeError(`E tr((X^T X)^-1) is finite only for n > d + 1, got n = ${samples}, d = ${dim}`);
  }
  return dim / (samples - dim - 1);
}

/**
 * The expected test MSE of least squares on `samples` synthetic rows of fresh
 * Gaussian inputs x ~ N(0, I_d), labelled y = x^T w_1 + sigma eps by a first
 * fit w_1 on `pool` real rows (the real-versus-synthetic study's
 * synthetic-only baseline): the first fit's error and the refit's add,
 * sigma^2 (d/(R - d - 1) + d/(m - d - 1)), R = pool, m = samples, both > d + 1.
 * With no first fit (real rows only) it is sigma^2 d/(m - d - 1), i.e.
 * `sigmaSquared * inverseWishartTrace(d, m)`.
 */
export function expectedRefitMse(
  dim: number,
  options: { pool: number; samples: number; sigmaSquared: number },
): number {
  return options.sigmaSquared * (inverseWishartTrace(dim, options.pool) + inverseWishartTrace(dim, options.samples));
}
