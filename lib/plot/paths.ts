/**
 * Where the project is on disk, found from this module's URL (not the cwd), for the default
 * results folder and the fonts under `node_modules/`.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The project root: the folder above `lib/`, with a trailing slash. */
export function projectRoot(): string {
  return fileURLToPath(new URL("../../", import.meta.url));
}
