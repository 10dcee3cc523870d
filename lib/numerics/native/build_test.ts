import assert from "node:assert/strict";
import { nativeKernels } from "./mod.ts";

// Without a compiler here there is no build to compare.
const ignore = nativeKernels() === undefined;

Deno.test({
  name:
    "every instruction set a build may use gives the same bits: KDE runs, exact and binned sums (COLLAPSE_NATIVE_ISA)",
  ignore,
  async fn() {
    // A digest of every row of four KDE runs: the exact sums carried (fixed h), rescanned (Replace), binned (a rule
    // under Accumulate) and by moments (a wide h under Accumulate), in 2-D and 3-D, each a float64 printed in full.
    const probe = `import kde from ${JSON.stringify(new URL("../../experiments/kde.ts", import.meta.url).href)};
      import { nativeKernels } from ${JSON.stringify(new URL("./mod.ts", import.meta.url).href)};
      const base = { kernel: "gaussian", samplesPerIteration: 60, seed: 3, iterations: 6 };
      const configs = [
        { ...base, dataset: "moons", bandwidth: 0.1, workflow: "Accumulate" },
        { ...base, dataset: "swiss_roll", bandwidth: 1.0, workflow: "Replace" },
        { ...base, dataset: "moons", bandwidth: "scott", workflow: "Accumulate" },
        { ...base, dataset: "moons", bandwidth: 10, workflow: "Accumulate" },
      ];
      const values = [];
      for (const c of configs) for (const row of await kde.run(kde.validate(c))) values.push(row.testNll);
      console.log(nativeKernels()?.build.split(" -> ")[0] ?? "none");
      console.log(values.map((v) => v.toString()).join(","));`;
    const results = [];
    for (const isa of ["widest", "avx2", "baseline"]) {
      const { stdout, stderr, success } = await new Deno.Command(Deno.execPath(), {
        args: ["eval", probe],
        env: { COLLAPSE_NATIVE_ISA: isa },
      }).output();
      assert(success, new TextDecoder().decode(stderr));
      const [build, digest] = new TextDecoder().decode(stdout).trim().split("\n");
      results.push({ isa, build, digest });
    }
    const [widest, ...others] = results;
    assert.equal(widest.digest.split(",").length, 24);
    for (const other of others) {
      assert.equal(
        other.digest,
        widest.digest,
        `${other.isa} (${other.build}) against ${widest.isa} (${widest.build})`,
      );
    }
    assert.doesNotMatch(results[2].build, /-mavx|-mfma/);
  },
});

Deno.test("a COLLAPSE_NATIVE_ISA that is not one of the sets is an error naming them", async () => {
  const probe = `import { nativeKernels } from ${JSON.stringify(new URL("./mod.ts", import.meta.url).href)};
    nativeKernels();`;
  const { stderr, success } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", probe],
    env: { COLLAPSE_NATIVE_ISA: "sse" },
  }).output();
  assert(!success);
  assert.match(
    new TextDecoder().decode(stderr),
    /COLLAPSE_NATIVE_ISA must be one of "widest", "avx2", "baseline", got "sse"/,
  );
});
