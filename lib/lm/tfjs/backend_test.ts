import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { BACKENDS, cudaPresent, initBackend } from "./backend.ts";

Deno.test("a backend asked for is set up, and a later plain call keeps it", async () => {
  assert.equal(await initBackend({ quiet: true, backend: "cpu" }), "cpu");
  assert.equal(tf.getBackend(), "cpu");
  assert.equal(await initBackend({ quiet: true }), "cpu");
  assert.equal(await initBackend({ quiet: true, backend: "wasm" }), "wasm");
  assert.equal(tf.getBackend(), "wasm");
  assert.equal(await initBackend({ quiet: true }), "wasm");
});

Deno.test("an unknown backend name is refused, naming the valid ones", () => {
  assert.throws(() => initBackend({ backend: "cuda" as never }), new RegExp(`one of ${BACKENDS.join(", ")}`));
});

Deno.test("cudaPresent reads the driver folder and the PATH only", () => {
  const path = Deno.env.get("PATH") ?? "";
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/nvidia-smi`, "");
    Deno.env.set("PATH", `${dir}:${path}`);
    assert.equal(cudaPresent(), true);
  } finally {
    Deno.env.set("PATH", path);
    Deno.removeSync(dir, { recursive: true });
  }
});
