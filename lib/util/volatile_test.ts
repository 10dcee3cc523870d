import assert from "node:assert/strict";
import { isVolatile, showVolatile, VOLATILE_METADATA } from "./volatile.ts";

Deno.test("outside a notebook a volatile line is printed; the mark is recognised on outputs", async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    await showVolatile("left ~3s", { id: "p" });
    await showVolatile("done", { id: "p" });
  } finally {
    console.log = log;
  }
  assert.deepEqual(lines, ["left ~3s", "done"]);
  assert(isVolatile({ metadata: VOLATILE_METADATA }));
  assert(!isVolatile({ metadata: {} }));
  assert(!isVolatile({}));
});
// In a notebook (Deno.jupyter), the display is updated in place and dropped by render-all: tools/notebooks_test.ts
// renders every notebook and checks that no volatile output is written.
