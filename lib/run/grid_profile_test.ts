import assert from "node:assert/strict";
import gaussian from "../experiments/gaussian.ts";
import { nativeKernels } from "../numerics/native/mod.ts";
import { formatGridProfile, type GridProfile } from "./grid_profile.ts";
import { runGrid } from "./runner.ts";

Deno.test("a profiled grid: the parts of its time are consistent, and the native kernels are counted inside the runs", async () => {
  const store = await Deno.makeTempDir({ prefix: "collapse-profile-" });
  try {
    const configs = gaussian.configs("smoke", { grid: "main" }).slice(0, 12);
    let profile: GridProfile | undefined;
    const rows = await runGrid(gaussian, configs, { storeDir: store, workers: 2, onProfile: (p) => profile = p });
    assert.ok(rows.length > 0);
    assert.ok(profile !== undefined, "onProfile is called");
    const p = profile!;
    const slack = 1; // ms: performance.now() is read at slightly different moments on each side
    assert.equal(p.workers, 2);
    assert.ok(p.computeMs > 0);
    assert.ok(p.computeMs <= p.workers * p.computingWallMs + slack, "the workers cannot run longer than they exist");
    assert.ok(p.messagingMs >= -slack, "a round trip includes its runs");
    assert.ok(p.readMs + p.computingWallMs <= p.wallMs + slack);
    const kernelMs = Object.values(p.sections).reduce((sum, t) => sum + t.ms, 0);
    assert.ok(kernelMs <= p.computeMs + slack, "the kernels run inside the runs");
    if (nativeKernels()) assert.ok(Object.keys(p.sections).length > 0, "the Gaussian's runs call native kernels");
    assert.match(formatGridProfile(p), /runs in the workers\n.*of which native kernels/);
    // A grid whose runs are all stored: read, nothing computed, no worker started.
    const again = await runGrid(gaussian, configs, { storeDir: store, onProfile: (q) => profile = q });
    assert.equal(again.length, rows.length);
    assert.equal(profile!.computeMs, 0);
    assert.equal(profile!.workers, 0);
  } finally {
    await Deno.remove(store, { recursive: true });
  }
});
