/**
 * Picks the fastest TensorFlow.js backend present: tfjs-node-gpu (only on a
 * CUDA machine, or when asked, and only through a dynamic import, never a hard
 * dependency), else WebGPU on a real (non-software) adapter, else wasm, else
 * cpu. `COLLAPSE_TF_BACKEND` (tensorflow | webgpu | wasm | cpu) forces one.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

/** The backends this module can set up, fastest first. */
export const BACKENDS = ["tensorflow", "webgpu", "wasm", "cpu"] as const;

/** One of {@linkcode BACKENDS}. */
export type BackendName = typeof BACKENDS[number];

let chosen: Promise<BackendName> | undefined;

function cudaPresent(): boolean {
  try {
    Deno.statSync("/proc/driver/nvidia/version");
    return true;
  } catch {
    return false;
  }
}

async function tryTensorflow(): Promise<boolean> {
  try {
    // A variable specifier keeps this optional package out of the module graph.
    const specifier = "npm:@tensorflow/tfjs-node-gpu@4.22.0";
    await import(specifier);
    return await tf.setBackend("tensorflow");
  } catch (error) {
    console.warn(`tfjs-node-gpu unavailable (${String(error).split("\n")[0]}); falling back`);
    return false;
  }
}

async function tryWebgpu(requireHardware: boolean): Promise<boolean> {
  try {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    const adapter = await gpu?.requestAdapter() as
      | { info?: { description?: string; device?: string; vendor?: string }; isFallbackAdapter?: boolean }
      | null
      | undefined;
    if (!adapter) return false;
    const text = `${adapter.info?.description ?? ""} ${adapter.info?.device ?? ""} ${adapter.info?.vendor ?? ""}`;
    if (requireHardware && (adapter.isFallbackAdapter || /llvmpipe|swiftshader|software/i.test(text))) {
      return false;
    }
    const specifier = "@tensorflow/tfjs-backend-webgpu";
    await import(specifier);
    return await tf.setBackend("webgpu");
  } catch {
    return false;
  }
}

async function choose(): Promise<BackendName> {
  const forced = Deno.env.get("COLLAPSE_TF_BACKEND");
  if (forced !== undefined && forced !== "") {
    if (!BACKENDS.includes(forced as BackendName)) {
      throw new RangeError(`COLLAPSE_TF_BACKEND must be one of ${BACKENDS.join(", ")}, got "${forced}"`);
    }
    const ok = forced === "tensorflow"
      ? await tryTensorflow()
      : forced === "webgpu"
      ? await tryWebgpu(false)
      : await tf.setBackend(forced);
    if (!ok) throw new Error(`COLLAPSE_TF_BACKEND=${forced}: that backend failed to start`);
  } else if (!(cudaPresent() && await tryTensorflow()) && !(await tryWebgpu(true))) {
    if (!(await tf.setBackend("wasm"))) await tf.setBackend("cpu");
  }
  await tf.ready();
  return tf.getBackend() as BackendName;
}

/** Sets up the backend once per process and returns its name. */
export function initBackend(options: { quiet?: boolean } = {}): Promise<BackendName> {
  chosen ??= choose().then((name) => {
    if (!options.quiet) console.log(`TensorFlow.js backend: ${name}`);
    return name;
  });
  return chosen;
}
