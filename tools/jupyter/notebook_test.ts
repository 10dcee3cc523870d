import assert from "node:assert/strict";
import {
  cellSource,
  collapseCarriageReturns,
  joinLines,
  type Notebook,
  readNotebook,
  serializeNotebook,
  splitLines,
} from "./notebook.ts";

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

Deno.test("serializing a saved notebook again changes nothing (markdown, svg, vega-lite JSON kept as they are)", () => {
  const notebook: Notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# Title\ntext" },
      {
        cell_type: "code",
        metadata: {},
        source: "x",
        execution_count: 2,
        outputs: [{
          output_type: "display_data",
          data: {
            "image/svg+xml": "<svg>\n</svg>",
            "application/vnd.vegalite.v5+json": { data: { values: "a,b\n1,2" } },
          },
          metadata: {},
        }],
      },
    ],
  };
  const once = serializeNotebook(notebook);
  const parsed = JSON.parse(once);
  assert.deepEqual(parsed.cells[0].source, ["# Title\n", "text"]);
  const data = parsed.cells[1].outputs[0].data;
  assert.deepEqual(data["image/svg+xml"], ["<svg>\n", "</svg>"]);
  assert.equal(data["application/vnd.vegalite.v5+json"].data.values, "a,b\n1,2", "JSON mime data is not split");
  assert.equal(serializeNotebook(parsed), once);
});

Deno.test("lines, sources and carriage returns", () => {
  assert.equal(joinLines(["a\n", "b"]), "a\nb");
  assert.equal(joinLines("a\nb"), "a\nb");
  assert.equal(cellSource({ cell_type: "code", metadata: {}, source: ["1;\n", "2"] }), "1;\n2");
  assert.equal(collapseCarriageReturns("step 1\rstep 2\rstep 3\ndone\r\n"), "step 3\ndone\n");
  assert.equal(collapseCarriageReturns("\rstep 0\rstep 1!\n"), "step 1!\n");
  assert.equal(collapseCarriageReturns("no returns\n"), "no returns\n");
});

Deno.test("readNotebook reads nbformat 4 and refuses anything else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/ok.ipynb`,
      JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }),
    );
    assert.deepEqual((await readNotebook(`${dir}/ok.ipynb`)).cells, []);
    await Deno.writeTextFile(`${dir}/old.ipynb`, JSON.stringify({ worksheets: [], metadata: {}, nbformat: 3 }));
    await assert.rejects(() => readNotebook(`${dir}/old.ipynb`), /old\.ipynb: not an nbformat 4 notebook/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
