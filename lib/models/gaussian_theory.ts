/**
 * Exact expectations of the Gaussian experiment's metrics under Replace and
 * Accumulate (derivations in notebook 00 and in gaussian_theory_test.ts),
 * drawn beside the simulations and checked against them.
 *
 * @module
 */

/**
 * Exact expectations of the metrics under Replace and Accumulate, with
 * sigma^2 = 1 and iteration 1 fitting the real data (derivations in the
 * notebook and in gaussian_test.ts):
 * - Replace: E[tr Sigma_t]/d = (1 - 1/n)^t and
 *   E||mu_t||^2 = (d/n) sum_{s<t} (1 - 1/n)^s, which tends to d.
 * - Accumulate: E[tr Sigma_t]/d = (1 - 1/n) prod_{k=2..t} (1 - 1/(k^2 n)),
 *   which tends to sin(pi/sqrt(n)) / (pi/sqrt(n)), and
 *   E||mu_t||^2 = (d/n) (1 + sum_{k=2..t} E[tr Sigma_{k-1}]/(d k^2)) <= (pi^2/6) d/n.
 * Returns one value per iteration 1..iterations; Accumulate-Subsample has none.
 */
export function gaussianExpectations(
  workflow: "Replace" | "Accumulate",
  options: { dim: number; samplesPerIteration: number; iterations: number },
): { traceRatio: number[]; squaredErrorOfMean: number[] } {
  const { dim: d, samplesPerIteration: n, iterations } = options;
  const traceRatio: number[] = [];
  const squaredErrorOfMean: number[] = [];
  let trace = 1 - 1 / n, error = d / n;
  for (let t = 1; t <= iterations; t++) {
    if (t > 1) {
      if (workflow === "Replace") {
        error += (d / n) * trace;
        trace *= 1 - 1 / n;
      } else {
        error += (d * trace) / (n * t * t);
        trace *= 1 - 1 / (t * t * n);
      }
    }
    traceRatio.push(trace);
    squaredErrorOfMean.push(error);
  }
  return { traceRatio, squaredErrorOfMean };
}

/**
 * Exact expectations under the "Fresh" workflow (sigma^2 = 1): every training
 * set after the first holds m = round(fraction n) fresh real points and
 * k = n - m samples of the last model N(mu_t, Sigma_t). Per dimension, with
 * S_t = E[Sigma_t] and M_t = E[mu_t^2] (both linear in the previous ones, so
 * the expectations pass through):
 *   S_{t+1} = (n - 1)/n^2 (m + k S_t) + (k m / n^2) M_t,
 *   M_{t+1} = (m + k S_t)/n^2 + (k/n)^2 M_t,
 * from S_1 = (n - 1)/n, M_1 = 1/n (iteration 1 fits n real points). m = 0 is
 * Replace's recursion. Returns E[tr Sigma_t]/d and E||mu_t||^2 = d M_t per
 * iteration, and their fixed point (the limit as t grows; for m = 0 it is
 * (0, d), Replace's collapse).
 */
export function gaussianFreshExpectations(
  options: { dim: number; samplesPerIteration: number; fraction: number; iterations: number },
): { traceRatio: number[]; squaredErrorOfMean: number[]; limit: { traceRatio: number; squaredErrorOfMean: number } } {
  const { dim: d, samplesPerIteration: n, fraction, iterations } = options;
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fraction must be in [0, 1], got ${fraction}`);
  const m = Math.round(fraction * n), k = n - m;
  const traceRatio: number[] = [], squaredErrorOfMean: number[] = [];
  let s = (n - 1) / n, mu2 = 1 / n;
  for (let t = 1; t <= iterations; t++) {
    if (t > 1) {
      [s, mu2] = [((n - 1) / n ** 2) * (m + k * s) + (k * m / n ** 2) * mu2, (m + k * s) / n ** 2 + (k / n) ** 2 * mu2];
    }
    traceRatio.push(s);
    squaredErrorOfMean.push(d * mu2);
  }
  // The fixed point solves the 2 x 2 linear system S = a + b S + c M, M = e + f S + g M.
  const [a, b, c] = [((n - 1) / n ** 2) * m, ((n - 1) / n ** 2) * k, k * m / n ** 2];
  const [e, f, g] = [m / n ** 2, k / n ** 2, (k / n) ** 2];
  let limit = { traceRatio: 0, squaredErrorOfMean: d };
  if (m > 0) {
    // M = (e + f S) / (1 - g), so S (1 - b - c f / (1 - g)) = a + c e / (1 - g).
    const sStar = (a + (c * e) / (1 - g)) / (1 - b - (c * f) / (1 - g));
    limit = { traceRatio: sStar, squaredErrorOfMean: (d * (e + f * sStar)) / (1 - g) };
  }
  return { traceRatio, squaredErrorOfMean, limit };
}

/**
 * The digamma function psi(x) = d/dx ln Gamma(x) for x > 0: the recurrence
 * psi(x) = psi(x + 1) - 1/x up to x >= 10, then the asymptotic series (error
 * about 1e-14 there).
 */
export function digamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`digamma needs x > 0, got ${x}`);
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const inv2 = 1 / (x * x);
  return shift + Math.log(x) - 0.5 / x -
    inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))));
}

/** E ln det(S / n) for S ~ Wishart_d(n - 1, I): the ML covariance of n points of N(mu, I). */
function expectedLogDetFit(dim: number, samples: number): number {
  let sum = dim * Math.log(2 / samples);
  for (let i = 1; i <= dim; i++) sum += digamma((samples - i) / 2);
  return sum;
}

function assertFitSize(dim: number, samples: number, what: string): void {
  if (!(Number.isInteger(dim) && dim >= 1 && Number.isInteger(samples) && samples > dim + 2)) {
    throw new RangeError(
      `${what}: the expectation is finite only for integers n > d + 2, got n = ${samples}, d = ${dim}`,
    );
  }
}

/**
 * The expected test NLL (nats per point, test points from the truth N(0, I_d))
 * of the maximum-likelihood Gaussian fitted to `samples` points of the truth:
 * (1/2)[d ln 2 pi + E ln det Sigma_hat + (n + 1) d / (n - d - 2)], with
 * E ln det Sigma_hat = sum_{i=1..d} psi((n - i)/2) + d ln(2/n) and
 * E tr(Sigma_hat^-1 (I + mu_hat mu_hat^T)) = (1 + 1/n) n d/(n - d - 2).
 * The truth's own NLL, d (ln 2 pi + 1)/2, is its limit. Needs n > d + 2.
 */
export function expectedFitNll(dim: number, samples: number): number {
  assertFitSize(dim, samples, "expectedFitNll");
  const n = samples;
  return 0.5 * (dim * Math.log(2 * Math.PI) + expectedLogDetFit(dim, n) + (n + 1) * dim / (n - dim - 2));
}

/**
 * The expected test NLL (test points from the truth N(0, I_d)) of the ML
 * Gaussian fitted to `samples` points drawn from the ML fit (mu_1, Sigma_1) of
 * `pool` points of the truth: a first-generation model's synthetic data alone.
 * With Sigma_hat = Sigma_1^(1/2) (W/m) Sigma_1^(1/2), W ~ Wishart(m - 1, I)
 * independent of the first fit: (1/2)[d ln 2 pi + E ln det Sigma_1 +
 * E ln det (W/m) + m/(m - d - 2) ((R + 1) d/(R - d - 2) + d/m)], R = pool,
 * m = samples. Needs R, m > d + 2.
 */
export function expectedRefitNll(dim: number, options: { pool: number; samples: number }): number {
  const { pool: r, samples: m } = options;
  assertFitSize(dim, r, "expectedRefitNll (pool)");
  assertFitSize(dim, m, "expectedRefitNll (samples)");
  const trace = (r + 1) * dim / (r - dim - 2) + dim / m;
  return 0.5 *
    (dim * Math.log(2 * Math.PI) + expectedLogDetFit(dim, r) + expectedLogDetFit(dim, m) + m / (m - dim - 2) * trace);
}
