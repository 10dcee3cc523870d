import assert from "node:assert/strict";
import { executeNotebook, OutputCollector, type ProgressEvent } from "./execute.ts";
import type { JsonObject } from "./notebook.ts";
import type { JupyterMessage } from "./wire.ts";

/** An IOPub message of `type` whose parent is request `parent`. */
function iopub(type: string, parent: string, content: JsonObject): JupyterMessage {
  const header = {
    msg_id: crypto.randomUUID(),
    session: "k",
    username: "kernel",
    date: "",
    msg_type: type,
    version: "5.3",
  };
  return { header, parent_header: { msg_id: parent }, metadata: {}, content, buffers: [] };
}

const stream = (parent: string, text: string): JupyterMessage => iopub("stream", parent, { name: "stdout", text });
const status = (parent: string, state: string): JupyterMessage => iopub("status", parent, { execution_state: state });

Deno.test("outputs are filed by parent msg_id, also when they come after idle", () => {
  const events: ProgressEvent[] = [];
  const collector = new OutputCollector((event) => events.push(event));
  const a = collector.track("a", 3), b = collector.track("b", 5);
  for (
    const message of [
      status("a", "busy"),
      stream("a", "one\n"),
      stream("other", "not ours\n"),
      status("a", "idle"),
      status("b", "busy"),
      stream("b", "b's\n"),
      stream("a", "late\n"), // after a's idle, while b runs
      iopub("display_data", "a", { data: { "text/plain": "late figure" }, metadata: {}, transient: {} }),
      status("b", "idle"),
    ]
  ) collector.handle(message);
  assert.deepEqual(a.outputs, [
    { output_type: "stream", name: "stdout", text: "one\nlate\n" },
    { output_type: "display_data", data: { "text/plain": "late figure" }, metadata: {} },
  ]);
  assert.deepEqual(b.outputs, [{ output_type: "stream", name: "stdout", text: "b's\n" }]);
  assert.equal(collector.lateOutputs, 2);
  assert.equal(collector.untrackedOutputs, 1, 'the stream of request "other"');
  assert.deepEqual(
    events.map((e) => e.kind === "stream" ? [e.cellIndex, e.text] : e.kind),
    [[3, "one\n"], [5, "b's\n"], [3, "late\n"]],
  );
});

Deno.test("clear_output, its wait form, update_display_data across cells, results and errors", () => {
  const collector = new OutputCollector();
  const a = collector.track("a", 0), b = collector.track("b", 1);
  const shown = { data: { "text/plain": "v1" }, metadata: {}, transient: { display_id: "d" } };
  for (
    const message of [
      stream("a", "gone\n"),
      iopub("clear_output", "a", { wait: false }),
      iopub("display_data", "a", shown),
      stream("b", "replaced\n"),
      iopub("clear_output", "b", { wait: true }),
      stream("b", "kept\n"),
      iopub("execute_result", "b", { execution_count: 7, data: { "text/plain": "42" }, metadata: {} }),
      iopub("update_display_data", "untracked", {
        data: { "text/plain": "v2" },
        metadata: {},
        transient: { display_id: "d" },
      }),
      iopub("error", "b", { ename: "Error", evalue: "boom", traceback: ["at b"] }),
    ]
  ) collector.handle(message);
  assert.deepEqual(a.outputs, [{ output_type: "display_data", data: { "text/plain": "v2" }, metadata: {} }]);
  assert.deepEqual(b.outputs, [
    { output_type: "stream", name: "stdout", text: "kept\n" },
    { output_type: "execute_result", execution_count: 7, data: { "text/plain": "42" }, metadata: {} },
    { output_type: "error", ename: "Error", evalue: "boom", traceback: ["at b"] },
  ]);
  assert.equal(collector.lateOutputs, 0);
  assert.equal(collector.untrackedOutputs, 0, "an update of a known display is applied, not dropped");
});

async function writeNotebook(dir: string, sources: string[]): Promise<string> {
  const cells = sources.map((source, i) => ({
    cell_type: "code",
    id: `cell-${i}`,
    metadata: { tag: i },
    source,
    outputs: [],
    execution_count: null,
  }));
  const path = `${dir}/scratch.ipynb`;
  await Deno.writeTextFile(
    path,
    JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }),
  );
  return path;
}

Deno.test({
  name: "a notebook runs through the real Deno kernel, every output in its cell",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const path = await writeNotebook(dir, [
        'console.log("hello"); console.log("world");',
        'await Deno.jupyter.display({ "text/plain": "x" }, { raw: true });',
        "Deno.env.get('JUPYTER_CLIENT_TEST') + 1",
      ]);
      const run = await executeNotebook(path, {
        env: { JUPYTER_CLIENT_TEST: "4" },
      });
      assert.deepEqual(run.errors, []);
      assert.equal(run.executedCells, 3);
      const cells = run.notebook.cells;
      assert.deepEqual(cells.map((c) => c.execution_count), [1, 2, 3]);
      assert.deepEqual(cells.map((c) => c.id), ["cell-0", "cell-1", "cell-2"]);
      assert.deepEqual(cells[1].metadata, { tag: 1 });
      assert.deepEqual(cells[0].outputs, [{
        output_type: "stream",
        name: "stdout",
        text: "hello\nworld\n",
      }]);
      assert.deepEqual(cells[1].outputs, [{
        output_type: "display_data",
        data: { "text/plain": "x" },
        metadata: {},
      }]);
      assert.equal(cells[2].outputs?.length, 1);
      const result = cells[2].outputs?.[0];
      assert.equal(result?.output_type, "execute_result");
      assert.equal(result.execution_count, 3);
      assert.equal(result.data["text/plain"], '"41"');
      assert.deepEqual(run.notebook.metadata.kernelspec, {
        display_name: "Deno",
        language: "typescript",
        name: "deno",
      });
      assert.equal(
        (run.notebook.metadata.language_info as { name?: string }).name,
        "typescript",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a failing cell is reported with its index and stops the run",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const path = await writeNotebook(dir, [
        "1",
        "",
        'throw new Error("boom")',
        'console.log("never")',
      ]);
      const run = await executeNotebook(path);
      assert.equal(run.errors.length, 1);
      assert.equal(run.errors[0].cellIndex, 2);
      assert.equal(run.errors[0].codeCellNumber, 2);
      assert.match(run.errors[0].evalue, /boom/);
      assert.match(run.errors[0].traceback.join("\n"), /boom/);
      assert.equal(run.executedCells, 2);
      assert.equal(run.notebook.cells[2].outputs?.[0]?.output_type, "error");
      assert.equal(run.notebook.cells[3].execution_count, null);

      const all = await executeNotebook(path, { allowErrors: true });
      assert.equal(all.executedCells, 3);
      assert.deepEqual(all.notebook.cells[3].outputs, [{
        output_type: "stream",
        name: "stdout",
        text: "never\n",
      }]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "the last outputs of a cell stay in it: the next cell waits until IOPub is quiet",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      // Stderr lines then a display, as a figure that warns while it is drawn: with the next request sent at once,
      // it took the last of such outputs in about half the renders.
      const path = await writeNotebook(dir, [
        "for (let i = 0; i < 16; i++) console.warn(`warning ${i}`);\n" +
        'await Deno.jupyter.display({ "text/plain": "figure" }, { raw: true });',
        'console.log("next");',
      ]);
      for (let render = 0; render < 3; render++) {
        const run = await executeNotebook(path);
        assert.deepEqual(run.errors, []);
        const [first, second] = run.notebook.cells;
        const warnings = Array.from({ length: 16 }, (_, i) => `warning ${i}\n`).join("");
        assert.deepEqual(
          first.outputs?.map((o) =>
            o.output_type === "stream" ? o.text : o.output_type === "display_data" ? o.data : o
          ),
          [
            warnings,
            { "text/plain": "figure" },
          ],
          `render ${render}`,
        );
        assert.deepEqual(
          second.outputs?.map((o) => o.output_type === "stream" ? o.text : o),
          ["next\n"],
          `render ${render}`,
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("clear_output, update_display_data and carriage returns are applied like Jupyter does", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const broadcast = "await Deno.jupyter.broadcast";
    const path = await writeNotebook(dir, [
      `console.log("one"); ${broadcast}("clear_output", { wait: false }); console.log("two")`,
      `${broadcast}("display_data", { data: { "text/plain": "v1" }, metadata: {}, transient: { display_id: "d" } })`,
      `${broadcast}("update_display_data", { data: { "text/plain": "v2" }, metadata: {}, transient: { display_id: "d" } })`,
      `for (let i = 0; i < 3; i++) ${broadcast}("stream", { name: "stdout", text: "\\rstep " + i }); console.log("!")`,
    ]);
    const run = await executeNotebook(path);
    assert.deepEqual(run.errors, []);
    assert.deepEqual(run.notebook.cells.map((c) => c.outputs), [
      [{ output_type: "stream", name: "stdout", text: "two\n" }],
      [{
        output_type: "display_data",
        data: { "text/plain": "v2" },
        metadata: {},
      }],
      [],
      [{ output_type: "stream", name: "stdout", text: "step 2!\n" }],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
