/**
 * Writes `sweeps/*.yaml` from the experiment definitions: one file per grid,
 * at the paper preset, so that `deno task sweep sweeps/<file>` runs exactly
 * what `render-all --preset paper` would, and a render after a sweep reuses
 * its runs. `--check` writes nothing and fails if a file is missing, stale or
 * left over.
 *
 * ```sh
 * deno task sweeps [--check] [--dir sweeps]
 * ```
 *
 * Tested by lib/run/sweep_test.ts (the shipped files equal the generated ones).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { EXPERIMENTS } from "../lib/experiments/mod.ts";
import { formatSweep, sweepFileName } from "../lib/run/sweep.ts";

/** Every generated sweep file: its name and text. */
export function sweepFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const experiment of Object.values(EXPERIMENTS)) {
    for (const grid of Object.keys(experiment.grids)) {
      files.set(sweepFileName(experiment, grid), formatSweep(experiment, { grid, preset: "paper" }));
    }
  }
  return files;
}

/** The files of `dir` that differ from the generated ones: missing, stale, or not generated. */
export function staleSweepFiles(dir: string): string[] {
  const wanted = sweepFiles();
  const present = new Set([...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => /\.(ya?ml|json)$/.test(n)));
  const problems: string[] = [];
  for (const [name, text] of wanted) {
    if (!present.has(name)) problems.push(`${name}: missing`);
    else if (Deno.readTextFileSync(`${dir}/${name}`) !== text) problems.push(`${name}: differs from its definition`);
  }
  for (const name of present) if (!wanted.has(name)) problems.push(`${name}: no grid of any experiment`);
  return problems;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { check: { type: "boolean", default: false }, dir: { type: "string", default: "sweeps" } },
  });
  const dir = values.dir;
  if (values.check) {
    const problems = staleSweepFiles(dir);
    for (const line of problems) console.error(line);
    if (problems.length > 0) console.error("run `deno task sweeps` to regenerate them");
    Deno.exit(problems.length > 0 ? 1 : 0);
  }
  Deno.mkdirSync(dir, { recursive: true });
  for (const name of Deno.readDirSync(dir)) {
    if (/\.(ya?ml|json)$/.test(name.name) && !sweepFiles().has(name.name)) Deno.removeSync(`${dir}/${name.name}`);
  }
  for (const [name, text] of sweepFiles()) Deno.writeTextFileSync(`${dir}/${name}`, text);
  console.log(`wrote ${sweepFiles().size} sweep files to ${dir}/`);
}
