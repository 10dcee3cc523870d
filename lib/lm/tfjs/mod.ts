/**
 * The TensorFlow.js reference of lib/lm's transformer: the model
 * (`GptModel`) and the backend choice. Kept apart from what the experiment
 * runs (onnxruntime), so that importing lib/lm does not load TensorFlow.js.
 *
 * Tests: lib/lm/estimator_test.ts, lib/lm/lm_test.ts, lib/lm/onnx/inference_graph_test.ts, lib/lm/onnx/training_graph_test.ts, others.
 *
 * @module
 */

export * from "./backend.ts";
export * from "./model.ts";
