import assert from "node:assert/strict";
import { experimentByName, EXPERIMENTS } from "./mod.ts";
import { PRESET_NAMES } from "./presets.ts";

Deno.test("every registered experiment is complete: its module exports it, its example and grids validate", async () => {
  assert.deepEqual(Object.keys(EXPERIMENTS), [
    "gaussian",
    "kde",
    "linear_regression",
    "discrete",
    "mixing",
    "lm",
    "mixing_lm",
    "gmm",
    "logistic_regression",
  ]);
  for (const [name, experiment] of Object.entries(EXPERIMENTS)) {
    assert.equal(experiment.name, name);
    assert((await import(experiment.module)).default === experiment, `${name}: the module's default export`);
    experiment.validate(experiment.example);
    for (const preset of PRESET_NAMES) {
      const configs = experiment.configs(preset);
      assert(configs.length > 0, `${name} ${preset}`);
      for (const grid of Object.keys(experiment.grids)) assert(experiment.configs(preset, { grid }).length > 0);
    }
    // The presets grow: smoke is a subset-sized check, paper the full grid.
    assert(experiment.configs("smoke").length <= experiment.configs("paper").length, name);
  }
});

Deno.test("an unknown experiment's error lists the registered ones", () => {
  assert.throws(() => experimentByName("gausian"), /experiment must be one of "gaussian", "kde", .*got "gausian"/);
  assert.throws(() => experimentByName(3), /got 3/);
  assert.equal(experimentByName("kde"), EXPERIMENTS.kde);
});
