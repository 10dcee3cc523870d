/**
 * Merges the result stores of sweep shards (each `<store>/<experiment>/<key>.parquet`,
 * with its attachments `<key>.<name>` if any) into one store, which render-all
 * then plots from.
 *
 * ```sh
 * deno task merge shard-store-0 shard-store-1 ... [--into runs]
 * ```
 *
 * Every run is read and its key recomputed from the configuration it holds,
 * so a corrupt or misnamed file is reported, never merged. Files are copied to
 * a temporary name, flushed and renamed: an interrupted merge leaves no partial
 * file. Compacted files (`deno task store compact`) are merged run by run.
 *
 * @module
 */

import { EXPERIMENTS } from "../lib/experiments/mod.ts";
import { compactedKeys, readCompacted, writeCompacted } from "../lib/run/compacted.ts";
import {
  defaultStoreDir,
  identifyRun,
  readRunFrame,
  type RunRange,
  syncFolder,
  wholeFrame,
  writeFileDurably,
} from "../lib/run/store.ts";
import { folderEntries } from "../lib/run/store_check.ts";
import { parseCommandLine, runTool, UsageError } from "./cli.ts";

/** What a merge did. */
export interface MergeReport {
  /** Runs copied (single files, or runs of compacted files). */
  copied: number;
  alreadyPresent: number;
  rejected: string[];
}

/**
 * Merges the stores `sources` into `into`. Single-run files are copied as
 * they are; the runs of a source's compacted file that `into` lacks become
 * one new compacted file there.
 */
export function mergeStores(sources: readonly string[], into: string): MergeReport {
  const report: MergeReport = { copied: 0, alreadyPresent: 0, rejected: [] };
  for (const source of sources) {
    for (const folder of Deno.readDirSync(source)) {
      const experiment = EXPERIMENTS[folder.name];
      if (!folder.isDirectory || !experiment) continue;
      const from = `${source}/${folder.name}`, to = `${into}/${folder.name}`;
      Deno.mkdirSync(to, { recursive: true });
      const present = storedKeys(to);
      const entries = folderEntries(from);
      // A run's key, recomputed from the configuration its rows hold: a corrupt or misnamed run is never merged.
      const accept = (run: RunRange, key: string, where: string): boolean => {
        let actual: string;
        try {
          actual = identifyRun(run, experiment).key;
        } catch (error) {
          report.rejected.push(`${where}: unreadable (${(error as Error).message})`);
          return false;
        }
        if (actual !== key) report.rejected.push(`${where}: holds the run ${actual}, not ${key}`);
        else if (present.has(key)) report.alreadyPresent++;
        return actual === key && !present.has(key);
      };
      // Attachments (`<key>.<name>`, e.g. the language model's examples.json) before the rows, as writeRun stores
      // them: a merged run always has its attachments.
      const copyAttachments = (key: string): void => {
        for (const { name } of entries.attachments.filter((a) => a.key === key)) {
          writeFileDurably(`${to}/${name}`, Deno.readFileSync(`${from}/${name}`), { syncFolder: false });
        }
      };
      for (const name of entries.runFiles) {
        const key = name.slice(0, 16);
        let run: RunRange;
        try {
          run = wholeFrame(readRunFrame(`${from}/${name}`));
        } catch (error) {
          report.rejected.push(`${from}/${name}: unreadable (${(error as { reason?: string }).reason ?? error})`);
          continue;
        }
        if (!accept(run, key, `${from}/${name}`)) continue;
        copyAttachments(key);
        writeFileDurably(`${to}/${name}`, Deno.readFileSync(`${from}/${name}`), { syncFolder: false });
        present.add(key);
        report.copied++;
      }
      for (const name of entries.compacted) {
        const runs = new Map<string, RunRange>();
        try {
          const file = readCompacted(`${from}/${name}`);
          for (const [key, range] of file.index) {
            const run = { frame: file.frame, ...range };
            if (accept(run, key, `${from}/${name} (run ${key})`)) runs.set(key, run);
          }
        } catch (error) {
          report.rejected.push(`${from}/${name}: unreadable (${(error as { reason?: string }).reason ?? error})`);
          continue;
        }
        if (runs.size === 0) continue;
        for (const key of runs.keys()) copyAttachments(key);
        writeCompacted(to, runs, { experiment });
        for (const key of runs.keys()) present.add(key);
        report.copied += runs.size;
      }
      syncFolder(to);
    }
  }
  return report;
}

/** The keys of the runs stored in an experiment's folder: single files and compacted files. */
function storedKeys(dir: string): Set<string> {
  const entries = folderEntries(dir);
  const keys = new Set(entries.runFiles.map((name) => name.slice(0, 16)));
  for (const name of entries.compacted) {
    try {
      for (const key of compactedKeys(`${dir}/${name}`)) keys.add(key);
    } catch { /* unreadable: its runs count as absent, and the reader sets it aside */ }
  }
  return keys;
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
