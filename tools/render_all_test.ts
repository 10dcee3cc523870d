import assert from "node:assert/strict";
import { main, parseRenderArgs, renderOrder } from "./render_all.ts";

Deno.test("render_all's command line", () => {
  const args = parseRenderArgs([
    "--preset",
    "smoke",
    "--refresh",
    "--out-dir=out",
    "a.ipynb",
    "--timeout",
    "90",
    "b.ipynb",
  ]);
  assert.deepEqual(args, {
    preset: "smoke",
    refresh: true,
    outDir: "out",
    resultsDir: undefined,
    allowErrors: false,
    timeoutSeconds: 90,
    jobs: undefined,
    help: false,
    notebooks: ["a.ipynb", "b.ipynb"],
  });
  assert.deepEqual(parseRenderArgs([]).notebooks, []);
  assert.equal(parseRenderArgs(["-h"]).help, true);
  assert.equal(parseRenderArgs(["--allow-errors", "--results-dir", "r"]).resultsDir, "r");
  assert.deepEqual(parseRenderArgs(["--", "--odd-name.ipynb"]).notebooks, ["--odd-name.ipynb"]);
});

Deno.test("render_all's command-line errors name the flag and what it allows, then the usage", () => {
  const usage = /\nusage: deno run -A tools\/render_all\.ts \[--preset smoke\|default\|paper\]/;
  for (
    const [argv, message] of [
      [
        ["--bogus"],
        /^unknown flag "--bogus"; allowed flags: --preset, --out-dir, --results-dir, --timeout, --jobs, --refresh/,
      ],
      [["-x"], /^unknown flag "-x"; allowed flags: --preset/],
      [["--preset", "huge"], /^--preset must be one of "smoke", "default", "paper", got "huge"/],
      [["--out-dir"], /^--out-dir needs a value/],
      [["--out-dir="], /^--out-dir needs a value/],
      [["--out-dir", "--refresh"], /^--out-dir needs a value, got the flag "--refresh"/],
      [["--refresh=yes"], /^--refresh takes no value, got "yes"/],
      [["--timeout", "0"], /^--timeout must be a positive number of seconds, got "0"/],
      [["--timeout", "soon"], /^--timeout must be a positive number of seconds, got "soon"/],
      [["--timeout", "Infinity"], /^--timeout must be a positive number of seconds/],
    ] as const
  ) {
    assert.throws(() => parseRenderArgs(argv), { name: "UsageError", message: message }, argv.join(" "));
    assert.throws(() => parseRenderArgs(argv), { message: usage });
  }
});

Deno.test("render_all stops at a bad flag before running anything (exit code 2); --help is exit code 0", async () => {
  const errors: unknown[] = [], logs: unknown[] = [];
  const [error, log] = [console.error, console.log];
  console.error = (...args: unknown[]) => errors.push(args.join(" "));
  console.log = (...args: unknown[]) => logs.push(args.join(" "));
  try {
    assert.equal(await main(["--preset", "huge", "no-such-notebook.ipynb"]), 2);
    assert.equal(await main(["--help"]), 0);
  } finally {
    [console.error, console.log] = [error, log];
  }
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /--preset must be one of/);
  assert.equal(logs.length, 1);
  assert.match(String(logs[0]), /^usage: /);
});

Deno.test("render order: the longest last render first, never-timed notebooks before every timed one, ties by path", () => {
  const seconds: Record<string, number> = { "a.ipynb": 3, "b.ipynb": 11, "c.ipynb": 3, "e.ipynb": 0.5 };
  assert.deepEqual(
    renderOrder(["e.ipynb", "c.ipynb", "d.ipynb", "a.ipynb", "b.ipynb"], (p) => seconds[p]),
    ["d.ipynb", "b.ipynb", "a.ipynb", "c.ipynb", "e.ipynb"],
  );
  // Without any time recorded the order is the paths' own.
  assert.deepEqual(renderOrder(["b", "a", "c"], () => undefined), ["a", "b", "c"]);
});
