/**
 * Quantiles of Student's t (the `"t"` interval of lib/plot/bands.ts) and of the standard normal
 * (Bonferroni's threshold of lib/report/theory.ts): jStat's, typed here (the package ships no
 * types). The t quantile is accurate to about 1e-8 relative (e.g. 1.9842169 for t(0.975, 99)),
 * far below what a band can show; the normal one to about 1e-13 far into the tails.
 *
 * @module
 */

import jStatModule from "jstat";

type JStat = {
  studentt: { inv(p: number, dof: number): number };
  normal: { inv(p: number, mean: number, sd: number): number };
};

const jStat = ((jStatModule as unknown as { jStat?: JStat }).jStat ?? jStatModule) as unknown as JStat;

/** The p-quantile of Student's t distribution with `dof` degrees of freedom. */
export function tQuantile(p: number, dof: number): number {
  return jStat.studentt.inv(p, dof);
}

/** The p-quantile of the standard normal distribution. */
export function normalQuantile(p: number): number {
  return jStat.normal.inv(p, 0, 1);
}
