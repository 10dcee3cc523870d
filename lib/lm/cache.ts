/**
 * Folders built once and shared by every process that needs them (the base
 * model, the shared first fine-tune, a first-generation synthetic set). A
 * folder is built under a temporary name and renamed into place once complete
 * (its marker file written last), so a reader never sees part of one, and two
 * processes (sweep workers) building the same folder at once leave the first
 * complete copy in the cache and both use it.
 *
 * @module
 */

/** Options of {@linkcode cachedFolder}. */
export interface CachedFolderOptions<T> {
  /** The file whose presence marks a complete folder; `build` writes it last. */
  marker: string;
  /** Writes the folder's files into `folder` (a fresh temporary folder). */
  build: (folder: string) => Promise<void>;
  /** Reads a complete folder. */
  load: (dir: string) => Promise<T>;
}

/** The folder `dir`, loaded when complete, else built (see the module doc) and then loaded. */
export async function cachedFolder<T>(dir: string, options: CachedFolderOptions<T>): Promise<T> {
  if (isComplete(dir, options.marker)) return await options.load(dir);
  const building = `${dir}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    Deno.mkdirSync(building, { recursive: true });
    await options.build(building);
    if (!isComplete(building, options.marker)) {
      throw new Error(`building ${dir} wrote no ${options.marker}`);
    }
    if (!moveIntoPlace(building, dir, options.marker) && !isComplete(dir, options.marker)) {
      throw new Error(`cannot store ${dir}: another process holds an incomplete copy`);
    }
  } finally {
    try {
      Deno.removeSync(building, { recursive: true });
    } catch { /* moved into place */ }
  }
  return await options.load(dir);
}

function isComplete(dir: string, marker: string): boolean {
  try {
    return Deno.statSync(`${dir}/${marker}`).isFile;
  } catch {
    return false;
  }
}

/**
 * Renames the complete folder `from` to `to`; false when `to` already holds a
 * complete copy (another process was first). A `to` without its marker was
 * left by an interrupted build of older code that wrote in place: it is moved
 * aside and deleted first.
 */
function moveIntoPlace(from: string, to: string, marker: string): boolean {
  try {
    Deno.renameSync(from, to);
    return true;
  } catch { /* `to` exists */ }
  if (isComplete(to, marker)) return false;
  const aside = `${to}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.stale`;
  try {
    Deno.renameSync(to, aside);
    Deno.removeSync(aside, { recursive: true });
  } catch { /* another process moved it */ }
  try {
    Deno.renameSync(from, to);
    return true;
  } catch {
    return false;
  }
}
