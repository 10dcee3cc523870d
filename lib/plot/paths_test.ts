// Tests of paths.ts.
import assert from "node:assert/strict";
import { projectRoot } from "./paths.ts";

Deno.test("projectRoot: the folder holding deno.json and lib/plot/, whatever the cwd", () => {
  const root = projectRoot();
  assert.ok(root.endsWith("/"));
  assert.ok(Deno.statSync(`${root}deno.json`).isFile);
  assert.ok(Deno.statSync(`${root}lib/plot/mod.ts`).isFile);
});
