/**
 * Helpers shared by the test modules of lib/plot: spec inspection, PNG headers, synthetic data, and
 * a check that a spec compiles without warnings under vega-lite 6 (ours) and 5 (JupyterLab's).
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type BandRow, meanWithBand } from "./bands.ts";
import type { DensityRow } from "./density_chart.ts";
import { compileSpec } from "./render.ts";
import { VEGA_LITE_V5_SCHEMA, type VegaLiteSpec, WORKFLOW_ORDER } from "./spec.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The spec as plain JSON, to look inside without vega-lite's union types. */
export function asJson(spec: VegaLiteSpec): { [key: string]: Json } {
  return JSON.parse(JSON.stringify(spec));
}

export function obj(v: Json | undefined): { [key: string]: Json } {
  assert.ok(v !== null && typeof v === "object" && !Array.isArray(v), `not an object: ${v}`);
  return v;
}

export function arr(v: Json | undefined): Json[] {
  assert.ok(Array.isArray(v), `not an array: ${v}`);
  return v;
}

/** The named vega scale of a compiled vega spec (searched through nested marks). */
export function findVegaScale(vg: unknown, name: string): Record<string, unknown> | undefined {
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
export function pngSize(png: Uint8Array): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(new TextDecoder().decode(png.subarray(12, 16)), "IHDR");
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

export const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

/** Synthetic per-seed rows: y = (1 - 1/n)^t times noise, three workflows, 3 seeds. */
export function syntheticRows(): { workflow: string; n: number; t: number; seed: number; y: number }[] {
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

export function syntheticBands(): BandRow[] {
  return meanWithBand(syntheticRows(), { x: "t", y: "y", groupBy: ["workflow", "n"] });
}

export function syntheticDensities(): DensityRow[] {
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
export function loadVegaLite5(): Promise<{ compile: CompileFn; version: string; schema: Set<string> }> {
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
export async function assertCompilesCleanly(spec: VegaLiteSpec): Promise<unknown> {
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

/** A chart that is only a big title (no axes, no other text). */
export function titleOnly(text: string): VegaLiteSpec {
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
