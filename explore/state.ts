/**
 * The explorer's state and its URL: the family, the workflows, the number of
 * seeds, the sizes n (the figure's colours) and every other field's value,
 * written in full into the query string (defaults too), so that a link gives
 * the same runs even after a family's defaults change:
 *
 * ```
 * ?experiment=gaussian&workflow=Replace,Accumulate&seeds=20&samplesPerIteration=10,100&dim=10&...&metric=traceRatio
 * ```
 *
 * Plain TypeScript (no DOM): the page and the tests share it.
 *
 * @module
 */

import type { Experiment } from "../lib/experiments/define.ts";
import type { Config, Field, Value } from "../lib/experiments/fields.ts";
import { WORKFLOWS } from "../lib/workflows/mod.ts";
import { SIZE_FIELD, unexplorableReason, viewOf } from "./views.ts";

/** Seeds 0 .. seeds - 1, as the notebooks' grids number them; at most this many. */
export const MAX_SEEDS = 500;

/** What the page shows. */
export interface ExplorerState {
  /** The experiment's name in the registry. */
  experiment: string;
  /** The workflows drawn, one column each, in the field's order. */
  workflows: string[];
  /** Runs use seeds 0 .. seeds - 1. */
  seeds: number;
  /** The values of {@linkcode SIZE_FIELD} (one colour each); empty for a family without it. */
  sizes: number[];
  /** Every other field that applies, by name (the seed and workflow excepted). */
  values: Record<string, Value>;
  /** The plotted metric ("" until one is known). */
  metric: string;
}

/** A registry: experiments by name. */
export type Registry = Readonly<Record<string, Experiment>>;

/** The fields the controls set: all but workflow, seed and the sizes. */
export function valueFields(experiment: Experiment): [string, Field][] {
  return Object.entries(experiment.fields).filter(([name]) => !["workflow", "seed", SIZE_FIELD].includes(name));
}

/**
 * The configuration `values` give, and the fields that apply to it: each
 * field whose `when` holds (given the fields before it, defaults included,
 * as validateFields decides) applies, and gets its value if `values` has one.
 * Validation then fills in the defaults.
 */
export function configFor(
  experiment: Experiment,
  values: Readonly<Record<string, Value | undefined>>,
): { config: Config; applicable: Set<string> } {
  const seen: Config = {}, config: Config = {}, applicable = new Set<string>();
  for (const [name, field] of Object.entries(experiment.fields)) {
    if (field.when && !field.when(seen)) continue;
    applicable.add(name);
    const value = values[name];
    if (value !== undefined) {
      config[name] = seen[name] = value;
    } else if (field.default !== undefined) {
      seen[name] = typeof field.default === "function" ? field.default(seen) : field.default;
    }
  }
  return { config, applicable };
}

/** The names of the fields that apply to at least one run of `state` (one per workflow and size). */
export function applicableFields(experiment: Experiment, state: ExplorerState): Set<string> {
  const names = new Set<string>();
  for (const workflow of state.workflows.length > 0 ? state.workflows : [undefined]) {
    for (const size of state.sizes.length > 0 ? state.sizes : [undefined]) {
      const { applicable } = configFor(experiment, { ...state.values, workflow, seed: 0, [SIZE_FIELD]: size });
      for (const name of applicable) names.add(name);
    }
  }
  return names;
}

/** The explorable experiments, in the registry's order. */
export function explorable(registry: Registry): Experiment[] {
  return Object.values(registry).filter((e) => unexplorableReason(e) === undefined);
}

/**
 * The state a family starts in: its view's defaults, else its example, else
 * its fields' defaults; the paper's three workflows; 5 seeds.
 */
export function initialState(experiment: Experiment): ExplorerState {
  const defaults = viewOf(experiment.name).defaults ?? {};
  const example = experiment.example as Record<string, Value | undefined>;
  const workflowField = experiment.fields.workflow;
  const workflows = (defaults.workflows ?? WORKFLOWS).filter((w) => workflowField?.accept(w) !== undefined);
  const exampleSize = example[SIZE_FIELD];
  const sizes = !Object.hasOwn(experiment.fields, SIZE_FIELD)
    ? []
    : [...(defaults.sizes ?? (typeof exampleSize === "number" ? [exampleSize] : [10]))];
  const values: Record<string, Value> = {};
  for (const [name] of valueFields(experiment)) {
    const value = defaults.values?.[name] ?? example[name];
    if (value !== undefined) values[name] = value;
  }
  const state = { experiment: experiment.name, workflows, seeds: defaults.seeds ?? 5, sizes, values, metric: "" };
  return normalizeState(experiment, state);
}

/**
 * `state` with the values of fields that apply to no run dropped and those of
 * required fields that now apply filled in (from the view, the example, the
 * field's default), workflows in the field's order: the form every URL
 * decodes to.
 */
export function normalizeState(experiment: Experiment, state: ExplorerState): ExplorerState {
  const order = choiceValues(experiment.fields.workflow) ?? [...state.workflows];
  const workflows = order.filter((w) => state.workflows.includes(w));
  const sizes = [...new Set(state.sizes)].sort((a, b) => a - b);
  const defaults = viewOf(experiment.name).defaults?.values ?? {};
  const example = experiment.example as Record<string, Value | undefined>;
  let values = { ...state.values };
  // Filling one field in may make another apply (e.g. a verifier's rule): repeat until nothing changes.
  for (let pass = 0; pass < 4; pass++) {
    const applicable = applicableFields(experiment, { ...state, workflows, sizes, values });
    const next: Record<string, Value> = {};
    for (const [name, field] of valueFields(experiment)) {
      if (!applicable.has(name)) continue;
      // A derived default (e.g. the Gaussian's sampling, which depends on the workflow) stays unset: each run
      // derives its own.
      // An optional field left unset stays unset.
      const value = field.optional ? values[name] : values[name] ?? defaults[name] ?? example[name] ??
        (typeof field.default === "function" ? undefined : field.default);
      if (value !== undefined) next[name] = value;
    }
    const same = JSON.stringify(next) === JSON.stringify(values);
    values = next;
    if (same) break;
  }
  return { ...state, workflows, sizes, values };
}

/**
 * The values a choice field allows, read from its description
 * (`one of "a", "b"`) and each confirmed by the field itself; undefined for
 * other fields.
 */
export function choiceValues(field: Field | undefined): string[] | undefined {
  if (!field || field.column !== "string") return undefined;
  const described = field.describe();
  if (!described.startsWith("one of ")) return undefined;
  const values = [...described.matchAll(/"(?:[^"\\]|\\.)*"/g)].map((m) => JSON.parse(m[0]) as string);
  return values.length > 0 && values.every((v) => field.accept(v) === v) ? values : undefined;
}

/** A field's value from its text (a URL parameter, an input box), or a message saying what it allows. */
export function parseValue(
  text: string,
  options: { name: string; field: Field },
): { value: Value } | { error: string } {
  const { name, field } = options;
  const trimmed = text.trim();
  let candidate: Value = trimmed;
  if (field.column === "integer" || field.column === "float") candidate = trimmed === "" ? NaN : Number(trimmed);
  else if (field.column === "mixed" && trimmed !== "" && Number.isFinite(Number(trimmed))) {
    candidate = Number(trimmed);
  } else if (field.column === "boolean") candidate = trimmed === "true";
  const value = field.accept(candidate);
  return value === undefined
    ? { error: `${name} must be ${field.describe()}, got ${JSON.stringify(trimmed)}` }
    : { value };
}

/** The query string of `state` (without "?"): every value, defaults too, in the fields' order. */
export function encodeState(state: ExplorerState, registry: Registry): string {
  const experiment = registry[state.experiment];
  const parts: [string, string][] = [["experiment", state.experiment]];
  if (experiment && Object.hasOwn(experiment.fields, "workflow")) parts.push(["workflow", state.workflows.join(",")]);
  parts.push(["seeds", String(state.seeds)]);
  if (state.sizes.length > 0) parts.push([SIZE_FIELD, state.sizes.join(",")]);
  const order = experiment ? valueFields(experiment).map(([name]) => name) : Object.keys(state.values);
  for (const name of order) {
    if (state.values[name] !== undefined) parts.push([name, String(state.values[name])]);
  }
  if (state.metric !== "") parts.push(["metric", state.metric]);
  const escape = (text: string): string => text.split(",").map(encodeURIComponent).join(",");
  return parts.map(([k, v]) => `${k}=${escape(v)}`).join("&");
}

/**
 * The state a query string describes, and what was wrong with it (each
 * problem names the parameter; its value is then the family's starting one).
 * A missing or unknown experiment gives `fallback` (default: the first
 * explorable one).
 */
export function decodeState(
  query: string,
  options: { registry: Registry; fallback?: string },
): { state: ExplorerState; problems: string[] } {
  const { registry } = options;
  const params = new URLSearchParams(query.startsWith("?") ? query.slice(1) : query);
  const problems: string[] = [];
  const choices = explorable(registry);
  if (choices.length === 0) throw new Error("no experiment in the registry can be explored in a browser");
  const name = params.get("experiment");
  let experiment = choices.find((e) => e.name === (name ?? options.fallback)) ??
    choices.find((e) => e.name === options.fallback) ?? choices[0];
  if (name !== null && experiment.name !== name) {
    const reason = Object.hasOwn(registry, name) ? unexplorableReason(registry[name]) : undefined;
    problems.push(
      reason
        ? `experiment "${name}" cannot be explored here: ${reason}`
        : `experiment must be one of ${choices.map((e) => `"${e.name}"`).join(", ")}, got "${name}"`,
    );
    experiment = choices.find((e) => e.name === options.fallback) ?? choices[0];
  }
  const state = initialState(experiment);
  const list = (text: string): string[] => text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const known = new Set(["experiment", "workflow", "seeds", "metric", SIZE_FIELD]);
  const workflowText = params.get("workflow");
  if (workflowText !== null) {
    const allowed = list(workflowText).filter((w) => {
      const ok = experiment.fields.workflow.accept(w) !== undefined;
      if (!ok) problems.push(`workflow must be ${experiment.fields.workflow.describe()}, got "${w}"`);
      return ok;
    });
    if (allowed.length > 0 || list(workflowText).length === 0) state.workflows = allowed;
  }
  const seedsText = params.get("seeds");
  if (seedsText !== null) {
    const seeds = Number(seedsText);
    if (Number.isInteger(seeds) && seeds >= 1 && seeds <= MAX_SEEDS) state.seeds = seeds;
    else problems.push(`seeds must be an integer in [1, ${MAX_SEEDS}], got "${seedsText}"`);
  }
  const sizesText = params.get(SIZE_FIELD);
  if (sizesText !== null && Object.hasOwn(experiment.fields, SIZE_FIELD)) {
    const parsed = list(sizesText).map((s) =>
      parseValue(s, { name: SIZE_FIELD, field: experiment.fields[SIZE_FIELD] })
    );
    for (const p of parsed) if ("error" in p) problems.push(p.error);
    const sizes = parsed.flatMap((p) => "value" in p ? [p.value as number] : []);
    if (sizes.length > 0) state.sizes = sizes;
  }
  for (const [field, spec] of valueFields(experiment)) {
    known.add(field);
    const text = params.get(field);
    if (text === null) continue;
    if (text === "" && spec.optional) {
      delete state.values[field];
      continue;
    }
    const parsed = parseValue(text, { name: field, field: spec });
    if ("error" in parsed) problems.push(parsed.error);
    else state.values[field] = parsed.value;
  }
  state.metric = params.get("metric") ?? "";
  for (const key of params.keys()) {
    if (!known.has(key)) problems.push(`unknown parameter "${key}" for experiment "${experiment.name}"`);
  }
  return { state: normalizeState(experiment, state), problems };
}
