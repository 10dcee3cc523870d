// Tests of lib/plot.ts. Run: deno test -A lib/plot_test.ts
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  type BandRow,
  compileSpec,
  densityChart,
  type DensityRow,
  facetedLineChart,
  fontFiles,
  meanWithBand,
  showFigure,
  specToPng,
  specToSvg,
  VEGA_LITE_V5_SCHEMA,
  type VegaLiteSpec,
  withCsvData,
  WORKFLOW_ORDER,
} from "./mod.ts";

// ---------------------------------------------------------------------------------------------
// Helpers

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The spec as plain JSON, to look inside without vega-lite's union types. */
function asJson(spec: VegaLiteSpec): { [key: string]: Json } {
  return JSON.parse(JSON.stringify(spec));
}

function obj(v: Json | undefined): { [key: string]: Json } {
  assert.ok(v !== null && typeof v === "object" && !Array.isArray(v), `not an object: ${v}`);
  return v;
}

function arr(v: Json | undefined): Json[] {
  assert.ok(Array.isArray(v), `not an array: ${v}`);
  return v;
}

/** The named vega scale of a compiled vega spec (searched through nested marks). */
function findVegaScale(vg: unknown, name: string): Record<string, unknown> | undefined {
  const stack: unknown[] = [vg];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown>;
    for (const s of (node.scales as Record<string, unknown>[] | undefined) ?? []) {
      if (s.name === name) return s;
    }
    for (const m of (node.marks as unknown[] | undefined) ?? []) stack.push(m);
  }
  return undefined;
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(new TextDecoder().decode(png.subarray(12, 16)), "IHDR");
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

/** Synthetic per-seed rows: y = (1 - 1/n)^t times noise, three workflows, 3 seeds. */
function syntheticRows(): { workflow: string; n: number; t: number; seed: number; y: number }[] {
  const rows = [];
  let s = 7;
  const rand = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  for (const workflow of WORKFLOW_ORDER) {
    for (const n of [10, 32, 100, 316, 1000]) {
      for (let seed = 0; seed < 3; seed++) {
        for (let t = 1; t <= 20; t++) {
          const y = Math.pow(1 - 1 / n, t) * (1 + 0.2 * (rand() - 0.5));
          rows.push({ workflow, n, t, seed, y });
        }
      }
    }
  }
  return rows;
}

function syntheticBands(): BandRow[] {
  return meanWithBand(syntheticRows(), { x: "t", y: "y", groupBy: ["workflow", "n"] });
}

function syntheticDensities(): DensityRow[] {
  const rows: DensityRow[] = [];
  for (const workflow of ["Accumulate", "Replace"]) {
    for (let iteration = 1; iteration <= 10; iteration++) {
      const v = workflow === "Replace" ? Math.pow(0.9, iteration) : 1;
      for (let i = 0; i <= 50; i++) {
        const x = -3 + 6 * i / 50;
        const density = Math.exp(-x * x / (2 * v)) / Math.sqrt(2 * Math.PI * v);
        rows.push({ workflow, iteration, x, density });
      }
    }
  }
  return rows;
}

// vega-lite 5 (JupyterLab's renderer). Its npm build is UMD and needs `vega` only for vega-util
// helpers and the expression parser, which vega 6 still exports; evaluate it with vega 6 as that
// dependency (vega 6's ESM build cannot be require()d, so a plain import of vega-lite 5 fails).
type CompileFn = (
  spec: unknown,
  opts?: { logger?: unknown },
) => { spec: unknown };
let vl5: Promise<{ compile: CompileFn; version: string; schema: Set<string> }> | undefined;
function loadVegaLite5(): Promise<{ compile: CompileFn; version: string; schema: Set<string> }> {
  return (vl5 ??= (async () => {
    const vega = await import("vega");
    const file = fileURLToPath(import.meta.resolve("vega-lite-v5/build/vega-lite.js"));
    const code = await Deno.readTextFile(file);
    const exports: Record<string, unknown> = {};
    const module = { exports };
    const require = (name: string): unknown => {
      if (name === "vega") return vega;
      throw new Error(`vega-lite 5 asked for ${name}`);
    };
    new Function("exports", "module", "require", code)(exports, module, require);
    // Every property name the vega-lite 5 JSON schema knows.
    const schemaFile = fileURLToPath(import.meta.resolve("vega-lite-v5/build/vega-lite-schema.json"));
    const schema = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node !== null && typeof node === "object") {
        const o = node as Record<string, unknown>;
        if (o.properties !== null && typeof o.properties === "object") {
          for (const k of Object.keys(o.properties)) schema.add(k);
        }
        Object.values(o).forEach(walk);
      }
    };
    walk(JSON.parse(await Deno.readTextFile(schemaFile)));
    return {
      compile: exports.compile as CompileFn,
      version: String(exports.version),
      schema,
    };
  })());
}

/** Compiles with vega-lite 6 and 5; asserts no warnings from either. */
async function assertCompilesCleanly(spec: VegaLiteSpec): Promise<unknown> {
  const { vega: vg, warnings } = await compileSpec(spec);
  assert.deepEqual(warnings, [], `vega-lite 6 warnings: ${warnings.join("; ")}`);
  const v5 = await loadVegaLite5();
  assert.match(v5.version, /^5\./);
  const warnings5: string[] = [];
  const push = (...a: unknown[]): void => void warnings5.push(a.map(String).join(" "));
  const logger = {
    level: () => 2,
    warn(...a: unknown[]) {
      push(...a);
      return this;
    },
    error(...a: unknown[]) {
      push("ERROR", ...a);
      return this;
    },
    info() {
      return this;
    },
    debug() {
      return this;
    },
  };
  v5.compile(spec, { logger });
  assert.deepEqual(warnings5, [], `vega-lite 5 warnings: ${warnings5.join("; ")}`);
  // Every property name used by the spec (outside inline data) exists in vega-lite 5's schema.
  const unknownKeys = new Set<string>();
  const walk = (node: unknown, key: string): void => {
    if (key === "values" || key === "datum") return;
    if (Array.isArray(node)) node.forEach((v) => walk(v, ""));
    else if (node !== null && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (!v5.schema.has(k) && k !== "$schema") unknownKeys.add(k);
        walk(v, k);
      }
    }
  };
  walk(spec, "");
  assert.deepEqual([...unknownKeys], [], "property names unknown to vega-lite 5's schema");
  return vg;
}

// ---------------------------------------------------------------------------------------------
// meanWithBand

Deno.test("meanWithBand: mean, sample sd and mean ± 1.96·SE, by hand", () => {
  const rows = [
    { wf: "Replace", n: 10, t: 2, seed: 0, y: 4 },
    { wf: "Replace", n: 10, t: 1, seed: 0, y: 1 },
    { wf: "Replace", n: 10, t: 1, seed: 1, y: 2 },
    { wf: "Replace", n: 10, t: 1, seed: 2, y: 3 },
    { wf: "Replace", n: 10, t: 2, seed: 1, y: 8 },
    { wf: "Accumulate", n: 10, t: 1, seed: 0, y: 5 },
    { wf: "Replace", n: 10, t: 2, seed: 2, y: Number.NaN },
  ];
  const out = meanWithBand(rows, { x: "t", y: "y", groupBy: ["wf", "n"] });
  assert.equal(out.length, 3);
  // Replace, t = 1: y = 1, 2, 3 -> mean 2, sd 1, SE 1/sqrt(3) = 0.5773503, 1.96 SE = 1.1316065.
  const [a, b, c] = out;
  assert.equal(a.wf, "Replace");
  assert.equal(a.n, 10);
  assert.equal(a.x, 1);
  assert.equal(a.k, 3);
  close(a.mean, 2);
  close(a.sd, 1);
  close(a.lo, 2 - 1.1316065, 1e-7);
  close(a.hi, 2 + 1.1316065, 1e-7);
  // Replace, t = 2: y = 4, 8 (NaN skipped) -> mean 6, sd sqrt(8) = 2.8284271, SE 2, 1.96 SE = 3.92.
  assert.equal(b.x, 2);
  assert.equal(b.k, 2);
  close(b.mean, 6);
  close(b.sd, Math.sqrt(8));
  close(b.lo, 2.08);
  close(b.hi, 9.92);
  // One seed: lo = hi = mean, sd 0.
  assert.equal(c.wf, "Accumulate");
  assert.deepEqual([c.mean, c.lo, c.hi, c.sd, c.k], [5, 5, 5, 0, 1]);
  assert.ok(!("seed" in c) && !("y" in c), "only groupBy fields and the band fields are kept");
});

Deno.test("meanWithBand: rejects colliding groupBy names and non-numeric x", () => {
  assert.throws(
    () => meanWithBand([{ mean: 1, t: 1, y: 1 }], { x: "t", y: "y", groupBy: ["mean"] }),
    /collides/,
  );
  assert.throws(
    () => meanWithBand([{ t: "a", y: 1 }], { x: "t", y: "y", groupBy: [] }),
    /finite number/,
  );
});

// ---------------------------------------------------------------------------------------------
// Specs

Deno.test("facetedLineChart: compiles cleanly (vega-lite 6 and 5), workflow order, log colour", async () => {
  const spec = facetedLineChart(syntheticBands(), {
    title: "Trace",
    subtitle: "preset: test",
    yTitle: "tr",
  });
  const j = asJson(spec);
  assert.equal(j.$schema, VEGA_LITE_V5_SCHEMA);
  const column = obj(obj(j.facet).column);
  assert.equal(column.field, "workflow");
  assert.deepEqual(column.sort, [...WORKFLOW_ORDER]);
  assert.deepEqual(obj(j.title), { text: "Trace", subtitle: "preset: test" });
  const vg = await assertCompilesCleanly(spec);
  assert.equal(findVegaScale(vg, "color")?.type, "log");
  assert.equal(findVegaScale(vg, "y")?.type, "linear");
  assert.equal(findVegaScale(vg, "child_y"), undefined, "shared y by default");
  const layers = arr(obj(j.spec).layer).map(obj);
  assert.deepEqual(layers.map((l) => obj(l.mark).type), ["area", "line"]);
  const legend = obj(obj(obj(layers[1].encoding).color).legend);
  assert.deepEqual(legend.values, [10, 32, 100, 316, 1000]);
  assert.equal(obj(obj(layers[1].encoding).color).title, "Num. Samples per Iteration");
});

Deno.test("facetedLineChart: log y drops mean <= 0 and clamps the band; symlog; references", async () => {
  const rows: BandRow[] = [
    { workflow: "Accumulate", n: 10, x: 1, mean: 1, lo: -0.5, hi: 2.5, sd: 1, k: 3 },
    { workflow: "Accumulate", n: 10, x: 2, mean: 0, lo: -1, hi: 1, sd: 1, k: 3 },
    { workflow: "Replace", n: 10, x: 1, mean: 0.01, lo: 0.005, hi: 0.02, sd: 1, k: 3 },
    { workflow: "Replace", n: 10, x: 2, mean: 100, lo: 50, hi: 150, sd: 1, k: 3 },
    { workflow: "Replace", n: 100, x: 1, mean: Infinity, lo: 0, hi: 0, sd: 1, k: 3 },
  ];
  const reference = [
    { n: 10, x: 1, y: 1 },
    { n: 10, x: 2, y: 0 },
    { workflow: "Replace", n: 100, x: 2, y: 3 },
  ];
  const spec = facetedLineChart(rows, {
    yScale: "log",
    reference,
    subtitle: ["preset: test", "second line"],
    resolveY: "independent",
  });
  const j = asJson(spec);
  const values = arr(obj(j.data).values).map(obj);
  const sim = values.filter((v) => v._layer === "sim");
  assert.deepEqual(sim.map((v) => [v.workflow, v.x, v.mean, v.lo]), [
    ["Accumulate", 1, 1, 0.005], // lo clamped to the smallest positive mean/lo
    ["Replace", 1, 0.01, 0.005],
    ["Replace", 2, 100, 50],
  ]);
  const ref = values.filter((v) => v._layer === "ref");
  // A reference row without workflow is drawn in every column; y <= 0 is dropped on log y.
  assert.deepEqual(ref.map((v) => [v.workflow, v.n, v.x]).sort(), [
    ["Accumulate", 10, 1],
    ["Replace", 10, 1],
    ["Replace", 100, 2],
  ]);
  assert.match(String(j.description), /mean <= 0/);
  assert.match(String(j.description), /non-finite/);
  const layers = arr(obj(j.spec).layer).map(obj);
  assert.equal(layers.length, 3);
  assert.deepEqual(obj(obj(layers[2].encoding).strokeDash).datum, "Closed form");
  const vg = await assertCompilesCleanly(spec);
  // Independent y: the y scale lives inside the facet cell ("child_y"), one per column.
  assert.equal(findVegaScale(vg, "child_y")?.type, "log");
  assert.equal(findVegaScale(vg, "y"), undefined);
  const svg = await specToSvg(spec);
  assert.ok(svg.includes("second line"), "subtitle drawn even without a title");

  const sym = facetedLineChart(syntheticBands(), { yScale: "symlog", xScale: "log" });
  const vgSym = await assertCompilesCleanly(sym);
  assert.equal(findVegaScale(vgSym, "y")?.type, "symlog");
  assert.equal(findVegaScale(vgSym, "x")?.type, "log");
});

Deno.test("facetedLineChart: one n (language-model figure) gets a centred colour", async () => {
  const rows = meanWithBand(
    [1, 2, 3].flatMap((t) => WORKFLOW_ORDER.map((workflow) => ({ workflow, n: 12500, t, y: 1 + t / 10 }))),
    { x: "t", y: "y", groupBy: ["workflow", "n"] },
  );
  const spec = facetedLineChart(rows, { yScale: "log", colorScale: "log" });
  await assertCompilesCleanly(spec);
  const png = await specToPng(spec, { scale: 1 });
  assert.ok(pngSize(png).width > 300);
});

Deno.test("facetedLineChart: a symlog colour scale accepts a colour value of 0", async () => {
  const rows = meanWithBand(
    [0, 64, 1024].flatMap((n) => [1, 2].map((t) => ({ workflow: "Replace", n, t, y: 1 + n / 1000 + t }))),
    { x: "t", y: "y", groupBy: ["workflow", "n"] },
  );
  assert.throws(() => facetedLineChart(rows), /must be > 0 on a log colour scale/);
  const vg = await assertCompilesCleanly(facetedLineChart(rows, { colorScale: "symlog" }));
  assert.equal(findVegaScale(vg, "color")?.type, "symlog");
});

Deno.test("densityChart: compiles cleanly (vega-lite 6 and 5), panels in workflow order", async () => {
  const spec = densityChart(syntheticDensities(), { title: "Densities", subtitle: "preset: test" });
  const j = asJson(spec);
  assert.deepEqual(obj(obj(j.facet).column).sort, [...WORKFLOW_ORDER]);
  const values = arr(obj(j.data).values).map(obj);
  const its = values.map((v) => Number(v.iteration));
  assert.deepEqual(its, [...its].sort((a, b) => a - b), "later iterations drawn last (on top)");
  const vg = await assertCompilesCleanly(spec);
  assert.equal(findVegaScale(vg, "color")?.type, "linear");
  // Panels come out Replace before Accumulate although the data lists Accumulate first.
  const svg = await specToSvg(spec);
  const r = svg.indexOf(">Replace<");
  const a = svg.indexOf(">Accumulate<");
  assert.ok(r >= 0 && a >= 0 && r < a, "Replace panel header precedes Accumulate");
});

// ---------------------------------------------------------------------------------------------
// Rendering

/** A chart that is only a big title (no axes, no other text). */
function titleOnly(text: string): VegaLiteSpec {
  return {
    $schema: VEGA_LITE_V5_SCHEMA,
    title: { text, fontSize: 40 },
    data: { values: [{ a: 1 }] },
    mark: { type: "point", opacity: 0 },
    autosize: "none", // the same size whatever the title; the title sits in the top padding
    padding: { top: 60, left: 10, right: 10, bottom: 10 },
    width: 500,
    height: 20,
    config: { background: "white", font: "DejaVu Sans", view: { stroke: null } },
  };
}

Deno.test("specToPng: a valid PNG at scale 2 that contains rendered TEXT", async () => {
  const withText = await specToPng(titleOnly("Collapse or Thrive?"));
  const without = await specToPng(titleOnly(""));
  const size = pngSize(withText);
  assert.deepEqual(size, { width: 1040, height: 180 }); // (500 + 20) x (20 + 70), scale 2
  assert.deepEqual(pngSize(without), size);
  // The only difference between the two charts is the title's text: if resvg found no font the
  // two PNGs would be byte-identical (no text, no error).
  assert.notDeepEqual(withText, without, "title text was not rendered (fonts missing?)");

  const scale1 = pngSize(await specToPng(titleOnly("Collapse or Thrive?"), { scale: 1 }));
  assert.equal(scale1.width * 2, size.width);
});

Deno.test("fonts: DejaVu files found; without them resvg silently drops text (the guarded failure)", async () => {
  const files = fontFiles();
  assert.equal(files.length, 2);
  assert.match(files[0], /DejaVuSans\.ttf$/);
  assert.match(files[1], /DejaVuSans-Bold\.ttf$/);
  const { Resvg } = await import("@resvg/resvg-js");
  const svg = await specToSvg(titleOnly("Collapse or Thrive?"));
  const dark = (fonts: string[]): number => {
    const img = new Resvg(svg, {
      font: { fontFiles: fonts, loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" },
      background: "white",
    }).render();
    const px = img.pixels; // a getter that copies: read it once
    let count = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] < 128) count++;
    return count;
  };
  assert.ok(dark(files) > 500, "text drawn with the DejaVu files");
  assert.equal(dark([]), 0, "no fonts: no text, and no error");
});

Deno.test("showFigure: writes <resultsDir>/<notebook>/<name>.png (env var and option)", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "plot_test_" });
  const before = Deno.env.get("COLLAPSE_RESULTS_DIR");
  try {
    Deno.env.set("COLLAPSE_RESULTS_DIR", `${tmp}/env`);
    const spec = facetedLineChart(syntheticBands(), { title: "t", subtitle: "preset: test" });
    const path = await showFigure(spec, { name: "trace_dim=10", notebook: "00_gaussian" });
    assert.equal(path, `${tmp}/env/00_gaussian/trace_dim=10.png`);
    pngSize(await Deno.readFile(path));
    const path2 = await showFigure(spec, {
      name: "x.png",
      notebook: "nb",
      resultsDir: `${tmp}/opt/`,
    });
    assert.equal(path2, `${tmp}/opt/nb/x.png`);
    pngSize(await Deno.readFile(path2));
    await assert.rejects(showFigure(spec, { name: "../evil", notebook: "nb" }), /plain file name/);
    await assert.rejects(showFigure(spec, { name: "a", notebook: ".." }), /plain file name/);
  } finally {
    if (before === undefined) Deno.env.delete("COLLAPSE_RESULTS_DIR");
    else Deno.env.set("COLLAPSE_RESULTS_DIR", before);
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("withCsvData: the CSV-encoded spec renders the same picture, in less space", async () => {
  const rows = meanWithBand(
    [1, 2, 3].flatMap((seed) =>
      [10, 100].flatMap((n) =>
        ["Replace", "Accumulate"].flatMap((workflow) =>
          [1, 2, 3].map((t) => ({ workflow, n, t, seed, y: (1 - 1 / n) ** t + seed / 100 }))
        )
      )
    ),
    { x: "t", y: "y", groupBy: ["workflow", "n"] },
  );
  const spec = facetedLineChart(rows, { title: "csv", reference: [{ x: 1, y: 0.5, n: 10, workflow: "Replace" }] });
  const compact = withCsvData(spec);
  assert(typeof (compact as { data: { values: unknown } }).data.values === "string");
  assert(JSON.stringify(compact).length < JSON.stringify(spec).length);
  assert.equal(await specToSvg(compact), await specToSvg(spec));
});
