/**
 * The one AdamW of lib/lm, in plain Float32Array loops: both trainers (the
 * onnxruntime `OnnxGptTrainer` and the TensorFlow.js reference `GptModel`)
 * compute gradients their own way and step through this. Clipping by global
 * norm first, then Adam with bias correction and decoupled weight decay on
 * matrices only (GPT-2's recipe: gains, biases and nothing else of rank 1
 * stay undecayed).
 *
 * Tests: adamw_test.ts.
 *
 * @module
 */

/** Named weight arrays that an optimizer updates in place. */
export type WeightArrays = Map<string, { shape: number[]; values: Float32Array }>;

/** The hyper-parameters of one step. */
export interface AdamWStepOptions {
  learningRate: number;
  /** Decoupled weight decay, on matrices (rank-2 weights) only. */
  weightDecay: number;
  /** Clip the gradients to this global norm. */
  clipNorm: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.95. */
  beta2?: number;
  /** Default 1e-8. */
  epsilon?: number;
}

/** Adam's moment estimates for a set of weights, and the step count. */
export class AdamW {
  #moments?: Map<string, { m: Float32Array; v: Float32Array }>;
  #step = 0;

  /** Steps taken so far. */
  get steps(): number {
    return this.#step;
  }

  /**
   * One step: updates every array of `weights` in place from `gradients`
   * (one per weight name, same length). The moments are float32, the
   * arithmetic float64, as `m[i] = ...` in the loop below spells it.
   */
  step(weights: WeightArrays, gradients: ReadonlyMap<string, Float32Array>, options: AdamWStepOptions): void {
    const { learningRate: lr, weightDecay, clipNorm } = options;
    const beta1 = options.beta1 ?? 0.9, beta2 = options.beta2 ?? 0.95, eps = options.epsilon ?? 1e-8;
    if (!this.#moments) {
      this.#moments = new Map();
      for (const [name, w] of weights) {
        this.#moments.set(name, { m: new Float32Array(w.values.length), v: new Float32Array(w.values.length) });
      }
    }
    for (const [name, w] of weights) {
      const grad = gradients.get(name);
      if (!grad || grad.length !== w.values.length) {
        throw new Error(`AdamW: the gradient of "${name}" is missing or has the wrong length`);
      }
      if (!this.#moments.has(name)) throw new Error(`AdamW: "${name}" was not among the weights of the first step`);
    }
    this.#step++;
    const t = this.#step;
    let squares = 0;
    for (const name of weights.keys()) {
      const grad = gradients.get(name)!;
      for (let i = 0; i < grad.length; i++) squares += grad[i] * grad[i];
    }
    const scale = Math.min(1, clipNorm / (Math.sqrt(squares) + 1e-6));
    const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
    for (const [name, w] of weights) {
      const grad = gradients.get(name)!;
      const { m, v } = this.#moments.get(name)!;
      const values = w.values;
      const decay = w.shape.length === 2 ? weightDecay : 0;
      for (let i = 0; i < values.length; i++) {
        const gi = grad[i] * scale;
        // mi and vi keep the float64 value; the moments store its float32 rounding.
        const mi = m[i] = beta1 * m[i] + (1 - beta1) * gi;
        const vi = v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        values[i] -= lr * (mi / c1 / (Math.sqrt(vi / c2) + eps) + decay * values[i]);
      }
    }
  }
}
