/**
 * Text and tables for the notebooks, computed from the stored rows at render time (`text.ts`), and theory
 * checks beside the figures that have a closed form (`theory.ts`).
 *
 * Re-exports; the tests are text_test.ts and theory_test.ts.
 *
 * @module
 */

export { claim, ClaimError, fmt, markdownTable, showMarkdown } from "./text.ts";
export { theoryCheck, type TheoryCheckOptions, type TheoryRow } from "./theory.ts";
