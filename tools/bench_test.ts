import assert from "node:assert/strict";
import { main, parseBenchArgs } from "./bench.ts";

Deno.test("bench's command line: one optional filter", () => {
  assert.deepEqual(parseBenchArgs([]), { filter: "", help: false });
  assert.deepEqual(parseBenchArgs(["kde"]), { filter: "kde", help: false });
  assert.deepEqual(parseBenchArgs(["--help"]), { filter: "", help: true });
  assert.throws(() => parseBenchArgs(["--gaussian"]), {
    name: "UsageError",
    message: /^unknown flag "--gaussian"; allowed flags: --help\nusage: deno task bench \[FILTER\]/,
  });
  assert.throws(() => parseBenchArgs(["kde", "lm"]), { name: "UsageError", message: /^one filter at a time, got 2/ });
});

Deno.test("bench refuses a filter that matches nothing, or a bad BENCH_REPEATS, before timing anything", async () => {
  await assert.rejects(() => main(["no such workload"]), {
    name: "UsageError",
    message:
      /^no workload's name contains "no such workload"; the workloads:\n {2}gaussian d=100 .*\n(.|\n)*language model/,
  });
  const saved = Deno.env.get("BENCH_REPEATS");
  Deno.env.set("BENCH_REPEATS", "0");
  try {
    await assert.rejects(() => main(["gaussian"]), { message: /^BENCH_REPEATS must be an integer >= 1, got "0"/ });
  } finally {
    if (saved === undefined) Deno.env.delete("BENCH_REPEATS");
    else Deno.env.set("BENCH_REPEATS", saved);
  }
});
