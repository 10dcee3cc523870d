/**
 * Sweeps: a file (YAML or JSON, like the original's W&B sweep files) that names
 * an experiment and a grid of parameters. Parsing validates every grid point
 * before any work starts and names the file's line of whatever is wrong;
 * sharding splits the grid into disjoint slices for a cluster's job array.
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
import { type Experiment, experimentByName } from "../experiments/mod.ts";
import type { RunConfig } from "./store.ts";

type Value = string | number | boolean;

/** A parsed, validated sweep. */
export interface Sweep {
  experiment: Experiment;
  /** Every grid point, in the file's order (last parameter varies fastest). */
  configs: RunConfig[];
}

/** A sweep file's error, with the file and line it points at. */
export class SweepError extends Error {
  constructor(source: string, line: number | undefined, message: string) {
    super(`${source}${line ? `:${line}` : ""}: ${message}`);
    this.name = "SweepError";
  }
}

/** Parses and validates a sweep's text (YAML, of which JSON is a subset). */
export function parseSweep(text: string, source = "<sweep>"): Sweep {
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
        experiment = experimentByName(isScalar(pair.value) ? pair.value.value : undefined);
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

  const names: string[] = [];
  const valueLists: Value[][] = [];
  const lineOfParameter = new Map<string, number | undefined>();
  for (const pair of parametersNode.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : "";
    const line = lineOf(pair.key);
    if (!experiment.parameters.includes(name)) {
      throw new SweepError(
        source,
        line,
        `unknown parameter "${name}" of experiment "${experiment.name}"; allowed: ${experiment.parameters.join(", ")}`,
      );
    }
    lineOfParameter.set(name, line);
    names.push(name);
    const spec = isNode(pair.value) ? pair.value.toJSON() : pair.value;
    valueLists.push(parameterValues(spec, {
      fail: (message) => {
        throw new SweepError(source, line, `parameter "${name}": ${message}`);
      },
    }));
  }

  const configs: RunConfig[] = [];
  const point: Record<string, Value> = {};
  const expand = (depth: number): void => {
    if (depth === names.length) {
      try {
        configs.push(experiment!.validate({ ...point }));
      } catch (error) {
        const message = (error as Error).message;
        const field = names.find((name) => message.startsWith(name) || message.includes(`"${name}"`));
        throw new SweepError(source, field ? lineOfParameter.get(field) : lineOf(parametersNode), message);
      }
      return;
    }
    for (const value of valueLists[depth]) {
      point[names[depth]] = value;
      expand(depth + 1);
    }
  };
  expand(0);
  return { experiment, configs };
}

function parameterValues(spec: unknown, options: { fail: (message: string) => never }): Value[] {
  const isValue = (v: unknown): v is Value => ["string", "number", "boolean"].includes(typeof v);
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    return options.fail("must be a mapping with value, values, or min and max");
  }
  const keys = Object.keys(spec);
  const s = spec as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === "value") {
    if (!isValue(s.value)) return options.fail("value must be a number, string or boolean");
    return [s.value];
  }
  if (keys.length === 1 && keys[0] === "values") {
    if (!Array.isArray(s.values) || s.values.length === 0 || !s.values.every(isValue)) {
      return options.fail("values must be a non-empty list of numbers, strings or booleans");
    }
    return s.values;
  }
  if (keys.length === 2 && keys.includes("min") && keys.includes("max")) {
    const { min, max } = s;
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || (max as number) < (min as number)) {
      return options.fail("min and max must be integers with min <= max");
    }
    return Array.from({ length: (max as number) - (min as number) + 1 }, (_, i) => (min as number) + i);
  }
  return options.fail(`has keys ${JSON.stringify(keys)}; use value, values, or min and max`);
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
