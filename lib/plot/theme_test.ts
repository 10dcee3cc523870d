// Tests of theme.ts: the config and the title block.
import assert from "node:assert/strict";
import { baseConfig, FONT_FAMILY, titleBlock } from "./theme.ts";

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
