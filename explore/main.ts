/**
 * The explorer: the library in a browser page, with live collapse curves.
 *
 * ```sh
 * deno task explore                 # builds the page, serves it on http://127.0.0.1:8787/ (or a free port)
 * deno task explore --port 9000     # on this port (an error if it is taken)
 * deno task explore --build site/   # writes the static site into site/ (GitHub Pages, any file server)
 * ```
 *
 * Tests: controls_test.ts.
 *
 * @module
 */

import { parseCommandLine, positiveNumber, runTool, UsageError } from "../tools/cli.ts";
import { buildSite } from "./build.ts";
import { serveSite } from "./server.ts";

const USAGE = "usage: deno task explore [--port N] [--build DIR]";

/** The port tried first when none is given; a free one is taken if it is busy. */
export const DEFAULT_PORT = 8787;

/** Where the served site is built (git-ignored). */
const SERVE_DIR = new URL("../.cache/explore/site", import.meta.url).pathname;

/** Parsed command line of the explorer. */
export interface ExploreArgs {
  /** Serve on this port; undefined: {@linkcode DEFAULT_PORT}, else any free one. */
  port?: number;
  /** Write the static site here and exit instead of serving. */
  build?: string;
  help: boolean;
}

/** Parses the command line; throws a {@linkcode UsageError} naming the flag and what it allows. */
export function parseExploreArgs(argv: readonly string[]): ExploreArgs {
  const { values, positionals } = parseCommandLine(argv, {
    usage: USAGE,
    flags: {
      port: { type: "string" },
      build: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, USAGE);
  if (values.port !== undefined && values.build !== undefined) {
    throw new UsageError("--port serves the page and --build writes it: give one of them", USAGE);
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = positiveNumber(values.port, { flag: "--port", integer: true, usage: USAGE });
    if (port > 65535) throw new UsageError(`--port must be at most 65535, got "${values.port}"`, USAGE);
  }
  return { port, build: values.build, help: values.help ?? false };
}

/** Runs the command line; returns the exit code (serving never returns). */
export async function main(argv: readonly string[]): Promise<number> {
  const args = parseExploreArgs(argv);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const dir = args.build ?? SERVE_DIR;
  const site = await buildSite(dir);
  const bytes = site.files.reduce((sum, f) => sum + f.bytes, 0);
  console.log(
    `built ${site.files.length} files (${(bytes / 1e6).toFixed(1)} MB) into ${dir} in ${(site.ms / 1000).toFixed(1)} s`,
  );
  if (args.build !== undefined) {
    console.log("serve that folder with any static file server (module workers need http:, not file:)");
    return 0;
  }
  let server;
  try {
    server = await serveSite(dir, { port: args.port ?? DEFAULT_PORT });
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    if (args.port !== undefined) throw new Error(`port ${args.port} is in use: choose another with --port`);
    server = await serveSite(dir, { port: 0 });
    console.log(`port ${DEFAULT_PORT} is in use; serving on ${server.port} instead`);
  }
  console.log(`the explorer: ${server.url}  (Ctrl-C stops it)`);
  await new Promise<never>(() => {});
  return 0;
}

if (import.meta.main) await runTool("explore", () => main(Deno.args));
