/**
 * The language-model experiment: data, tokenizer, transformer, ONNX export,
 * sampling, workflows and the experiment driver.
 *
 * @module
 */

export * from "./backend.ts";
export * from "./data.ts";
export * from "./diversity.ts";
export * from "./experiment.ts";
export * from "./model.ts";
export * from "./onnx_export.ts";
export * from "./sample.ts";
export * from "./tokenizer.ts";
export * from "./workflow.ts";
