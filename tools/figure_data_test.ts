import assert from "node:assert/strict";
import { withCsvData } from "../lib/plot/mod.ts";
import type { VegaLiteSpec } from "../lib/plot/mod.ts";
import {
  compareFigureData,
  extractFigureData,
  formatComparison,
  main,
  notebookFigures,
  parseCsvRows,
} from "./figure_data.ts";
import { type Cell, type JsonObject, type Notebook, serializeNotebook } from "./jupyter/notebook.ts";

const MIME = "application/vnd.vegalite.v5+json";

type Row = Record<string, number | string | null>;

/** Rows as showFigure displays them: the spec with CSV data, the name as text/plain (and a PNG). */
function figure(name: string, rows: Row[], csv = true): Cell {
  const spec = { mark: "line", data: { values: rows }, encoding: {} } as unknown as VegaLiteSpec;
  const shown = csv ? withCsvData(spec) : spec;
  return {
    cell_type: "code",
    metadata: {},
    source: `await showFigure(spec, { name: "${name}" })`,
    execution_count: 1,
    outputs: [{
      output_type: "display_data",
      data: { [MIME]: shown as unknown as JsonObject, "image/png": "iVBORw0KGgo=", "text/plain": name },
      metadata: {},
    }],
  };
}

function notebook(cells: Cell[]): Notebook {
  return { cells, metadata: {}, nbformat: 4, nbformat_minor: 5 };
}

const loss: Row[] = [
  { workflow: "Replace", iteration: 0, loss: 1.5, label: "a, b" },
  { workflow: "Replace", iteration: 1, loss: 2.25, label: "" },
  { workflow: "Accumulate", iteration: 1, loss: 1.75, label: null },
];
const entropy: Row[] = [{ sides: 10, entropy: 3.3 }, { sides: 100, entropy: 6.6 }];

/** Writes notebooks (name -> notebook) into a new temporary folder, as Jupyter saves them. */
async function folder(notebooks: Record<string, Notebook>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "figure-data-" });
  for (const [name, nb] of Object.entries(notebooks)) {
    await Deno.writeTextFile(`${dir}/${name}`, serializeNotebook(nb));
  }
  await Deno.writeTextFile(`${dir}/notes.txt`, "not a notebook");
  return dir;
}

/** Runs main, capturing what it prints. */
async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    return { code: await main(argv), out: lines.join("\n") };
  } finally {
    console.log = log;
  }
}

Deno.test("figure_data: CSV as lib/plot writes it parses back to the same values", () => {
  const spec = withCsvData({ data: { values: loss } } as unknown as VegaLiteSpec) as unknown as {
    data: { values: string };
  };
  assert.equal(typeof spec.data.values, "string");
  assert.deepEqual(parseCsvRows(spec.data.values), loss);
  assert.deepEqual(parseCsvRows('a,b\r\n"1",2e-3\r\n-4,x""y\r\n'), [{ a: "1", b: 0.002 }, { a: -4, b: 'x""y' }]);
  assert.deepEqual(parseCsvRows('a\tb\n"q\tr"\t.5', "\t"), [{ a: "q\tr", b: 0.5 }]);
  assert.deepEqual(parseCsvRows(""), []);
});

Deno.test("figure_data: figures are named by text/plain or the spec, data found at any depth and in datasets", () => {
  const layered = {
    title: { text: "a layered chart" },
    datasets: { points: [{ x: 1 }] },
    layer: [{ mark: "point", data: { name: "points" } }, { mark: "rule", data: { values: [{ y: 2 }] } }],
  };
  const figures = notebookFigures(notebook([
    figure("loss", loss),
    figure("loss", entropy),
    {
      cell_type: "code",
      metadata: {},
      source: "",
      outputs: [
        { output_type: "execute_result", execution_count: 2, data: { [MIME]: layered }, metadata: {} },
        { output_type: "display_data", data: { [MIME]: { data: { values: "[1, 2]" } } }, metadata: {} },
        { output_type: "stream", name: "stdout", text: "not a figure\n" },
        { output_type: "display_data", data: { "text/plain": "not a figure either" }, metadata: {} },
      ],
    },
  ]));
  assert.deepEqual([...figures.keys()], ["loss", "loss (2)", "a layered chart", "figure 4"]);
  assert.deepEqual(figures.get("loss"), { data: loss });
  assert.deepEqual(figures.get("a layered chart"), {
    "datasets.points": [{ x: 1 }],
    "layer[0].data": { name: "points" },
    "layer[1].data": [{ y: 2 }],
  });
  assert.deepEqual(figures.get("figure 4"), { data: [1, 2] }, "JSON text is parsed");
});

Deno.test("figure_data compare: identical, one changed value, one missing figure", async () => {
  const a = await folder({
    "00_a.ipynb": notebook([figure("loss", loss), figure("entropy", entropy)]),
    "01_b.ipynb": notebook([figure("only", entropy)]),
  });
  const changed = loss.map((row, i) => i === 1 ? { ...row, loss: 2.5 } : row);
  const same = await folder({
    // Same values stored as JSON rows instead of CSV: still identical.
    "00_a.ipynb": notebook([figure("loss", loss, false), figure("entropy", entropy)]),
    "01_b.ipynb": notebook([figure("only", entropy)]),
  });
  const fewer = await folder({
    "00_a.ipynb": notebook([figure("loss", loss)]),
    "01_b.ipynb": notebook([figure("only", entropy)]),
  });
  const other = await folder({
    "00_a.ipynb": notebook([figure("loss", changed)]),
    "01_b.ipynb": notebook([figure("only", entropy)]),
  });
  try {
    const identical = await run(["compare", a, same]);
    assert.equal(identical.code, 0);
    assert.match(identical.out, /^00_a\.ipynb: 2 figures: 2 identical, 0 differ, 0 missing$/m);
    assert.match(identical.out, /: 3 figures: 3 identical, 0 differ, 0 missing$/);

    const results = compareFigureData(await extractFigureData(a), await extractFigureData(other));
    assert.deepEqual(results.map((r) => [r.notebook, r.figure, r.status, r.missingIn]), [
      ["00_a.ipynb", "loss", "differs", undefined],
      ["00_a.ipynb", "entropy", "missing", "B"],
      ["01_b.ipynb", "only", "identical", undefined],
    ]);
    const loss_ = results[0];
    assert.equal(loss_.differingValues, 1);
    assert.equal(loss_.maxAbs, 0.25);
    assert.equal(loss_.maxRel, 0.1);
    assert.equal(loss_.maxAt, "data[1].loss");

    const differs = await run(["compare", a, other]);
    assert.equal(differs.code, 1);
    assert.match(differs.out, /^00_a\.ipynb: 2 figures: 0 identical, 1 differ, 1 missing$/m);
    assert.match(
      differs.out,
      /^ {2}differs: loss: 1 values; largest difference 0\.25 absolute \(at data\[1\]\.loss\), 0\.1 relative$/m,
    );
    assert.match(differs.out, /^ {2}missing in figure-data-\w+: entropy$/m);
    assert.match(differs.out, /^01_b\.ipynb: 1 figure: 1 identical, 0 differ, 0 missing$/m);
    assert.match(differs.out, /: 3 figures: 1 identical, 1 differ, 1 missing$/);

    const missing = await run(["compare", a, fewer]);
    assert.equal(missing.code, 1, "a missing figure alone fails the comparison");
    assert.match(missing.out, /: 3 figures: 2 identical, 0 differ, 1 missing$/);

    const close = compareFigureData(await extractFigureData(a), await extractFigureData(other), { tolerance: 0.2 });
    assert.equal(close[0].status, "close");
  } finally {
    for (const dir of [a, same, fewer, other]) await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("figure_data compare: rows, keys and strings that differ are described; a notebook on one side only", () => {
  const figures = (rows: Row[]): Map<string, Map<string, Record<string, unknown>>> =>
    new Map([["n.ipynb", new Map([["f", { data: rows }]])]]);
  const [result] = compareFigureData(
    figures([{ x: 1, name: "a" }, { x: 2, name: "b" }]),
    figures([{ x: 1, name: "A", extra: 0 }]),
  );
  assert.equal(result.status, "differs");
  assert.deepEqual(result.notes, ["data: 2 vs 1 entries", 'data[0].name: "a" vs "A"', "data[0].extra only in B"]);
  assert.equal(result.maxAbs, 0, "no number differs");

  const onlyA = compareFigureData(figures([{ x: 1 }]), new Map());
  assert.deepEqual(onlyA.map((r) => [r.status, r.missingIn]), [["missing", "B"]]);
  assert.match(formatComparison(onlyA, { a: "A", b: "B" }), /^ {2}missing in B: f$/m);
});

Deno.test("figure_data's command line: bad commands, folder counts and values fail with the usage line", async () => {
  for (
    const [argv, message] of [
      [["diff", "a", "b"], /^the command must be one of "compare", "extract", got "diff"\nusage: /],
      [[], /^the command must be one of "compare", "extract", got ""/],
      [["compare", "a"], /^compare takes 2 folder\(s\), got 1/],
      [["compare", "a", "b", "--tolerance", "-1"], /^--tolerance needs a value, got the flag "-1"/],
      [["compare", "a", "b", "--tolerance=big"], /^--tolerance must be a positive number, got "big"/],
      [["compare", "/no/such/folder", "."], /^no folder \/no\/such\/folder/],
      [["extract", ".", "--bogus"], /^unknown flag "--bogus"; allowed flags: --tolerance, --help/],
    ] as const
  ) {
    await assert.rejects(() => main([...argv]), { name: "UsageError", message }, argv.join(" "));
  }
  assert.equal((await run(["--help"])).code, 0);
});
