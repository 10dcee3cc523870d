import assert from "node:assert/strict";
import { Rng } from "../numerics/rng.ts";
import { drawToken } from "./categorical.ts";

/** An Rng stand-in returning the given uniforms in turn. */
function uniforms(...values: number[]): Rng {
  return { random: () => values.shift()! } as unknown as Rng;
}

Deno.test("the draw inverts the cumulative softmax at the uniform", () => {
  // softmax(0, ln 3) = (1/4, 3/4): uniforms below 1/4 give token 0, above give 1.
  const logits = Float32Array.of(7, 0, Math.log(3), 7);
  const draw = (u: number) => drawToken(logits, { offset: 1, vocab: 2, rng: uniforms(u) });
  assert.equal(draw(0), 0);
  assert.equal(draw(0.2), 0);
  assert.equal(draw(0.3), 1);
  assert.equal(draw(0.999), 1);
  // Temperature 2 flattens to softmax(0, ln 3 / 2) = (1 / (1 + sqrt 3), ...) = (0.366, 0.634).
  assert.equal(drawToken(logits, { offset: 1, vocab: 2, rng: uniforms(0.36), temperature: 2 }), 0);
  assert.equal(drawToken(logits, { offset: 1, vocab: 2, rng: uniforms(0.37), temperature: 2 }), 1);
});

Deno.test("draws follow the softmax's frequencies (chi-square) and repeat with the seed", () => {
  const logits = Float32Array.of(0, 1, 2, -1, 0.5);
  const p = Array.from(logits, Math.exp);
  const z = p.reduce((a, b) => a + b, 0);
  const n = 20_000;
  const counts = new Array(5).fill(0);
  const rng = new Rng(4);
  const first: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = drawToken(logits, { vocab: 5, rng });
    counts[t]++;
    if (i < 50) first.push(t);
  }
  const chi2 = counts.reduce((s, c, k) => s + (c - n * p[k] / z) ** 2 / (n * p[k] / z), 0);
  // 4 degrees of freedom: P(chi2 > 18.47) = 0.001.
  assert.ok(chi2 < 18.47, `chi-square ${chi2}`);
  const again = new Rng(4);
  assert.deepEqual(first, Array.from({ length: 50 }, () => drawToken(logits, { vocab: 5, rng: again })));
});
