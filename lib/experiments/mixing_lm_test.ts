import assert from "node:assert/strict";
import mixingLm from "./mixing_lm.ts";

Deno.test("the language model's mixing grid reaches the paper's ratios with enough seeds for an interval", () => {
  for (const preset of ["default", "paper"] as const) {
    const values = mixingLm.gridValues(preset, "main");
    const numReal = (values.numReal as number[]).filter((n) => n > 0);
    const numSynthetic = values.numSynthetic as number[];
    // The paper: 40000 synthetic chats against 128 real ones, 312 : 1.
    assert.ok(Math.max(...numSynthetic) >= 300 * Math.min(...numReal), `${preset}: ${numSynthetic} vs ${numReal}`);
    assert.ok(numSynthetic.includes(0), `${preset}: real data alone is a grid point`);
    assert.ok(values.seed.length >= 3, `${preset}: ${values.seed.length} seeds`);
    const [c] = mixingLm.configs(preset);
    assert.equal(c.realPool, Math.max(...numReal));
    assert.equal(c.syntheticPool, Math.max(...numSynthetic));
  }
  // The synthetic-only baselines: every synthetic count with no real chat.
  const only = mixingLm.configs("default", { grid: "synthetic_only" });
  assert.ok(only.every((c) => c.numReal === 0 && c.numSynthetic > 0));
});
