/**
 * Student's t quantile, for the `"t"` interval of {@linkcode meanWithBand}: jStat's, typed here
 * (the package ships no types). Accurate to about 1e-8 relative (e.g. 1.9842169 for t(0.975, 99)),
 * far below what a band can show.
 *
 * @module
 */

import jStatModule from "jstat";

type JStat = { studentt: { inv(p: number, dof: number): number } };

const jStat = ((jStatModule as unknown as { jStat?: JStat }).jStat ?? jStatModule) as unknown as JStat;

/** The p-quantile of Student's t distribution with `dof` degrees of freedom. */
export function tQuantile(p: number, dof: number): number {
  return jStat.studentt.inv(p, dof);
}
