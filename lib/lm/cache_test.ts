import assert from "node:assert/strict";
import { cachedFolder } from "./cache.ts";

const options = (label: string, log: string[]) => ({
  marker: "done.json",
  build: async (folder: string): Promise<void> => {
    log.push(`build ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // both builders are in flight at once
    Deno.writeTextFileSync(`${folder}/data.txt`, label);
    Deno.writeTextFileSync(`${folder}/done.json`, "{}");
  },
  load: (dir: string): Promise<string> => Promise.resolve(Deno.readTextFileSync(`${dir}/data.txt`)),
});

Deno.test("a cached folder is built once, and two builders at once both use the first complete copy", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "collapse-cache-" });
  try {
    const dir = `${scratch}/thing`;
    const log: string[] = [];
    const [a, b] = await Promise.all([cachedFolder(dir, options("a", log)), cachedFolder(dir, options("b", log))]);
    assert.deepEqual(log.sort(), ["build a", "build b"]);
    assert.equal(a, b, "the second builder loads the first one's copy");
    assert.equal(await cachedFolder(dir, options("c", log)), a, "a complete folder is loaded, not rebuilt");
    assert.equal(log.length, 2);
    assert.deepEqual([...Deno.readDirSync(scratch)].map((e) => e.name), ["thing"], "no temporary folder left");
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test("a folder left without its marker (an interrupted build) is replaced; a build without one fails", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "collapse-cache-" });
  try {
    const dir = `${scratch}/thing`;
    Deno.mkdirSync(dir);
    Deno.writeTextFileSync(`${dir}/data.txt`, "partial");
    assert.equal(await cachedFolder(dir, options("fresh", [])), "fresh");
    await assert.rejects(
      () => cachedFolder(`${scratch}/other`, { ...options("x", []), build: () => Promise.resolve() }),
      /building .*other wrote no done.json/,
    );
    assert.deepEqual([...Deno.readDirSync(scratch)].map((e) => e.name), ["thing"]);
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});
