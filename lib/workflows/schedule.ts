/**
 * Log-spaced iteration schedules: the iterations t = round(10^(j / k)) for
 * integers j >= 0, k per decade (k = 10: 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20,
 * 25, 32, 40, ..., 1000, 28 of the first 1000). The experiments use them to
 * score or store a few iterations of a long run, evenly on a log axis
 * (`scoresPerDecade` of the KDE's bandwidth study, the stored iterations of
 * the discrete collapse runs).
 *
 * @module
 */

/**
 * Whether `t` is on the log grid of `perDecade` points a decade: some integer
 * j >= 0 has Math.round(10^(j / perDecade)) === t.
 */
export function onLogGrid(t: number, perDecade: number): boolean {
  checkPerDecade(perDecade);
  if (!Number.isInteger(t) || t < 1) return false;
  // Math.round(x) === t exactly for x in [t - 0.5, t + 0.5): j / perDecade in [log10(t - 0.5), log10(t + 0.5)).
  const from = Math.max(0, Math.floor(perDecade * Math.log10(t - 0.5)) - 1);
  const to = Math.ceil(perDecade * Math.log10(t + 0.5)) + 1;
  for (let j = from; j <= to; j++) if (Math.round(10 ** (j / perDecade)) === t) return true;
  return false;
}

/** The iterations 1..last on the log grid of `perDecade` points a decade, and `last`, in increasing order. */
export function logGridIterations(last: number, perDecade: number): number[] {
  checkPerDecade(perDecade);
  const out: number[] = [];
  for (let j = 0;; j++) {
    const t = Math.round(10 ** (j / perDecade));
    if (t >= last) break;
    if (t !== out.at(-1)) out.push(t);
  }
  out.push(last);
  return out;
}

function checkPerDecade(perDecade: number): void {
  if (!Number.isInteger(perDecade) || perDecade < 1) {
    throw new RangeError(`perDecade must be an integer >= 1, got ${JSON.stringify(perDecade)}`);
  }
}
