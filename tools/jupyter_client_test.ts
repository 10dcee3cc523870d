import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import {
  decodeMessage,
  encodeMessage,
  executeNotebook,
  type JupyterMessage,
  type Notebook,
  serializeNotebook,
  signParts,
  splitLines,
} from "./jupyter_client.ts";
import { parseArgs } from "./render_all.ts";

const KEY = "a0436f6c-1916-498b-8eb9-e81ab9368e84";

function message(): JupyterMessage {
  const header = {
    msg_id: "m1",
    session: "s1",
    username: "test",
    date: "2024-01-01T00:00:00.000Z",
    msg_type: "execute_request",
    version: "5.3",
  };
  return {
    header,
    parent_header: {},
    metadata: {},
    content: { code: "1 + 1", silent: false },
    buffers: [],
  };
}

Deno.test("signatures match an independent HMAC-SHA256 and round-trip", async () => {
  const msg = message();
  const frames = await encodeMessage(msg, KEY);
  const text = frames.map((f) => new TextDecoder().decode(f));
  assert.equal(text[0], "<IDS|MSG>");
  const hmac = createHmac("sha256", KEY);
  for (const part of text.slice(2, 6)) hmac.update(part);
  assert.equal(text[1], hmac.digest("hex"));
  assert.equal(
    await signParts(KEY, ["a", "b"]),
    createHmac("sha256", KEY).update("ab").digest("hex"),
  );
  assert.equal(await signParts("", ["a"]), "");

  // With a routing identity / IOPub topic in front, as received from a socket.
  const decoded = await decodeMessage([
    new TextEncoder().encode("kernel.topic"),
    ...frames,
  ], KEY);
  assert.deepEqual(decoded, msg);
  await assert.rejects(
    () => decodeMessage(frames, "other key"),
    /invalid message signature/,
  );
  const tampered = [...frames];
  tampered[5] = new TextEncoder().encode('{"code":"2 + 2","silent":false}');
  await assert.rejects(
    () => decodeMessage(tampered, KEY),
    /invalid message signature/,
  );
});

Deno.test("notebooks are serialized like Jupyter saves them", () => {
  assert.deepEqual(splitLines("a\nb\r\nc"), ["a\n", "b\r\n", "c"]);
  assert.deepEqual(splitLines(""), []);
  const notebook: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { z: 1, a: 2 },
    cells: [{
      cell_type: "code",
      id: "x",
      metadata: {},
      source: "let a = 1;\na",
      execution_count: 1,
      outputs: [
        { output_type: "stream", name: "stdout", text: "one\ntwo\n" },
        {
          output_type: "execute_result",
          execution_count: 1,
          data: { "text/plain": "1", "image/png": "QUJD" },
          metadata: {},
        },
      ],
    }],
  };
  const text = serializeNotebook(notebook);
  assert(text.endsWith("}\n"));
  assert(text.startsWith('{\n "cells": [\n  {\n   "cell_type": "code",'));
  const parsed = JSON.parse(text);
  assert.deepEqual(Object.keys(parsed.metadata), ["a", "z"]);
  assert.deepEqual(parsed.cells[0].source, ["let a = 1;\n", "a"]);
  assert.deepEqual(parsed.cells[0].outputs[0].text, ["one\n", "two\n"]);
  assert.deepEqual(parsed.cells[0].outputs[1].data, {
    "image/png": "QUJD",
    "text/plain": ["1"],
  });
});

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
