/**
 * The language-model experiment: data, tokenizer, transformer (TensorFlow.js
 * reference and the onnxruntime trainer the experiment uses), ONNX export,
 * sampling and the experiment driver (its workflows run through `runWorkflow`
 * in `lib/workflows.ts`).
 *
 * @module
 */

export * from "./backend.ts";
export * from "./data.ts";
export * from "./diversity.ts";
export * from "./base.ts";
export * from "./cache.ts";
export * from "./estimator.ts";
export * from "./model.ts";
export * from "./onnx_export.ts";
export * from "./onnx_train.ts";
export * from "./sample.ts";
export * from "./tokenizer.ts";
