/**
 * The TensorFlow.js reference of lib/lm's transformer: the model
 * (`GptModel`) and the backend choice. Kept apart from what the experiment
 * runs (onnxruntime), so that importing lib/lm does not load TensorFlow.js.
 *
 * @module
 */

export * from "./backend.ts";
export * from "./model.ts";
