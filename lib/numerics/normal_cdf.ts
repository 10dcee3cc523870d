/**
 * The standard normal distribution function in log space, for densities that
 * must stay finite far in the tails (the swiss roll's true density integrates
 * a uniform height against Gaussian noise: a point 30 noise widths off the
 * roll still needs a finite log-density to be ranked).
 *
 * @module
 */

/**
 * log erfc(z), from the Chebyshev fit of Numerical Recipes (`erfcc`, relative
 * error below 1.2e-7 for every z), whose form t exp(-z^2 + poly(t)) gives the
 * logarithm without underflow for any z >= 0; negative z use erfc(z) = 2 - erfc(-z).
 */
export function logErfc(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z < 0) return Math.log(2 - Math.exp(logErfc(-z)));
  const t = 1 / (1 + 0.5 * z);
  const poly = -1.26551223 +
    t * (1.00002368 +
        t * (0.37409196 +
            t * (0.09678418 +
                t *
                  (-0.18628806 +
                    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - z * z + poly;
}

/** log Phi(x), Phi the standard normal distribution function: log(erfc(-x / sqrt 2) / 2). */
export function logNormalCdf(x: number): number {
  return logErfc(-x / Math.SQRT2) - Math.LN2;
}

/**
 * log(Phi(b) - Phi(a)) for a <= b, accurate when both lie far in one tail:
 * the difference is taken on the side where both probabilities are small
 * (Phi(b) - Phi(a) = Phi(-a) - Phi(-b)), as a log1p of their ratio.
 */
export function logNormalInterval(a: number, b: number): number {
  if (!(a <= b)) throw new RangeError(`logNormalInterval needs a <= b, got a = ${a}, b = ${b}`);
  if (a === b) return -Infinity;
  if (a >= 0) return logDifference(logNormalCdf(-a), logNormalCdf(-b));
  if (b <= 0) return logDifference(logNormalCdf(b), logNormalCdf(a));
  // Straddling 0: 1 minus two tails, each below 1/2.
  return Math.log1p(-(Math.exp(logNormalCdf(a)) + Math.exp(logNormalCdf(-b))));
}

/** log(e^x - e^y) for x >= y. */
function logDifference(x: number, y: number): number {
  return x + Math.log1p(-Math.exp(y - x));
}
