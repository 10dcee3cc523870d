import assert from "node:assert/strict";
import { assertPreset, currentPreset, PRESET_NAMES, refreshRequested } from "./presets.ts";

Deno.test('the preset in force comes from COLLAPSE_PRESET, default "default"; a bad one is named', () => {
  const previous = Deno.env.get("COLLAPSE_PRESET");
  try {
    Deno.env.delete("COLLAPSE_PRESET");
    assert.equal(currentPreset(), "default");
    for (const preset of PRESET_NAMES) {
      Deno.env.set("COLLAPSE_PRESET", preset);
      assert.equal(currentPreset(), preset);
    }
    Deno.env.set("COLLAPSE_PRESET", "huge");
    assert.throws(() => currentPreset(), /COLLAPSE_PRESET must be one of "smoke", "default", "paper", got "huge"/);
  } finally {
    if (previous === undefined) Deno.env.delete("COLLAPSE_PRESET");
    else Deno.env.set("COLLAPSE_PRESET", previous);
  }
  assert.throws(() => assertPreset("Paper"), /preset must be one of/);
  assert.equal(typeof refreshRequested(), "boolean");
});
