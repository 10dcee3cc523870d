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
