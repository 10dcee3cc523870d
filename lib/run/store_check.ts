/**
 * Checking and cleaning a result store (`deno task store verify|gc`, see
 * tools/store.ts). verify reads every run file and reports what cannot be
 * used; gc removes what no preset and no sweep file names any more at its
 * experiment's current version, and what is left over (orphan attachments,
 * temporary files, the `corrupt/` folders of files set aside).
 *
 * Tests: compacted_test.ts, store_crash_test.ts, tools/store_test.ts.
 *
 * @module
 */

import type { Experiment } from "../experiments/define.ts";
import { PRESET_NAMES } from "../experiments/presets.ts";
import {
  checkKey,
  COMPACTED_NAME,
  type CompactedFile,
  compactedKeys,
  readCompacted,
  RUN_FILE_NAME,
  writeCompacted,
} from "./compacted.ts";
import {
  CORRUPT_FOLDER,
  readRunFrame,
  runKey,
  type RunRange,
  syncFolder,
  VERSION_COLUMN,
  wholeFrame,
} from "./store.ts";
import { parseSweep } from "./sweep.ts";

/** The entries of one experiment's folder, by kind (names only; nothing is read). */
export interface FolderEntries {
  runFiles: string[];
  compacted: string[];
  /** `<key>.<name>` files, with their run's key. */
  attachments: { name: string; key: string }[];
  temporary: string[];
  /** The `corrupt/` folder, if present. */
  corrupt: boolean;
  unknown: string[];
}

/** Sorts the entries of an experiment's folder by kind. */
export function folderEntries(dir: string): FolderEntries {
  const out: FolderEntries = {
    runFiles: [],
    compacted: [],
    attachments: [],
    temporary: [],
    corrupt: false,
    unknown: [],
  };
  for (const entry of [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
    const { name } = entry;
    if (entry.isDirectory) {
      if (name === CORRUPT_FOLDER) out.corrupt = true;
      else out.unknown.push(`${name}/`);
    } else if (name.endsWith(".tmp")) out.temporary.push(name);
    else if (RUN_FILE_NAME.test(name)) out.runFiles.push(name);
    else if (COMPACTED_NAME.test(name)) out.compacted.push(name);
    else if (/^[0-9a-f]{16}\.[A-Za-z0-9_.-]+$/.test(name)) out.attachments.push({ name, key: name.slice(0, 16) });
    else out.unknown.push(name);
  }
  return out;
}

/** One thing verify found. */
export interface Finding {
  kind: "unreadable" | "stale" | "orphan" | "temporary" | "unknown" | "quarantined";
  path: string;
  detail: string;
}

/** What {@linkcode verifyStore} found. */
export interface VerifyReport {
  /** Usable runs of each experiment's current version. */
  runs: number;
  findings: Finding[];
}

/** The experiments a store may hold, and which of them to look at. */
export interface StoreScope {
  experiments: Readonly<Record<string, Experiment>>;
  /** Only this experiment's folder. */
  only?: string;
}

/** Reads every run file of the store at `storeDir` and reports what cannot be used or does not belong. */
export function verifyStore(storeDir: string, scope: StoreScope): VerifyReport {
  const report: VerifyReport = { runs: 0, findings: [] };
  const add = (kind: Finding["kind"], path: string, detail: string): number =>
    report.findings.push({ kind, path, detail });
  for (const { experiment, dir, entries } of experimentFolders(storeDir, scope, add)) {
    const stored = new Set<string>();
    const stale = new Map<string, number>();
    // Stale runs are counted per folder (single files) or per compacted file, not listed one by one.
    const check = (run: RunRange, key: string, where: { path: string; group: string }): void => {
      const problem = checkKey(run, key, experiment);
      if (problem) return void add("unreadable", where.path, problem);
      stored.add(key);
      const version = run.frame.value(VERSION_COLUMN, run.start) as number;
      if (version === experiment.version) report.runs++;
      else stale.set(`${where.group}\0${version}`, (stale.get(`${where.group}\0${version}`) ?? 0) + 1);
    };
    for (const name of entries.runFiles) {
      try {
        check(wholeFrame(readRunFrame(`${dir}/${name}`)), name.slice(0, 16), { path: `${dir}/${name}`, group: dir });
      } catch (error) {
        add("unreadable", `${dir}/${name}`, reasonOf(error));
      }
    }
    for (const name of entries.compacted) {
      let file: CompactedFile;
      try {
        file = readCompacted(`${dir}/${name}`);
      } catch (error) {
        add("unreadable", `${dir}/${name}`, reasonOf(error));
        continue;
      }
      for (const [key, range] of file.index) {
        check({ frame: file.frame, ...range }, key, { path: `${dir}/${name} (run ${key})`, group: file.path });
      }
    }
    for (const [where, count] of stale) {
      const [path, version] = where.split("\0");
      add(
        "stale",
        path,
        `${count} run(s) of version ${version}, not the current ${experiment.version}: kept, never reused`,
      );
    }
    for (const { name, key } of entries.attachments) {
      if (!stored.has(key)) add("orphan", `${dir}/${name}`, `attachment of run ${key}, which is not stored`);
    }
    for (const name of entries.temporary) add("temporary", `${dir}/${name}`, "a temporary file left by a write");
    for (const name of entries.unknown) add("unknown", `${dir}/${name}`, "not part of the store: kept");
    if (entries.corrupt) {
      const count = [...Deno.readDirSync(`${dir}/${CORRUPT_FOLDER}`)].length;
      add("quarantined", `${dir}/${CORRUPT_FOLDER}`, `${count} unusable file(s) set aside earlier`);
    }
  }
  return report;
}

function reasonOf(error: unknown): string {
  const e = error as Error & { reason?: string };
  return e.reason ?? e.message;
}

function* experimentFolders(
  storeDir: string,
  scope: StoreScope,
  unknown: (kind: "unknown", path: string, detail: string) => void,
): Generator<{ experiment: Experiment; dir: string; entries: FolderEntries }> {
  for (const entry of [...Deno.readDirSync(storeDir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
    if (scope.only !== undefined && entry.name !== scope.only) continue;
    const experiment = Object.hasOwn(scope.experiments, entry.name) ? scope.experiments[entry.name] : undefined;
    if (!entry.isDirectory || !experiment) {
      unknown(
        "unknown",
        `${storeDir}/${entry.name}${entry.isDirectory ? "/" : ""}`,
        "not an experiment's folder: kept",
      );
      continue;
    }
    const dir = `${storeDir}/${entry.name}`;
    yield { experiment, dir, entries: folderEntries(dir) };
  }
}

/** Options of {@linkcode gcStore}. */
export interface GcOptions extends StoreScope {
  /** Folder of sweep files whose runs are kept too (every `*.yaml`, `*.yml`, `*.json`). */
  sweepsDir?: string;
  /** List what would be removed, remove nothing. */
  dryRun?: boolean;
  /** Temporary files younger than this are another process's writes in flight, and kept. Default 5 minutes. */
  temporaryAgeMs?: number;
}

/** One removal (or rewrite) by gc. */
export interface Removal {
  path: string;
  bytes: number;
  why: string;
}

/** The keys of every run a preset of an experiment or a sweep file names, at the experiment's current version. */
export function wantedKeys(options: GcOptions): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>();
  const want = (experiment: Experiment, configs: Iterable<Record<string, unknown>>): void => {
    let set = keys.get(experiment.name);
    if (!set) keys.set(experiment.name, set = new Set());
    for (const config of configs) set.add(runKey(experiment.validate(config), experiment.version));
  };
  for (const experiment of Object.values(options.experiments)) {
    for (const preset of PRESET_NAMES) want(experiment, experiment.configs(preset));
  }
  if (options.sweepsDir !== undefined) {
    for (const entry of [...Deno.readDirSync(options.sweepsDir)].filter((e) => /\.(ya?ml|json)$/.test(e.name))) {
      const source = `${options.sweepsDir}/${entry.name}`;
      const sweep = parseSweep(Deno.readTextFileSync(source), { source, experiments: options.experiments });
      want(sweep.experiment, sweep.configs);
    }
  }
  return keys;
}

/**
 * Removes from the store at `storeDir` every run no preset and no sweep file
 * names at its experiment's current version (older versions included), the
 * attachments of runs not stored, old temporary files and the `corrupt/`
 * folders; compacted files keep only their wanted runs. Returns what it
 * removed (or, with `dryRun`, would remove).
 */
export function gcStore(storeDir: string, options: GcOptions): Removal[] {
  const wanted = wantedKeys(options);
  const removals: Removal[] = [];
  const now = Date.now(), minAge = options.temporaryAgeMs ?? 5 * 60_000;
  const remove = (path: string, why: string, size = sizeOf(path)): void => {
    removals.push({ path, bytes: size, why });
    if (!options.dryRun) Deno.removeSync(path, { recursive: true });
  };
  for (const { experiment, dir, entries } of experimentFolders(storeDir, options, () => {})) {
    const keep = wanted.get(experiment.name) ?? new Set();
    const stored = new Set<string>();
    const why = `named by no preset or sweep file at version ${experiment.version}`;
    for (const name of entries.runFiles) {
      if (keep.has(name.slice(0, 16))) stored.add(name.slice(0, 16));
      else remove(`${dir}/${name}`, why);
    }
    for (const name of entries.compacted) {
      const path = `${dir}/${name}`;
      let keys: Set<string>;
      try {
        keys = compactedKeys(path);
      } catch {
        continue;
      }
      const kept = [...keys].filter((key) => keep.has(key));
      kept.forEach((key) => stored.add(key));
      if (kept.length === keys.size) continue;
      if (kept.length === 0) {
        remove(path, `compacted runs ${why}`);
        continue;
      }
      const before = sizeOf(path);
      if (options.dryRun) {
        const estimate = Math.round(before * (1 - kept.length / keys.size));
        removals.push({ path, bytes: estimate, why: `${keys.size - kept.length} of its ${keys.size} runs ${why}` });
        continue;
      }
      const file = readCompacted(path);
      const runs = new Map(kept.map((key) => [key, { frame: file.frame, ...file.index.get(key)! }]));
      const written = writeCompacted(dir, runs, { experiment })!;
      if (written.path !== path) Deno.removeSync(path);
      removals.push({
        path,
        bytes: before - written.bytes,
        why: `${keys.size - kept.length} of its ${keys.size} runs ${why}; the rest rewritten to ${written.path}`,
      });
    }
    for (const { name, key } of entries.attachments) {
      if (!stored.has(key)) remove(`${dir}/${name}`, `attachment of run ${key}, which is not kept`);
    }
    for (const name of entries.temporary) {
      const mtime = Deno.statSync(`${dir}/${name}`).mtime?.getTime() ?? 0;
      if (now - mtime >= minAge) remove(`${dir}/${name}`, "a temporary file left by a write");
    }
    if (entries.corrupt) remove(`${dir}/${CORRUPT_FOLDER}`, "unusable files set aside earlier");
    if (!options.dryRun) syncFolder(dir);
  }
  return removals;
}

function sizeOf(path: string): number {
  const info = Deno.statSync(path);
  if (!info.isDirectory) return info.size;
  let total = 0;
  for (const entry of Deno.readDirSync(path)) total += sizeOf(`${path}/${entry.name}`);
  return total;
}
