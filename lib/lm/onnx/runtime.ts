/**
 * onnxruntime-node, typed by the few members lib/lm uses, and the session
 * options its trainer and samplers share. The module is the copy that
 * `@huggingface/transformers` depends on, loaded with `require` from that
 * package's location, so lib/lm adds no dependency and no lock-file entry
 * (and Deno runs no install script: the native CPU runtime ships inside the
 * npm package).
 *
 * Tests: graph_test.ts runs a graph through it.
 *
 * @module
 */

import { createRequire } from "node:module";

/** An onnxruntime tensor (the members used here). */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** An onnxruntime inference session (the members used here). */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
  endProfiling(): void;
}

/** The onnxruntime-node module (the members used here). */
export interface OrtModule {
  InferenceSession: { create(model: Uint8Array | string, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: "float32" | "int64", data: Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
}

let ortModule: OrtModule | undefined;

/** onnxruntime-node, loaded on first use; fails with a clear message when it cannot load. */
export function ort(): OrtModule {
  if (ortModule) return ortModule;
  try {
    const require = createRequire(import.meta.resolve("@huggingface/transformers"));
    ortModule = require("onnxruntime-node") as OrtModule;
  } catch (error) {
    throw new Error(`onnxruntime-node (a dependency of @huggingface/transformers) did not load: ${error}`);
  }
  return ortModule;
}

/** Session options of the trainer and the cached sampler. */
export interface SessionOptions {
  /** onnxruntime intra-op threads. Default: navigator.hardwareConcurrency. */
  threads?: number;
  /**
   * Whether idle intra-op threads spin between ops (onnxruntime's own default).
   * Default false here: on a shared machine, threads spinning between ops
   * take cores from the other processes, and steps got slower, not faster.
   */
  spinning?: boolean;
  /** Write an onnxruntime per-op profile (JSON) with this file prefix. */
  profilePrefix?: string;
}

/** Checks `threads` (an integer >= 1 when given). */
export function assertThreads(threads: number | undefined): void {
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new RangeError(`threads must be an integer >= 1, got ${threads}`);
  }
}

/** An onnxruntime CPU session for a model (bytes or a file path), all graph optimizations on. */
export function createSession(model: Uint8Array | string, options: SessionOptions = {}): Promise<OrtSession> {
  assertThreads(options.threads);
  const threads = options.threads ?? navigator.hardwareConcurrency ?? 1;
  return ort().InferenceSession.create(model, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    extra: { session: { intra_op: { allow_spinning: options.spinning ? "1" : "0" } } },
    ...(options.profilePrefix ? { enableProfiling: true, profileFilePrefix: options.profilePrefix } : {}),
  });
}
