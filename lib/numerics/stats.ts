/**
 * Summary statistics of a sample: the mean and its standard error, the
 * Monte Carlo error every statistical test and theory check is judged by.
 *
 * @module
 */

/** The mean of `values` and its standard error sd / sqrt(k) (sample sd, divisor k - 1; 0 for one value). */
export function meanAndStandardError(values: ArrayLike<number>): { mean: number; se: number; sd: number; k: number } {
  const k = values.length;
  if (k === 0) throw new RangeError("meanAndStandardError needs at least one value");
  let sum = 0;
  for (let i = 0; i < k; i++) sum += values[i];
  const mean = sum / k;
  let squares = 0;
  for (let i = 0; i < k; i++) squares += (values[i] - mean) ** 2;
  const sd = k > 1 ? Math.sqrt(squares / (k - 1)) : 0;
  return { mean, se: sd / Math.sqrt(k), sd, k };
}
