/**
 * Picks the fastest TensorFlow.js backend present, once per process:
 * tfjs-node-gpu ("tensorflow"; only on a CUDA machine, seen by
 * /proc/driver/nvidia or an `nvidia-smi` on the PATH, or when asked, and only
 * through a dynamic import, never a hard dependency), else WebGPU on a real
 * (non-software) adapter, else wasm, else cpu. A backend asked for, through
 * `initBackend({ backend })` or `COLLAPSE_TF_BACKEND` (tensorflow | webgpu |
 * wasm | cpu), is tried first; when it fails to start, one message says why
 * and the automatic choice follows.
 *
 * Tests: backend_test.ts.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

/** The backends this module can set up, fastest first. */
export const BACKENDS = ["tensorflow", "webgpu", "wasm", "cpu"] as const;

/** One of {@linkcode BACKENDS}. */
export type BackendName = typeof BACKENDS[number];

/** Whether this machine shows an NVIDIA driver: /proc/driver/nvidia, or `nvidia-smi` on the PATH. */
export function cudaPresent(): boolean {
  const exists = (path: string): boolean => {
    try {
      Deno.statSync(path);
      return true;
    } catch {
      return false;
    }
  };
  if (exists("/proc/driver/nvidia")) return true;
  const path = Deno.env.get("PATH") ?? "";
  return path.split(":").some((dir) => dir !== "" && exists(`${dir}/nvidia-smi`));
}

/** Starts `name`; the reason when it cannot. */
async function start(name: BackendName, options: { requireHardware: boolean }): Promise<string | undefined> {
  try {
    if (name === "tensorflow") {
      // A variable specifier keeps this optional package out of the module graph.
      const specifier = "npm:@tensorflow/tfjs-node-gpu@4.22.0";
      await import(specifier);
    } else if (name === "webgpu") {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      const adapter = await gpu?.requestAdapter() as
        | { info?: { description?: string; device?: string; vendor?: string }; isFallbackAdapter?: boolean }
        | null
        | undefined;
      if (!adapter) return "no WebGPU adapter";
      const text = `${adapter.info?.description ?? ""} ${adapter.info?.device ?? ""} ${adapter.info?.vendor ?? ""}`;
      if (options.requireHardware && (adapter.isFallbackAdapter || /llvmpipe|swiftshader|software/i.test(text))) {
        return `the WebGPU adapter is a software one (${text.trim() || "fallback adapter"})`;
      }
      const specifier = "@tensorflow/tfjs-backend-webgpu";
      await import(specifier);
    }
    if (!(await tf.setBackend(name))) return `tf.setBackend("${name}") failed`;
    await tf.ready();
    return undefined;
  } catch (error) {
    return String(error).split("\n")[0];
  }
}

async function choose(requested: BackendName | undefined): Promise<BackendName> {
  if (requested) {
    const why = await start(requested, { requireHardware: false });
    if (why === undefined) return requested;
    console.warn(`TensorFlow.js backend "${requested}" did not start (${why}); choosing another`);
  }
  if (requested !== "tensorflow" && cudaPresent()) {
    const why = await start("tensorflow", { requireHardware: true });
    if (why === undefined) return "tensorflow";
    console.warn(`tfjs-node-gpu unavailable on this CUDA machine (${why}); falling back`);
  }
  for (const name of ["webgpu", "wasm", "cpu"] as const) {
    if (name !== requested && await start(name, { requireHardware: true }) === undefined) return name;
  }
  throw new Error("no TensorFlow.js backend started (not even cpu)");
}

function asBackend(value: string | undefined, source: string): BackendName | undefined {
  if (value === undefined || value === "") return undefined;
  if (!BACKENDS.includes(value as BackendName)) {
    throw new RangeError(`${source} must be one of ${BACKENDS.join(", ")}, got "${value}"`);
  }
  return value as BackendName;
}

let chosen: Promise<BackendName> | undefined;
/** What `chosen` was asked for, and what it resolved to. */
let chosenFor: BackendName | undefined;
let resolved: BackendName | undefined;

/** Options of {@linkcode initBackend}. */
export interface BackendOptions {
  /** Print the backend chosen (default true). */
  quiet?: boolean;
  /** Try this backend first (default: `COLLAPSE_TF_BACKEND`, else the automatic choice). */
  backend?: BackendName;
}

/**
 * Sets up the backend and returns its name. Called again without a
 * `backend`, it returns the one already chosen; with another `backend`, it
 * switches to that one (tensors of the previous backend are moved on use).
 */
export function initBackend(options: BackendOptions = {}): Promise<BackendName> {
  const requested = asBackend(options.backend, "backend") ?? (chosen ? undefined : envBackend());
  if (chosen && (requested === undefined || requested === chosenFor || requested === resolved)) return chosen;
  chosenFor = requested;
  resolved = undefined;
  const current = chosen = choose(requested).then((name) => {
    if (!options.quiet) console.log(`TensorFlow.js backend: ${name}`);
    if (chosen === current) resolved = name;
    return name;
  });
  current.catch(() => {
    if (chosen === current) chosen = undefined;
  });
  return current;
}

function envBackend(): BackendName | undefined {
  return asBackend(Deno.env.get("COLLAPSE_TF_BACKEND"), "COLLAPSE_TF_BACKEND");
}
