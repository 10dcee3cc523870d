// Tests of theme.ts: the config and the title block.
import assert from "node:assert/strict";
// @ts-types="npm:@types/d3-scale-chromatic@3.1.0"
import { interpolatePlasma } from "d3-scale-chromatic";
import { baseConfig, FONT_FAMILY, nColor, titleBlock } from "./theme.ts";

Deno.test("baseConfig: DejaVu Sans on white", () => {
  const config = baseConfig();
  assert.equal(config.font, FONT_FAMILY);
  assert.equal(FONT_FAMILY, "DejaVu Sans");
  assert.equal(config.background, "white");
});

Deno.test("titleBlock: title, title + subtitle, subtitle alone in the title's place, nothing", () => {
  assert.deepEqual(titleBlock("T", undefined), { text: "T" });
  assert.deepEqual(titleBlock("T", ["a", "b"]), { text: "T", subtitle: ["a", "b"] });
  assert.deepEqual(titleBlock("", "s"), { text: "s", fontSize: 12, fontWeight: "normal", color: "#444444" });
  assert.equal(titleBlock(undefined, undefined), undefined);
  assert.equal(titleBlock("", undefined), undefined);
});

Deno.test("nColor: plasma at 0.15 per half decade to n = 1000, then 0.0625, clamped to [0, 0.85]", () => {
  assert.equal(nColor(10), interpolatePlasma(0));
  assert.equal(nColor(100), interpolatePlasma(0.3));
  assert.equal(nColor(1000), interpolatePlasma(0.6));
  assert.equal(nColor(10_000), interpolatePlasma(0.725));
  assert.equal(nColor(100_000), interpolatePlasma(0.85));
  assert.equal(nColor(1), nColor(10));
  assert.equal(nColor(1e7), nColor(100_000));
  assert.match(nColor(32), /^#[0-9a-f]{6}$/);
});
