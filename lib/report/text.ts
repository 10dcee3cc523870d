/**
 * Notebook text computed from the data: markdown shown at render time
 * ({@linkcode showMarkdown}), numbers formatted for prose ({@linkcode fmt}),
 * tables ({@linkcode markdownTable}), and {@linkcode claim}, which checks a
 * qualitative statement against the same rows the figure was drawn from, so
 * a sentence and its figure cannot disagree: if the claim fails, the render
 * fails.
 *
 * @module
 */

type Jupyter = { md(strings: TemplateStringsArray, ...values: unknown[]): unknown; display(x: unknown): Promise<void> };

function jupyterKernel(): Jupyter | undefined {
  try {
    return (Deno as unknown as { jupyter?: Jupyter }).jupyter;
  } catch {
    return undefined; // the property exists outside the kernel but throws
  }
}

/** Shows markdown: rendered in a notebook, printed elsewhere. */
export async function showMarkdown(text: string): Promise<void> {
  const jupyter = jupyterKernel();
  if (!jupyter) {
    console.log(text);
    return;
  }
  const strings = Object.assign([text], { raw: [text] }) as unknown as TemplateStringsArray;
  await jupyter.display(jupyter.md(strings));
}

/**
 * A number for prose: `digits` significant digits (default 3), thousands
 * separated, without trailing zeros: 2.4, 150, 0.71, 11,000, 0.0032.
 */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "∞" : "−∞";
  if (x === 0) return "0";
  const rounded = Number(x.toPrecision(digits));
  const abs = Math.abs(rounded);
  if (abs >= 1e6 || abs < 1e-4) return rounded.toExponential(digits - 1).replace(/\.?0+e/, "e");
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return rounded.toLocaleString("en-US", { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
}

/**
 * The range of `values` for prose: "0.74 to 1.2" ({@linkcode fmt} with `digits`), or one number when both ends
 * format alike ("0" rather than "0 to 0"). Throws on no values.
 */
export function fmtRange(values: readonly number[], digits = 3): string {
  if (values.length === 0) throw new RangeError("fmtRange needs at least one value");
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const [a, b] = [fmt(lo, digits), fmt(hi, digits)];
  return a === b ? a : `${a} to ${b}`;
}

/** A markdown table of `rows` (their keys, in first-row order, are the columns). */
export function markdownTable(rows: readonly Record<string, string | number>[]): string {
  if (rows.length === 0) return "";
  const columns = Object.keys(rows[0]);
  const cell = (v: string | number | undefined): string =>
    typeof v === "number" ? fmt(v) : String(v ?? "").replaceAll("|", "\\|");
  return [
    `| ${columns.join(" | ")} |`,
    `|${columns.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${columns.map((c) => cell(r[c])).join(" | ")} |`),
  ].join("\n");
}

/** A statement the text makes about the data did not hold. */
export class ClaimError extends Error {
  constructor(statement: string, detail?: string) {
    super(`the notebook's text claims "${statement}", which the data contradict${detail ? `: ${detail}` : ""}`);
    this.name = "ClaimError";
  }
}

/** Returns `statement` if `holds`, else throws a {@linkcode ClaimError} (with `detail`, e.g. the numbers). */
export function claim(holds: boolean, statement: string, detail?: string): string {
  if (!holds) throw new ClaimError(statement, detail);
  return statement;
}
