import assert from "node:assert/strict";
import { parseArgs } from "./render_all.ts";

Deno.test("render_all's command line", () => {
  const args = parseArgs([
    "--preset",
    "smoke",
    "--refresh",
    "--out-dir=out",
    "a.ipynb",
  ]);
  assert.equal(args.preset, "smoke");
  assert.equal(args.refresh, true);
  assert.equal(args.outDir, "out");
  assert.deepEqual(args.notebooks, ["a.ipynb"]);
  assert.throws(
    () => parseArgs(["--bogus"]),
    /unknown flag "--bogus"; allowed flags: --preset/,
  );
  assert.throws(() => parseArgs(["--preset", "huge"]), /unknown preset "huge"/);
  assert.throws(() => parseArgs(["--out-dir"]), /--out-dir needs a value/);
});
