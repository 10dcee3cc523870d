/**
 * Merges the result stores of sweep shards (each `<store>/<experiment>/<key>.parquet`,
 * with its attachments `<key>.<name>` if any) into one store, which render-all
 * then plots from.
 *
 * ```sh
 * deno task merge shard-store-0 shard-store-1 ... [--into runs]
 * ```
 *
 * Every file is read and its key recomputed from the configuration it holds,
 * so a corrupt or misnamed file is reported, never merged. Files are copied to
 * a temporary name and renamed: an interrupted merge leaves no partial file.
 *
 * @module
 */

import { EXPERIMENTS } from "../lib/experiments/mod.ts";
import { defaultStoreDir, readRun, runKey, VERSION_COLUMN } from "../lib/run/store.ts";
import { parseCommandLine, runTool, UsageError } from "./cli.ts";

/** What a merge did. */
export interface MergeReport {
  copied: number;
  alreadyPresent: number;
  rejected: string[];
}

/** Merges the stores `sources` into `into`. */
export function mergeStores(sources: readonly string[], into: string): MergeReport {
  const report: MergeReport = { copied: 0, alreadyPresent: 0, rejected: [] };
  for (const source of sources) {
    for (const folder of Deno.readDirSync(source)) {
      const experiment = EXPERIMENTS[folder.name];
      if (!folder.isDirectory || !experiment) continue;
      Deno.mkdirSync(`${into}/${folder.name}`, { recursive: true });
      for (const file of Deno.readDirSync(`${source}/${folder.name}`)) {
        if (!file.name.endsWith(".parquet")) continue;
        const from = `${source}/${folder.name}/${file.name}`;
        const to = `${into}/${folder.name}/${file.name}`;
        let key: string;
        try {
          const first = readRun(from)![0];
          const fields = Object.keys(experiment.fields);
          const config = Object.fromEntries(fields.filter((p) => p in first).map((p) => [p, first[p]]));
          const version = first[VERSION_COLUMN];
          if (typeof version !== "number") throw new Error(`no ${VERSION_COLUMN} column`);
          key = runKey(experiment.validate(config), version);
        } catch (error) {
          report.rejected.push(`${from}: unreadable (${(error as Error).message})`);
          continue;
        }
        if (`${key}.parquet` !== file.name) {
          report.rejected.push(`${from}: holds the run ${key}, not ${file.name}`);
          continue;
        }
        try {
          Deno.statSync(to);
          report.alreadyPresent++;
          continue;
        } catch { /* not there yet */ }
        // Attachments (`<key>.<name>`, e.g. the language model's examples.json) first, the Parquet rows last,
        // as writeRun stores them: a merged run always has its attachments.
        const attachments = [...Deno.readDirSync(`${source}/${folder.name}`)]
          .map((entry) => entry.name)
          .filter((name) => name.startsWith(`${key}.`) && name !== file.name && !name.endsWith(".tmp"));
        for (const name of [...attachments, file.name]) {
          const target = `${into}/${folder.name}/${name}`;
          const temporary = `${target}.${Deno.pid}.tmp`;
          Deno.copyFileSync(`${source}/${folder.name}/${name}`, temporary);
          Deno.renameSync(temporary, target);
        }
        report.copied++;
      }
    }
  }
  return report;
}

const USAGE = "usage: deno task merge STORE_DIR... [--into DIR]";

/** Parsed command line of the merge tool. */
export interface MergeArgs {
  /** The shards' stores. */
  sources: string[];
  /** The store merged into; default {@linkcode defaultStoreDir}. */
  into?: string;
  help: boolean;
}

/** Parses the command line; throws a {@linkcode UsageError} naming the flag and what it allows. */
export function parseMergeArgs(argv: readonly string[]): MergeArgs {
  const { values, positionals } = parseCommandLine(argv, {
    usage: USAGE,
    flags: { into: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const help = values.help ?? false;
  if (positionals.length === 0 && !help) throw new UsageError("which stores? (one or more STORE_DIR)", USAGE);
  return { sources: positionals, into: values.into, help };
}

/** Runs the command line; returns the exit code (1 if a file was rejected). */
export function main(argv: readonly string[]): number {
  const args = parseMergeArgs(argv);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const into = args.into ?? defaultStoreDir();
  const report = mergeStores(args.sources, into);
  console.log(`merged into ${into}: ${report.copied} copied, ${report.alreadyPresent} already present`);
  for (const line of report.rejected) console.error(`rejected ${line}`);
  return report.rejected.length > 0 ? 1 : 0;
}

if (import.meta.main) await runTool("merge", () => main(Deno.args));
