/**
 * Bit-exact fingerprints of runs: each listed run is computed in this thread
 * (nothing is read from or written to the store) and its rows hashed value by
 * value, a number by its 64 IEEE bits, so a change of code that keeps every
 * bit of every run keeps every fingerprint. The golden test
 * (lib/experiments/golden_test.ts) compares sums to 1e-9; this compares bits,
 * over as many runs of the real grids as one asks for.
 *
 * ```sh
 * deno task fingerprint gaussian --preset paper --seeds 2 > before.txt    # every grid point, seeds 0 and 1
 * deno task fingerprint kde:bandwidth --preset default --every 7 --iterations 60 > before.txt
 * deno task fingerprint gaussian --preset paper --seeds 2 --compare before.txt   # exit 1 if any run differs
 * ```
 *
 * `EXPERIMENT[:GRID]` names the experiment and optionally one grid (default: every grid of the preset);
 * `--seeds N` keeps seeds below N, `--every K` every K-th remaining configuration, `--iterations T` caps
 * `iterations` at T (a shorter run of the same code), `--match TEXT` keeps configurations whose JSON contains
 * TEXT. Wall-clock columns (names ending in `Seconds`) are left out.
 *
 * @module
 */

import { experimentByName } from "../lib/experiments/mod.ts";
import type { RunRow } from "../lib/experiments/define.ts";
import { canonicalConfig } from "../lib/experiments/define.ts";
import type { PresetName } from "../lib/experiments/presets.ts";
import { fnv1a64 } from "../lib/numerics/hash.ts";
import { parseCommandLine, positiveNumber, runTool, UsageError } from "./cli.ts";

const USAGE = "usage: deno task fingerprint EXPERIMENT[:GRID] [--preset P] [--seeds N] [--every K] " +
  "[--iterations T] [--match TEXT] [--compare FILE]";

const TIMING = /Seconds$/;

/** The exact fingerprint of a run's rows: every value, numbers by their 64 bits, in sorted key order. */
export function fingerprintRows(rows: readonly RunRow[]): string {
  const bits = new BigUint64Array(1);
  const view = new Float64Array(bits.buffer);
  const parts: string[] = [];
  for (const row of rows) {
    for (const key of Object.keys(row).sort()) {
      if (TIMING.test(key)) continue;
      const value = row[key];
      if (typeof value === "number") {
        view[0] = value;
        parts.push(`${key}:${bits[0].toString(16)}`);
      } else parts.push(`${key}=${String(value)}`);
    }
    parts.push("|");
  }
  return fnv1a64(parts.join(","));
}

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, {
    usage: USAGE,
    flags: {
      preset: { type: "string" },
      seeds: { type: "string" },
      every: { type: "string" },
      iterations: { type: "string" },
      match: { type: "string" },
      compare: { type: "string" },
    },
  });
  if (positionals.length !== 1) throw new UsageError("one EXPERIMENT[:GRID]", USAGE);
  const [name, grid] = positionals[0].split(":");
  const experiment = experimentByName(name);
  const preset = (values.preset ?? "default") as PresetName;
  const seeds = values.seeds === undefined ? Infinity : positiveNumber(values.seeds, { flag: "--seeds", usage: USAGE });
  const every = values.every === undefined ? 1 : positiveNumber(values.every, { flag: "--every", usage: USAGE });
  const cap = values.iterations === undefined
    ? Infinity
    : positiveNumber(values.iterations, { flag: "--iterations", integer: true, usage: USAGE });
  let configs = experiment.configs(preset, grid === undefined ? {} : { grid })
    .filter((c) => typeof c.seed !== "number" || c.seed < seeds)
    .filter((c) => values.match === undefined || JSON.stringify(c).includes(values.match))
    .filter((_, i) => i % every === 0);
  configs = configs.map((c) =>
    typeof c.iterations === "number" && c.iterations > cap ? experiment.validate({ ...c, iterations: cap }) : c
  );
  const expected = new Map<string, string>();
  if (values.compare !== undefined) {
    for (const line of Deno.readTextFileSync(values.compare).split("\n")) {
      const tab = line.indexOf("\t");
      if (tab > 0) expected.set(line.slice(tab + 1), line.slice(0, tab));
    }
  }
  let differ = 0, missing = 0;
  const started = performance.now();
  for (const config of configs) {
    const key = canonicalConfig(config);
    const print = fingerprintRows(await experiment.runConfig(config));
    if (values.compare === undefined) console.log(`${print}\t${key}`);
    else if (!expected.has(key)) missing++;
    else if (expected.get(key) !== print) {
      differ++;
      console.log(`DIFFERS ${print} (was ${expected.get(key)})\t${key}`);
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (values.compare === undefined) {
    console.error(`${configs.length} runs fingerprinted in ${seconds} s`);
    return 0;
  }
  console.log(
    `${configs.length} runs in ${seconds} s: ${configs.length - differ - missing} identical, ${differ} differ, ` +
      `${missing} not in ${values.compare}`,
  );
  return differ === 0 && missing === 0 ? 0 : 1;
}

if (import.meta.main) await runTool("fingerprint", () => main(Deno.args));
