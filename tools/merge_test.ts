import assert from "node:assert/strict";
import { main, parseMergeArgs } from "./merge.ts";

Deno.test("merge's command line", () => {
  assert.deepEqual(parseMergeArgs(["s0", "s1", "--into", "runs"]), {
    sources: ["s0", "s1"],
    into: "runs",
    help: false,
  });
  assert.deepEqual(parseMergeArgs(["--into=merged", "s0"]), { sources: ["s0"], into: "merged", help: false });
  assert.deepEqual(parseMergeArgs(["s0"]), { sources: ["s0"], into: undefined, help: false });
  assert.equal(parseMergeArgs(["-h"]).help, true);
});

Deno.test("merge's command-line errors name the flag and what it allows, then the usage", () => {
  for (
    const [argv, message] of [
      [["s0", "--bogus"], /^unknown flag "--bogus"; allowed flags: --into, --help/],
      [[], /^which stores\?/],
      [["--into", "runs"], /^which stores\?/],
      [["s0", "--into"], /^--into needs a value/],
      [["s0", "--into", "--help"], /^--into needs a value, got the flag "--help"/],
    ] as const
  ) {
    assert.throws(() => parseMergeArgs(argv), { name: "UsageError", message }, argv.join(" "));
    assert.throws(() => parseMergeArgs(argv), { message: /\nusage: deno task merge STORE_DIR\.\.\. \[--into DIR\]$/ });
  }
});

Deno.test("merge fails on a bad flag before it touches any store", () => {
  const scratch = Deno.makeTempDirSync();
  try {
    assert.throws(() => main([`${scratch}/missing-store`, "--into", `${scratch}/merged`, "--dry-run"]), {
      name: "UsageError",
    });
    assert.throws(() => Deno.statSync(`${scratch}/merged`), { name: "NotFound" });
  } finally {
    Deno.removeSync(scratch, { recursive: true });
  }
});
