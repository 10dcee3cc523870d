/**
 * Text and tables for the notebooks, computed from the stored rows at render time (`text.ts`, `rows.ts`), and
 * theory checks beside the figures that have a closed form (`theory.ts`).
 *
 * Re-exports; the tests are text_test.ts and theory_test.ts.
 *
 * @module
 */

export { claim, ClaimError, fmt, fmtRange, markdownTable, showMarkdown } from "./text.ts";
export { type GroupedValues, groupValues, type GroupValuesOptions, meanWhere } from "./rows.ts";
export {
  bonferroniThreshold,
  summarizeTheoryChecks,
  theoryCheck,
  type TheoryCheckOptions,
  type TheoryRow,
  type TheorySummary,
  type TheorySummaryOptions,
} from "./theory.ts";
