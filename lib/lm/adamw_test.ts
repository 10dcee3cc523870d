import assert from "node:assert/strict";
import { Rng } from "../numerics/rng.ts";
import { AdamW, type WeightArrays } from "./adamw.ts";

const U = 2 ** -24; // float32's unit roundoff

function setup(
  seed: number,
): { weights: WeightArrays; w0: Map<string, Float32Array>; grads: () => Map<string, Float32Array> } {
  const rng = new Rng(seed);
  const fill = (n: number, s: number) => Float32Array.from({ length: n }, () => s * rng.normal());
  const weights: WeightArrays = new Map([
    ["matrix", { shape: [3, 4], values: fill(12, 1) }],
    ["bias", { shape: [4], values: fill(4, 1) }],
  ]);
  const w0 = new Map([...weights].map(([n, w]) => [n, w.values.slice()]));
  const grads = () => new Map([["matrix", fill(12, 0.1)], ["bias", fill(4, 0.1)]]);
  return { weights, w0, grads };
}

/** |got - want| within float32's rounding of the values involved (a few roundings of magnitude `scale`). */
function close(got: number, want: number, scale: number, what: string): void {
  assert.ok(Math.abs(got - want) <= 8 * U * scale, `${what}: ${got} vs ${want}`);
}

Deno.test("the first step moves each weight by lr (g / |g| + decay w), decay on matrices only", () => {
  const { weights, w0, grads } = setup(1);
  const g = grads();
  const lr = 0.01, decay = 0.1;
  new AdamW().step(weights, g, { learningRate: lr, weightDecay: decay, clipNorm: 1e9, epsilon: 0 });
  for (const [name, w] of weights) {
    const lambda = name === "matrix" ? decay : 0;
    w.values.forEach((x, i) => {
      const gi = g.get(name)![i], x0 = w0.get(name)![i];
      // Bias-corrected moments after one step are g and g^2 exactly: the update is sign(g) + decay w.
      close(x, x0 - lr * (Math.sign(gi) + lambda * x0), Math.abs(x0) + lr, `${name}[${i}]`);
    });
  }
});

Deno.test("the second step follows Adam's closed form with bias correction", () => {
  const { weights, w0, grads } = setup(2);
  const g1 = grads(), g2 = grads();
  const lr = 0.003, b1 = 0.8, b2 = 0.9, eps = 1e-3;
  const adam = new AdamW();
  const options = { learningRate: lr, weightDecay: 0, clipNorm: 1e9, beta1: b1, beta2: b2, epsilon: eps };
  adam.step(weights, g1, options);
  adam.step(weights, g2, options);
  assert.equal(adam.steps, 2);
  for (const [name, w] of weights) {
    w.values.forEach((x, i) => {
      const a = g1.get(name)![i], b = g2.get(name)![i];
      const u1 = a / (Math.abs(a) + eps);
      const m = (b1 * (1 - b1) * a + (1 - b1) * b) / (1 - b1 ** 2);
      const v = (b2 * (1 - b2) * a * a + (1 - b2) * b * b) / (1 - b2 ** 2);
      const want = w0.get(name)![i] - lr * u1 - lr * m / (Math.sqrt(v) + eps);
      close(x, want, Math.abs(want) + 2 * lr, `${name}[${i}]`);
    });
  }
});

Deno.test("gradients are clipped to the global norm before the moments", () => {
  const { weights, w0, grads } = setup(3);
  const g = grads();
  let squares = 0;
  for (const x of g.values()) for (const v of x) squares += v * v;
  const clip = 0.05, lr = 0.01, eps = 1; // a large epsilon makes the step depend on the gradient's scale
  const s = clip / (Math.sqrt(squares) + 1e-6);
  assert.ok(s < 1, "the test's gradients must exceed the clip norm");
  new AdamW().step(weights, g, { learningRate: lr, weightDecay: 0, clipNorm: clip, epsilon: eps });
  for (const [name, w] of weights) {
    w.values.forEach((x, i) => {
      const gi = s * g.get(name)![i];
      close(x, w0.get(name)![i] - lr * gi / (Math.abs(gi) + eps), Math.abs(x) + lr, `${name}[${i}]`);
    });
  }
});

Deno.test("a missing or misshapen gradient is refused before anything moves", () => {
  const { weights, w0 } = setup(4);
  const options = { learningRate: 0.1, weightDecay: 0, clipNorm: 1 };
  assert.throws(() => new AdamW().step(weights, new Map([["matrix", new Float32Array(12)]]), options), /"bias"/);
  assert.throws(
    () =>
      new AdamW().step(weights, new Map([["matrix", new Float32Array(12)], ["bias", new Float32Array(3)]]), options),
    /"bias" is missing or has the wrong length/,
  );
  for (const [name, w] of weights) assert.deepEqual(w.values, w0.get(name));
});
