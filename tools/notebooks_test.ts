/**
 * Every notebook, end to end through the real Deno kernel at the smoke preset,
 * into temporary folders: no cell may fail, every figure it shows must be
 * written as a PNG, and the committed notebooks, results and run store are
 * left untouched. Each is rendered twice over one store, the second time
 * reusing every run: the notebooks written must be the same file (no timing,
 * progress or machine path in the committed outputs).
 */
import assert from "node:assert/strict";
import { executeNotebook, serializeNotebook } from "./jupyter/mod.ts";
import { committedNotebook } from "./render_all.ts";

const root = new URL("../", import.meta.url).pathname;
const notebooks = [...Deno.readDirSync(`${root}notebooks`)]
  .filter((entry) => entry.isFile && entry.name.endsWith(".ipynb"))
  .map((entry) => entry.name)
  .sort();

Deno.test("there are notebooks to run", () => {
  assert(notebooks.length > 0);
});

for (const name of notebooks) {
  Deno.test(`notebook ${name} runs at the smoke preset and writes its figures`, async () => {
    const scratch = await Deno.makeTempDir({ prefix: "collapse-smoke-" });
    try {
      const render = () =>
        executeNotebook(`${root}notebooks/${name}`, {
          env: {
            COLLAPSE_PRESET: "smoke",
            COLLAPSE_RESULTS_DIR: `${scratch}/results`,
            COLLAPSE_STORE_DIR: `${scratch}/runs`,
          },
          cellTimeoutMs: 300_000,
        });
      const run = await render();
      assert.deepEqual(run.errors, [], `cell errors in ${name}`);
      assert.equal(run.executedCells, run.codeCells);
      const figures = run.notebook.cells.flatMap((cell) => cell.outputs ?? [])
        .filter((output) =>
          output.output_type === "display_data" &&
          "image/png" in (output.data ?? {})
        );
      const stem = name.replace(/\.ipynb$/, "");
      let written: string[] = [];
      try {
        written = [...Deno.readDirSync(`${scratch}/results/${stem}`)].map((e) => e.name);
      } catch { /* no figures written */ }
      assert.equal(
        written.length,
        figures.length,
        `PNGs written vs figures shown in ${name}`,
      );
      assert(figures.length > 0, `${name} shows no figure`);
      const first = serializeNotebook(committedNotebook(run.notebook));
      assert.doesNotMatch(first, /elapsed \d|left ~|reused|\/results\//, `${name}: progress or a path committed`);
      const second = await render();
      assert.deepEqual(second.errors, []);
      const dropped =
        `outputs under no cell's request: ${run.untrackedOutputs} in the first, ${second.untrackedOutputs} in the second`;
      assert.equal(
        serializeNotebook(committedNotebook(second.notebook)),
        first,
        `${name}: a second render differs (${dropped})`,
      );
    } finally {
      await Deno.remove(scratch, { recursive: true });
    }
  });
}
