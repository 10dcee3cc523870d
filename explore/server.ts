/**
 * Serves a built site (build.ts) on 127.0.0.1: static files only, each with
 * its content type, nothing cached (a rebuild shows at the next load), no
 * path outside the site.
 *
 * Tests: browser_test.ts, controls_test.ts.
 *
 * @module
 */

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  map: "application/json; charset=utf-8",
  png: "image/png",
};

/** A running server. */
export interface SiteServer {
  /** e.g. "http://127.0.0.1:8787/". */
  url: string;
  port: number;
  /** Stops the server; resolves once it has. */
  shutdown(): Promise<void>;
}

/** The response for `pathname` from the site in `dir`. */
export async function siteResponse(dir: string, pathname: string): Promise<Response> {
  const name = decodeURIComponent(pathname).replace(/^\/+/, "") || "index.html";
  // Only plain names inside the site: no "..", no hidden files, no sub-folders (the site has none).
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) || name.includes("..")) {
    return new Response("not found", { status: 404 });
  }
  try {
    const body = await Deno.readFile(`${dir}/${name}`);
    const type = TYPES[name.split(".").pop() ?? ""] ?? "application/octet-stream";
    return new Response(body, { headers: { "content-type": type, "cache-control": "no-store" } });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Response("not found", { status: 404 });
    throw error;
  }
}

/** Serves `dir` on 127.0.0.1 at `port` (0: any free port). Throws Deno.errors.AddrInUse if it is taken. */
export function serveSite(dir: string, options: { port: number }): Promise<SiteServer> {
  return new Promise((resolve, reject) => {
    try {
      const server = Deno.serve({
        hostname: "127.0.0.1",
        port: options.port,
        onListen: ({ port }) => resolve({ url: `http://127.0.0.1:${port}/`, port, shutdown: () => server.shutdown() }),
        onError: (error) => new Response(`error: ${(error as Error).message}`, { status: 500 }),
      }, (request) => siteResponse(dir, new URL(request.url).pathname));
    } catch (error) {
      reject(error);
    }
  });
}
