/**
 * Builds the explorer's static site: `deno bundle --platform browser` turns
 * the page (web/main.ts) and its worker (web/worker.ts) with every library
 * module they import (the experiment registry, estimators, workflows, RNG,
 * lib/plot's figure code, vega-embed with vega and vega-lite) into ES
 * modules; index.html and style.css are copied beside them. Code splitting
 * keeps what the page and the worker share in one chunk, and the modules the
 * page never runs (the language model's trainer, loaded by a dynamic import
 * only when a language-model run starts) in chunks that are never fetched.
 * Nothing is fetched from a CDN: the site works offline, from any file
 * server.
 *
 * Tests: browser_test.ts.
 *
 * @module
 */

const WEB = new URL("./web/", import.meta.url);
const ROOT = new URL("../", import.meta.url);
/** Copied as they are. */
const STATIC_FILES = ["index.html", "style.css"];

/** What {@linkcode buildSite} wrote. */
export interface BuiltSite {
  dir: string;
  /** The files written, relative to `dir`, with their sizes in bytes. */
  files: { name: string; bytes: number }[];
  ms: number;
}

/**
 * Writes the site into `dir` (created; files of an earlier build replaced).
 * The bundler is this Deno's own (`Deno.execPath()`), run at the repository
 * root so that deno.json's import map applies; on first use it fetches
 * esbuild from npm into Deno's cache.
 */
export async function buildSite(dir: string, options: { minify?: boolean } = {}): Promise<BuiltSite> {
  const started = performance.now();
  await Deno.mkdir(dir, { recursive: true });
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && /\.(js|js\.map|html|css)$/.test(entry.name)) await Deno.remove(`${dir}/${entry.name}`);
  }
  const args = [
    "bundle",
    "--quiet",
    "--platform",
    "browser",
    "--format",
    "esm",
    "--code-splitting",
    "--outdir",
    dir,
    ...(options.minify === false ? [] : ["--minify"]),
    new URL("main.ts", WEB).pathname,
    new URL("worker.ts", WEB).pathname,
  ];
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!result.success) {
    const text = new TextDecoder().decode(result.stderr).trim();
    throw new Error(`deno bundle failed (exit ${result.code}):\n${text}`);
  }
  for (const name of STATIC_FILES) await Deno.copyFile(new URL(name, WEB), `${dir}/${name}`);
  for (const entry of ["main.js", "worker.js"]) {
    try {
      await Deno.stat(`${dir}/${entry}`);
    } catch {
      throw new Error(`deno bundle wrote no ${entry} into ${dir}`);
    }
  }
  const files: BuiltSite["files"] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile) files.push({ name: entry.name, bytes: (await Deno.stat(`${dir}/${entry.name}`)).size });
  }
  files.sort((a, b) => a.name < b.name ? -1 : 1);
  return { dir, files, ms: performance.now() - started };
}
