/**
 * The page's controls, derived from an experiment's field declarations (plain
 * TypeScript; web/controls.ts turns them into elements): a choice field is a
 * menu of its values, a number a text box suggesting the values of the
 * family's grids, the sizes n a comma-separated list, the workflows
 * checkboxes. A family added to the registry gets its controls this way,
 * with no page code.
 *
 * @module
 */

import type { Experiment } from "../lib/experiments/define.ts";
import type { Field, Value } from "../lib/experiments/fields.ts";
import { PRESET_NAMES } from "../lib/experiments/presets.ts";
import { applicableFields, choiceValues, type ExplorerState, valueFields } from "./state.ts";
import { SIZE_FIELD } from "./views.ts";

/** One control. */
export interface ControlSpec {
  /** The field's name (the URL's parameter). */
  name: string;
  /** "menu": one of `options`; "text": free text checked by the field; "list": comma-separated values. */
  kind: "menu" | "text" | "list";
  /** The value shown now, as text ("" when unset). */
  text: string;
  /** A menu's values (an optional field's first is "", meaning unset). */
  options: string[];
  /** Values suggested for a text box: those the family's grids use. */
  suggestions: string[];
  /** The field's meaning (its declaration's doc). */
  doc: string;
  /** What it allows, in words. */
  allowed: string;
  /** The field's default is computed per run (e.g. from the workflow): unset means "derived". */
  derived: boolean;
}

/** The values the family's grids give `field` (every grid, every preset), as text, in order, once each. */
export function gridSuggestions(experiment: Experiment, field: string): string[] {
  const out = new Set<string>();
  for (const grid of Object.keys(experiment.grids)) {
    for (const preset of PRESET_NAMES) {
      for (const value of experiment.gridValues(preset, grid)[field] ?? []) out.add(String(value));
    }
  }
  const example = (experiment.example as Record<string, Value | undefined>)[field];
  if (example !== undefined) out.add(String(example));
  return [...out];
}

function control(experiment: Experiment, options: { name: string; field: Field; text: string }): ControlSpec {
  const { name, field, text } = options;
  const choices = choiceValues(field);
  const derived = typeof field.default === "function";
  const base = {
    name,
    text,
    doc: field.doc,
    allowed: field.describe(),
    derived,
    suggestions: choices
      ? []
      : gridSuggestions(experiment, name).filter((v) => field.accept(asValue(field, v)) !== undefined),
  };
  if (choices) return { ...base, kind: "menu", options: field.optional || derived ? ["", ...choices] : choices };
  return { ...base, kind: "text", options: [] };
}

function asValue(field: Field, text: string): Value {
  if (field.column === "integer" || field.column === "float") return Number(text);
  if (field.column === "mixed" && Number.isFinite(Number(text))) return Number(text);
  return text;
}

/** The controls of `state`'s experiment besides workflows and seeds: the sizes, then each field that applies, in declaration order. */
export function controlsFor(experiment: Experiment, state: ExplorerState): ControlSpec[] {
  const applicable = applicableFields(experiment, state);
  const out: ControlSpec[] = [];
  if (Object.hasOwn(experiment.fields, SIZE_FIELD)) {
    const sizes = { name: SIZE_FIELD, field: experiment.fields[SIZE_FIELD], text: state.sizes.join(", ") };
    out.push({ ...control(experiment, sizes), kind: "list" });
  }
  for (const [name, field] of valueFields(experiment)) {
    if (!applicable.has(name)) continue;
    const value = state.values[name];
    out.push(control(experiment, { name, field, text: value === undefined ? "" : String(value) }));
  }
  return out;
}

/** The workflow checkboxes: every workflow the field allows, in its order, and which are on. */
export function workflowChoices(experiment: Experiment, state: ExplorerState): { workflow: string; on: boolean }[] {
  return (choiceValues(experiment.fields.workflow) ?? []).map((w) => ({
    workflow: w,
    on: state.workflows.includes(w),
  }));
}
