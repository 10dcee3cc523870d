/**
 * Sweeps: a file (YAML or JSON, like the original's W&B sweep files) that names
 * an experiment and a grid of parameters, in the same form the experiment
 * definitions write their grids in. Parsing validates every grid point before
 * any work starts and names the file's line of whatever is wrong; sharding
 * splits the grid into disjoint slices for a cluster's job array; the shipped
 * files in `sweeps/` are generated from the definitions (`deno task sweeps`).
 *
 * ```yaml
 * experiment: gaussian
 * parameters:
 *   dim: { values: [1, 3, 10] }
 *   seed: { min: 0, max: 99 }      # integers, both ends included
 *   iterations: { value: 100 }
 * ```
 *
 * @module
 */

import { isMap, isNode, isScalar, LineCounter, parseDocument } from "yaml";
import { expandGrid, type Experiment, type Grid, parameterValues } from "../experiments/define.ts";
import { describeFields, type Value } from "../experiments/fields.ts";
import { experimentByName } from "../experiments/mod.ts";
import type { PresetName } from "../experiments/presets.ts";
import type { RunConfig } from "./store.ts";

/** A parsed, validated sweep. */
export interface Sweep {
  experiment: Experiment;
  /** Every grid point, validated (defaults filled in), in the file's order (last parameter varies fastest). */
  configs: RunConfig[];
}

/** A sweep file's error, with the file and line it points at. */
export class SweepError extends Error {
  constructor(source: string, line: number | undefined, message: string) {
    super(`${source}${line ? `:${line}` : ""}: ${message}`);
    this.name = "SweepError";
  }
}

/** Options of {@linkcode parseSweep}. */
export interface ParseSweepOptions {
  /** Where the file points (its path), for error messages. Default "<sweep>". */
  source?: string;
  /** The experiments a sweep may name. Default: the registry (lib/experiments/mod.ts). */
  experiments?: Readonly<Record<string, Experiment>>;
}

/** Parses and validates a sweep's text (YAML, of which JSON is a subset). */
export function parseSweep(text: string, options: ParseSweepOptions | string = {}): Sweep {
  const { source = "<sweep>", experiments } = typeof options === "string" ? { source: options } : options;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    throw new SweepError(source, error.linePos?.[0].line, `not valid YAML/JSON: ${error.message}`);
  }
  const lineOf = (node: unknown): number | undefined => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lines.linePos(range[0]).line : undefined;
  };
  const root = doc.contents;
  if (!isMap(root)) throw new SweepError(source, 1, "a sweep is a mapping with keys experiment and parameters");
  let experiment: Experiment | undefined;
  let parametersNode: unknown;
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    if (key === "experiment") {
      try {
        experiment = experimentByName(isScalar(pair.value) ? pair.value.value : undefined, experiments);
      } catch (error) {
        throw new SweepError(source, lineOf(pair.key), (error as Error).message);
      }
    } else if (key === "parameters") {
      parametersNode = pair.value;
    } else {
      throw new SweepError(
        source,
        lineOf(pair.key),
        `unknown key ${JSON.stringify(key)}; allowed: experiment, parameters`,
      );
    }
  }
  if (!experiment) throw new SweepError(source, 1, "missing key: experiment");
  if (!isMap(parametersNode)) throw new SweepError(source, lineOf(parametersNode) ?? 1, "parameters must be a mapping");

  const fields = Object.keys(experiment.fields);
  const lists: Record<string, Value[]> = {};
  const lineOfParameter = new Map<string, number | undefined>();
  for (const pair of parametersNode.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : "";
    const line = lineOf(pair.key);
    if (!fields.includes(name)) {
      throw new SweepError(
        source,
        line,
        `unknown parameter "${name}" of experiment "${experiment.name}"; allowed: ${fields.join(", ")}`,
      );
    }
    lineOfParameter.set(name, line);
    const spec = isNode(pair.value) ? pair.value.toJSON() : pair.value;
    lists[name] = parameterValues(spec, (message) => {
      throw new SweepError(source, line, `parameter "${name}": ${message}`);
    });
  }
  const configs = expandGrid(lists).map((point) => {
    try {
      return experiment!.validate(point);
    } catch (error) {
      const message = (error as Error).message;
      const field = Object.keys(lists).find((name) => message.startsWith(name) || message.includes(`"${name}"`));
      throw new SweepError(source, field ? lineOfParameter.get(field) : lineOf(parametersNode), message);
    }
  });
  return { experiment, configs };
}

/** Parses `--shard i/N` (0 <= i < N): which slice of the grid to run. */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = match ? Number(match[1]) : NaN, count = match ? Number(match[2]) : NaN;
  if (!match || !(count >= 1) || !(index < count)) {
    throw new RangeError(`--shard must be i/N with 0 <= i < N (e.g. 0/4 ... 3/4), got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

/**
 * The configurations of shard `index` of `count`: every count-th grid point,
 * so shards are disjoint, cover the grid together, and get a similar mix of
 * cheap and expensive runs.
 */
export function shardConfigs<T>(configs: readonly T[], shard: { index: number; count: number }): T[] {
  return configs.filter((_, i) => i % shard.count === shard.index);
}

/** The file name of a grid's sweep file: `<experiment>.yaml` for "main", else `<experiment>_<grid>.yaml`. */
export function sweepFileName(experiment: Experiment, grid: string): string {
  return grid === Object.keys(experiment.grids)[0] ? `${experiment.name}.yaml` : `${experiment.name}_${grid}.yaml`;
}

/**
 * A grid of a preset as a sweep file, with each parameter's meaning and
 * allowed values as comments (and the fields left at their defaults).
 */
export function formatSweep(experiment: Experiment, options: { grid: string; preset: PresetName }): string {
  const grid: Grid = experiment.grids[options.grid][options.preset];
  const docs = new Map(describeFields(experiment.fields).map((d) => [d.name, d]));
  const count = experiment.configs(options.preset, { grid: options.grid }).length;
  const entries = Object.entries(grid).map(([name, spec]) => [name, formatSpec(spec)] as const);
  const width = Math.max(...entries.map(([name, text]) => name.length + text.length + 4));
  const out = [
    `# Generated by \`deno task sweeps\` from the definition of experiment "${experiment.name}"`,
    `# (grid "${options.grid}", preset "${options.preset}"): edit the definition, then regenerate.`,
    `# ${experiment.name} v${experiment.version}: ${experiment.description}; ${count} runs.`,
    `experiment: ${experiment.name}`,
    "parameters:",
    ...entries.map(([name, text]) => {
      const d = docs.get(name)!;
      return `  ${`${name}: ${text}`.padEnd(width)} # ${d.doc ? `${d.doc}: ` : ""}${d.allowed}`;
    }),
  ];
  const defaults = [...docs.values()].filter((d) => !(d.name in grid));
  if (defaults.length > 0) {
    out.push("# Left at their defaults:");
    for (const d of defaults) {
      out.push(`#   ${d.name} (default ${d.default ?? "none"}): ${d.doc ? `${d.doc}: ` : ""}${d.allowed}`);
    }
  }
  return out.join("\n") + "\n";
}

function formatSpec(spec: Grid[string]): string {
  if ("value" in spec) return `{ value: ${JSON.stringify(spec.value)} }`;
  if ("values" in spec) return `{ values: [${spec.values.map((v) => JSON.stringify(v)).join(", ")}] }`;
  return `{ min: ${spec.min}, max: ${spec.max} }`;
}
