/**
 * The language-model experiment: data, tokenizer, the transformer's ONNX
 * graphs (onnx/: one forward pass, its backward pass, the training and
 * inference graphs), the onnxruntime trainer the experiment uses and the
 * trainer factory, the one AdamW, the Hugging Face export, sampling (three
 * engines) and the experiment driver (its workflows run through `runWorkflow`
 * in `lib/workflows/`). The TensorFlow.js reference model is not exported
 * here, so that importing lib/lm does not load TensorFlow.js: import
 * `lib/lm/tfjs/mod.ts` for it.
 *
 * Re-exports; the tests are beside each module.
 *
 * @module
 */

export * from "./adamw.ts";
export * from "./batch.ts";
export * from "./cached_sampler.ts";
export * from "./categorical.ts";
export * from "./data.ts";
export * from "./diversity.ts";
export * from "./base.ts";
export * from "./cache.ts";
export * from "./estimator.ts";
export * from "./onnx/mod.ts";
export * from "./onnx_export.ts";
export * from "./onnx_train.ts";
export * from "./sample.ts";
export * from "./tokenizer.ts";
export * from "./trainer.ts";
export * from "./weights.ts";
