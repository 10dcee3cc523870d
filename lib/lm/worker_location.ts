/**
 * Lets `@huggingface/transformers` load in a worker (the runner's sweep
 * workers run language-model runs in one). A Deno worker started
 * from a file: module has a `location` whose origin is "null", against which
 * transformers.js resolves its onnxruntime bundle's URL when it is imported,
 * and throws "Invalid URL". The main thread has no `location` at all; this
 * hides the worker's likewise. base.ts and estimator.ts import it first, before
 * every module that loads transformers.js.
 *
 * @module
 */

if (typeof globalThis.location !== "undefined" && globalThis.location.origin === "null") {
  Object.defineProperty(globalThis, "location", { value: undefined, configurable: true, writable: true });
}
