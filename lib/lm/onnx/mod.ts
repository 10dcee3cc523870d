/**
 * The transformer as ONNX graphs written with `onnx-proto`: a small graph
 * writer (graph.ts), the forward pass written once (forward.ts), its
 * hand-derived backward pass (backward.ts), the training graph
 * (training_graph.ts) and the inference graph with a key/value cache
 * (inference_graph.ts), and the onnxruntime-node loader (runtime.ts).
 *
 * Re-exports; the tests are beside each module.
 *
 * @module
 */

export * from "./backward.ts";
export * from "./forward.ts";
export * from "./graph.ts";
export * from "./inference_graph.ts";
export * from "./runtime.ts";
export * from "./training_graph.ts";
