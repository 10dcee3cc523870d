import assert from "node:assert/strict";
import { main, parseSweepArgs } from "./sweep.ts";

Deno.test("sweep's command line", () => {
  assert.deepEqual(parseSweepArgs(["sweeps/gaussian.yaml"]), {
    file: "sweeps/gaussian.yaml",
    shard: { index: 0, count: 1 },
    storeDir: undefined,
    workers: undefined,
    refresh: false,
    noCompact: false,
    profile: false,
    help: false,
  });
  assert.deepEqual(
    parseSweepArgs(["--shard", "2/4", "--store=shard-2", "sweeps/kde.yaml", "--workers", "3", "--refresh"]),
    {
      file: "sweeps/kde.yaml",
      shard: { index: 2, count: 4 },
      storeDir: "shard-2",
      workers: 3,
      refresh: true,
      noCompact: false,
      profile: false,
      help: false,
    },
  );
  assert.equal(parseSweepArgs(["--help"]).help, true);
  assert.equal(parseSweepArgs(["a.yaml", "--profile"]).profile, true);
});

Deno.test("sweep's command-line errors name the flag and what it allows, then the usage", () => {
  for (
    const [argv, message] of [
      [
        ["--bogus", "sweeps/kde.yaml"],
        /^unknown flag "--bogus"; allowed flags: --shard, --store, --workers, --refresh/,
      ],
      [[], /^which sweep file\?/],
      [["a.yaml", "b.yaml"], /^one sweep file at a time, got 2: a\.yaml b\.yaml/],
      [["a.yaml", "--shard", "4/4"], /^--shard must be i\/N with 0 <= i < N .*got "4\/4"/],
      [["a.yaml", "--shard", "x"], /^--shard must be i\/N/],
      [["a.yaml", "--shard"], /^--shard needs a value/],
      [["a.yaml", "--workers", "0"], /^--workers must be an integer >= 1, got "0"/],
      [["a.yaml", "--workers", "1.5"], /^--workers must be an integer >= 1, got "1.5"/],
      [["a.yaml", "--store", "--refresh"], /^--store needs a value, got the flag "--refresh"/],
      [["a.yaml", "--refresh=no"], /^--refresh takes no value/],
    ] as const
  ) {
    assert.throws(() => parseSweepArgs(argv), { name: "UsageError", message }, argv.join(" "));
    assert.throws(() => parseSweepArgs(argv), { message: /\nusage: deno task sweep FILE \[--shard i\/N\]/ });
  }
});

Deno.test("sweep fails on a bad flag before it reads the sweep file", async () => {
  await assert.rejects(() => main(["no-such-sweep.yaml", "--workers", "none"]), { name: "UsageError" });
  await assert.rejects(() => main(["no-such-sweep.yaml"]), { name: "NotFound" });
});
