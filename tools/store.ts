/**
 * Looks after a result store:
 *
 * ```sh
 * deno task store verify [DIR] [--experiment NAME]   # read every run file; exit 1 if one is unreadable
 * deno task store gc [DIR] [--dry-run]               # remove runs no preset or sweep file names any more
 * deno task store compact [DIR] [--experiment NAME]  # one file per experiment, read at once by a render
 * ```
 *
 * verify reports unreadable files, runs of another version than the
 * experiment's current one (stale: kept, never reused), orphan attachments,
 * leftover temporary files and anything unknown. gc removes runs that no
 * preset (smoke, default, paper) of any experiment and no sweep file in
 * `sweeps/` names at the experiment's current version, and the orphans,
 * temporary files and `corrupt/` folders; it prints each removal and the bytes
 * freed. compact merges an experiment's run files into one compacted file;
 * new runs are still stored one file each.
 *
 * @module
 */

import { experimentByName, EXPERIMENTS } from "../lib/experiments/mod.ts";
import { compactExperiment } from "../lib/run/compaction.ts";
import { defaultStoreDir } from "../lib/run/store.ts";
import { type Finding, gcStore, verifyStore } from "../lib/run/store_check.ts";
import type { Experiment } from "../lib/experiments/define.ts";
import { oneOf, parseCommandLine, runTool, UsageError } from "./cli.ts";

const USAGE = "usage: deno task store verify|gc|compact [DIR] [--experiment NAME] [--dry-run (gc only)]";

const COMMANDS = ["verify", "gc", "compact"] as const;

/** Parsed command line of the store tool. */
export interface StoreArgs {
  /** Absent only with `help`. */
  command?: typeof COMMANDS[number];
  /** The store; default {@linkcode defaultStoreDir}. */
  storeDir?: string;
  /** Only this experiment's folder. */
  experiment?: string;
  dryRun: boolean;
  /** Folder of sweep files whose runs gc keeps; default the project's `sweeps/`. */
  sweepsDir?: string;
  help: boolean;
}

/** Parses the command line; throws a {@linkcode UsageError} naming the flag and what it allows. */
export function parseStoreArgs(
  argv: readonly string[],
  experiments: Readonly<Record<string, Experiment>> = EXPERIMENTS,
): StoreArgs {
  const { values, positionals } = parseCommandLine(argv, {
    usage: USAGE,
    flags: {
      experiment: { type: "string" },
      "dry-run": { type: "boolean" },
      sweeps: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const help = values.help ?? false;
  if (positionals.length === 0) {
    if (help) return { dryRun: false, help };
    throw new UsageError(`which command? one of ${COMMANDS.map((c) => `"${c}"`).join(", ")}`, USAGE);
  }
  const command = oneOf(positionals[0], { flag: "the command", allowed: COMMANDS, usage: USAGE });
  if (positionals.length > 2) {
    throw new UsageError(
      `one store at a time, got ${positionals.length - 1}: ${positionals.slice(1).join(" ")}`,
      USAGE,
    );
  }
  if (values.experiment !== undefined) {
    oneOf(values.experiment, { flag: "--experiment", allowed: Object.keys(experiments), usage: USAGE });
  }
  for (const [flag, given] of [["--dry-run", values["dry-run"]], ["--sweeps", values.sweeps]] as const) {
    if (given !== undefined && command !== "gc") throw new UsageError(`${flag} applies to gc only`, USAGE);
  }
  return {
    command,
    storeDir: positionals[1],
    experiment: values.experiment,
    dryRun: values["dry-run"] ?? false,
    sweepsDir: values.sweeps,
    help,
  };
}

/** Runs the command line (with `experiments` as the registry); returns the exit code. */
export function main(argv: readonly string[], experiments: Readonly<Record<string, Experiment>> = EXPERIMENTS): number {
  const args = parseStoreArgs(argv, experiments);
  if (args.help || args.command === undefined) {
    console.log(USAGE);
    return 0;
  }
  const storeDir = args.storeDir ?? defaultStoreDir();
  try {
    if (!Deno.statSync(storeDir).isDirectory) throw new UsageError(`${storeDir} is not a folder`, USAGE);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new UsageError(`no store at ${storeDir}`, USAGE);
    throw error;
  }
  const scope = { experiments, only: args.experiment };
  if (args.command === "verify") return verify(storeDir, scope);
  if (args.command === "gc") {
    const sweepsDir = args.sweepsDir ?? new URL("../sweeps", import.meta.url).pathname;
    const removals = gcStore(storeDir, { ...scope, sweepsDir, dryRun: args.dryRun });
    const verb = args.dryRun ? "would remove" : "removed";
    for (const r of removals) console.log(`${verb} ${r.path} (${formatBytes(r.bytes)}): ${r.why}`);
    const freed = removals.reduce((sum, r) => sum + r.bytes, 0);
    console.log(`gc ${storeDir}: ${verb} ${removals.length} item(s), ${formatBytes(freed)} freed`);
    return 0;
  }
  let failed = false, written = 0;
  const names = args.experiment ? [args.experiment] : Object.keys(experiments);
  for (const name of names) {
    const report = compactExperiment(storeDir, experimentByName(name, experiments));
    for (const line of report.unreadable) console.error(`unreadable ${line}`);
    failed ||= report.unreadable.length > 0;
    if (report.written) {
      const size = formatBytes(Deno.statSync(report.written).size);
      console.log(
        `compacted ${name}: ${report.runs} runs from ${report.merged} file(s) into ${report.written} (${size})`,
      );
      written++;
    }
  }
  if (written === 0) console.log(`compact ${storeDir}: nothing to compact`);
  return failed ? 1 : 0;
}

function verify(storeDir: string, scope: { experiments: Readonly<Record<string, Experiment>>; only?: string }): number {
  const report = verifyStore(storeDir, scope);
  const counts = new Map<Finding["kind"], number>();
  for (const finding of report.findings) {
    counts.set(finding.kind, (counts.get(finding.kind) ?? 0) + 1);
    const line = `${finding.kind} ${finding.path}: ${finding.detail}`;
    if (finding.kind === "unreadable") console.error(line);
    else console.log(line);
  }
  const summary = [...counts].map(([kind, count]) => `${count} ${kind}`).join(", ");
  console.log(`verify ${storeDir}: ${report.runs} usable runs${summary ? `; ${summary}` : "; nothing else"}`);
  return counts.has("unreadable") ? 1 : 0;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

if (import.meta.main) await runTool("store", () => main(Deno.args));
