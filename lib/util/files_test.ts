import assert from "node:assert/strict";
import { exists } from "./files.ts";

Deno.test("exists: a file and a folder do, a missing path does not", async () => {
  const dir = await Deno.makeTempDir();
  try {
    Deno.writeTextFileSync(`${dir}/a`, "");
    assert(exists(`${dir}/a`) && exists(dir));
    assert(!exists(`${dir}/missing`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
