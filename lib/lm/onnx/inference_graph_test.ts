import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../numerics/rng.ts";
import { GptModel, initBackend } from "../tfjs/mod.ts";
import { forwardRoundings, TINY, tinyWeights, UNIT_ROUNDOFF } from "../testing/tiny.ts";
import type { GptWeights } from "../weights.ts";
import { gptToOnnx } from "./inference_graph.ts";
import { createSession, ort, type OrtSession, type OrtTensor } from "./runtime.ts";

await initBackend({ quiet: true, backend: "wasm" });

const { Tensor } = ort();
const V = TINY.vocabSize, NH = TINY.nHeads, DH = TINY.dModel / TINY.nHeads;

function emptyCache(batch: number): Record<string, OrtTensor> {
  const past: Record<string, OrtTensor> = {};
  for (let l = 0; l < TINY.nLayers; l++) {
    for (const kind of ["key", "value"]) {
      past[`past_key_values.${l}.${kind}`] = new Tensor("float32", new Float32Array(0), [batch, NH, 0, DH]);
    }
  }
  return past;
}

function run(
  session: OrtSession,
  ids: number[][],
  options: { keep: number; past?: Record<string, OrtTensor> },
): Promise<Record<string, OrtTensor>> {
  const flat = BigInt64Array.from(ids.flat(), BigInt);
  return session.run({
    input_ids: new Tensor("int64", flat, [ids.length, ids[0].length]),
    num_logits_to_keep: new Tensor("int64", BigInt64Array.of(BigInt(options.keep)), []),
    ...(options.past ?? emptyCache(ids.length)),
  });
}

/** Rows of token ids filling the context. */
function fullRows(seed: number, batch: number): number[][] {
  const rng = new Rng(seed, "ids");
  return Array.from({ length: batch }, () => Array.from({ length: TINY.contextLength }, () => rng.int(V)));
}

/** Max over rows of |a - b| / max |b| in the row, rows of V logits. */
function worstRowError(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let r = 0; r * V < b.length; r++) {
    let diff = 0, scale = 0;
    for (let v = r * V; v < (r + 1) * V; v++) {
      diff = Math.max(diff, Math.abs(a[v] - b[v]));
      scale = Math.max(scale, Math.abs(b[v]));
    }
    worst = Math.max(worst, diff / scale);
  }
  return worst;
}

const BOUND = forwardRoundings(TINY) * UNIT_ROUNDOFF;

Deno.test("the inference graph computes tfjs' logits (full context, empty cache)", async () => {
  const weights = tinyWeights(7);
  const session = await createSession(gptToOnnx(TINY, weights));
  const ids = fullRows(1, 3);
  const ours = (await run(session, ids, { keep: 0 })).logits;
  assert.deepEqual(ours.dims, [3, TINY.contextLength, V]);
  const model = new GptModel(TINY, weights);
  const theirs = model.logits(tf.tensor2d(ids, undefined, "int32")).dataSync() as Float32Array;
  model.dispose();
  // Two implementations, each within the bound of the exact value.
  const error = worstRowError(ours.data as Float32Array, theirs);
  assert.ok(error <= 2 * BOUND, `relative error ${error.toExponential(2)} > ${(2 * BOUND).toExponential(2)}`);
  await session.release();
});

Deno.test("num_logits_to_keep keeps the last positions", async () => {
  const session = await createSession(gptToOnnx(TINY, tinyWeights(8)));
  const ids = fullRows(2, 2);
  const all = (await run(session, ids, { keep: 0 })).logits.data as Float32Array;
  const last2 = await run(session, ids, { keep: 2 });
  assert.deepEqual(last2.logits.dims, [2, 2, V]);
  const t = TINY.contextLength;
  const expected = Float32Array.from([
    ...all.subarray((t - 2) * V, t * V),
    ...all.subarray((2 * t - 2) * V, 2 * t * V),
  ]);
  assert.ok(worstRowError(last2.logits.data as Float32Array, expected) <= 2 * BOUND);
  await session.release();
});

Deno.test("one token at a time with the key/value cache gives the whole context's logits", async () => {
  const session = await createSession(gptToOnnx(TINY, tinyWeights(9)));
  const ids = fullRows(3, 4);
  const full = (await run(session, ids, { keep: 0 })).logits.data as Float32Array;
  // A prompt of 3 tokens, then one token per call.
  let out = await run(session, ids.map((r) => r.slice(0, 3)), { keep: 0 });
  let past: Record<string, OrtTensor> = {};
  let error = worstRowError(
    out.logits.data as Float32Array,
    Float32Array.from(ids.flatMap((_, b) => [...full.subarray(b * 12 * V, (b * 12 + 3) * V)])),
  );
  for (let t = 3; t < TINY.contextLength; t++) {
    past = {};
    for (let l = 0; l < TINY.nLayers; l++) {
      for (const kind of ["key", "value"]) {
        const present = out[`present.${l}.${kind}`];
        assert.deepEqual(present.dims, [4, NH, t, DH]);
        past[`past_key_values.${l}.${kind}`] = present;
      }
    }
    out = await run(session, ids.map((r) => [r[t]]), { keep: 1, past });
    const expected = Float32Array.from(
      ids.flatMap((_, b) => [...full.subarray((b * 12 + t) * V, (b * 12 + t + 1) * V)]),
    );
    error = Math.max(error, worstRowError(out.logits.data as Float32Array, expected));
  }
  // The same graph on the same weights: the two orders of summation each carry the bound.
  assert.ok(error <= 2 * BOUND, `relative error ${error.toExponential(2)} > ${(2 * BOUND).toExponential(2)}`);
  await session.release();
});

Deno.test("the export checks every weight's name and shape", () => {
  const missing: GptWeights = new Map(tinyWeights(1));
  missing.delete("h1.mlp.b_fc");
  assert.throws(() => gptToOnnx(TINY, missing), /weights lack "h1.mlp.b_fc"/);
  const wrong: GptWeights = new Map(tinyWeights(1));
  wrong.set("wte", { shape: [16, 40], values: new Float32Array(640) });
  assert.throws(() => gptToOnnx(TINY, wrong), /"wte" has shape \[16,40\].*expected \[40,16\]/);
});
