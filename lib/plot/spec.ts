/**
 * The vega-lite spec types and the pieces both chart builders share: the `$schema` every spec
 * carries, the workflow column order, the faceting, and the rounding of inline data.
 *
 * @module
 */

import type { TopLevelSpec } from "vega-lite";
import { type Workflow, WORKFLOWS } from "../workflows/mod.ts";

/** A top-level vega-lite spec (vega-lite's own `TopLevelSpec` type). */
export type VegaLiteSpec = TopLevelSpec;

// Parts of vega-lite's spec type, derived from TopLevelSpec (vega-lite exports only the top level).
/** A faceted top-level spec. */
export type FacetSpec = Extract<TopLevelSpec, { facet: unknown }>;
/** The layered inner spec of a facet. */
export type LayerSpec = Extract<FacetSpec["spec"], { layer: unknown }>;
/** One unit (mark) layer of a layered spec. */
export type UnitLayer = Extract<LayerSpec["layer"][number], { mark: unknown }>;
/** The encoding block of a unit layer. */
export type Encoding = NonNullable<UnitLayer["encoding"]>;
/** A title block (text, subtitle and their look). */
export type TitleSpec = NonNullable<FacetSpec["title"]>;

/** The column order of every faceted figure: the paper's (the workflows as lib/workflows lists them). */
export const WORKFLOW_ORDER: readonly Workflow[] = WORKFLOWS;

/** The `$schema` of every spec built here: JupyterLab's renderer is vega-lite 5. */
export const VEGA_LITE_V5_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** The column facet of every chart: one column per value of `field`, in {@linkcode WORKFLOW_ORDER}. */
export function workflowColumns(field: string): FacetSpec["facet"] {
  return {
    column: {
      field,
      type: "nominal",
      sort: [...WORKFLOW_ORDER],
      header: { title: null, labelFontSize: 15, labelPadding: 6 },
    },
  };
}

/** Shared (default, as in the paper) or independent y scales and axes across the columns. */
export function resolveY(mode: "shared" | "independent" | undefined): FacetSpec["resolve"] {
  return {
    scale: { y: mode ?? "shared" },
    axis: { y: mode === "independent" ? "independent" : "shared" },
  };
}

/** Rounds to 6 significant digits so inline data (and notebooks) stay small. */
export function round6(v: number): number {
  return Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(6)) : v;
}
