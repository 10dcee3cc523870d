/**
 * Small file-system predicates the runner, the caches and the tools share.
 *
 * @module
 */

/** Whether `path` exists (a file or a folder). */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
