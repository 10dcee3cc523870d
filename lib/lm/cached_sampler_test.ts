import assert from "node:assert/strict";
import { Rng } from "../numerics/rng.ts";
import { cachedTokens, closeCachedModel, openCachedModel } from "./cached_sampler.ts";
import { drawToken } from "./categorical.ts";
import { buildTrainingGraph } from "./onnx/training_graph.ts";
import { forwardTokens, loadHfFolder, onnxLogits, sampleChats } from "./sample.ts";
import { forwardRoundings, tinyWeights, UNIT_ROUNDOFF } from "./testing/tiny.ts";
import { TINY_TOKENIZER_VOCAB, tinyModelFolder } from "./testing/tokenizer.ts";
import type { GptConfig, GptWeights } from "./weights.ts";

const CONFIG: GptConfig = { vocabSize: TINY_TOKENIZER_VOCAB, contextLength: 16, dModel: 16, nLayers: 2, nHeads: 2 };
const V = CONFIG.vocabSize;
/**
 * Random weights whose EOS logit (h . wte[0]) leans on the final LayerNorm's bias, so that rows emit EOS
 * at different steps: the batch shrinks and the cache rows must follow.
 */
function eosWeights(): GptWeights {
  const weights = tinyWeights(3, { config: CONFIG, scale: 3 });
  const wte = weights.get("wte")!.values, bias = weights.get("ln_f.b")!.values;
  for (let j = 0; j < CONFIG.dModel; j++) wte[j] = 1.5 * bias[j];
  return weights;
}
const DIR = tinyModelFolder(CONFIG, eosWeights());
// Each side's logits are within n u x (the row's largest logit) of the exact ones (testing/tiny.ts).
const BOUND = forwardRoundings(CONFIG) * UNIT_ROUNDOFF;

interface Step {
  rows: number[];
  logits: Float32Array;
}

function recorder(steps: Step[]): (step: number, rows: readonly number[], logits: Float32Array) => void {
  return (_step, rows, logits) => steps.push({ rows: [...rows], logits: logits.slice() });
}

function rowMax(logits: Float32Array, i: number): number {
  let m = 0;
  for (let v = 0; v < V; v++) m = Math.max(m, Math.abs(logits[i * V + v]));
  return m;
}

Deno.test("each cached step's logits equal the whole context's (the forward engine's) to float32 rounding", async () => {
  const model = await openCachedModel(DIR, { threads: 1 });
  const steps: Step[] = [];
  const rows = await cachedTokens(model, 8, { rng: new Rng(1), maxNewTokens: 15, onStep: recorder(steps) });
  await closeCachedModel(model);
  const lm = await loadHfFolder(DIR);
  let worst = 0;
  for (const [s, { rows: active, logits }] of steps.entries()) {
    // The forward engine's computation: the whole prefix, through transformers.js.
    const full = await onnxLogits(lm, active.map((r) => rows[r].slice(0, s + 1)));
    active.forEach((_, i) => {
      const scale = rowMax(logits, i);
      for (let v = 0; v < V; v++) {
        worst = Math.max(worst, Math.abs(logits[i * V + v] - full[((i + 1) * (s + 1) - 1) * V + v]) / scale);
      }
    });
  }
  await lm.model.dispose();
  assert.ok(steps.length > 1 && steps.at(-1)!.rows.length < 8, "rows should leave the batch at different steps");
  assert.ok(worst <= 2 * BOUND, `relative error ${worst.toExponential(2)} > ${(2 * BOUND).toExponential(2)}`);
});

Deno.test("with the same seed the cached and forward engines draw the same tokens (but within rounding of a boundary)", async () => {
  let total = 0;
  for (const seed of [1, 2, 3]) {
    const model = await openCachedModel(DIR);
    const lm = await loadHfFolder(DIR);
    const cachedSteps: Step[] = [], forwardSteps: Step[] = [];
    const options = { maxNewTokens: 15 };
    const cached = await cachedTokens(model, 16, { ...options, rng: new Rng(seed), onStep: recorder(cachedSteps) });
    const forward = await forwardTokens(lm, 16, { ...options, rng: new Rng(seed), onStep: recorder(forwardSteps) });
    await closeCachedModel(model);
    await lm.model.dispose();
    // Replay the draws with the same uniforms: each engine's token is drawToken's on its own logits, and the
    // two tokens differ only where those logits (equal to float32 rounding, test above) put a boundary of the
    // cumulative distribution on opposite sides of the uniform. There the engines part legitimately, and
    // their Rng streams with them (the rows drawing change): compare up to that draw.
    const replay = new Rng(seed);
    let compared = 0, flipped = false;
    outer: for (const [s, { rows, logits }] of forwardSteps.entries()) {
      assert.deepEqual(cachedSteps[s].rows, rows, `step ${s}: the same rows are active`);
      for (const [i, r] of rows.entries()) {
        const u = replay.random();
        const at = (z: Float32Array) => drawToken(z, { offset: i * V, vocab: V, rng: { random: () => u } as Rng });
        assert.equal(forward[r][s + 1], at(logits), `seed ${seed}, step ${s}, row ${r}: the forward engine's rule`);
        assert.equal(cached[r][s + 1], at(cachedSteps[s].logits), `seed ${seed}, step ${s}, row ${r}: the cached rule`);
        if (forward[r][s + 1] !== cached[r][s + 1]) {
          flipped = true;
          break outer;
        }
        compared++;
      }
    }
    if (!flipped) assert.deepEqual(cached, forward);
    total += compared;
  }
  // A flip needs a uniform within the logits' rounding (~1e-6 here) of a boundary: rare enough that
  // nearly every draw is compared.
  assert.ok(total >= 100, `only ${total} draws compared`);
});

Deno.test("sampleChats runs the cached engine; bad folders and lengths fail clearly", async () => {
  const lm = await loadHfFolder(DIR);
  await assert.rejects(
    () => sampleChats(lm, 2, { seed: 1, maxNewTokens: 6, batchSize: 4, maxAttempts: 4, engine: "cached" }),
    /only 0 of 2 samples were well-formed after 4 attempts/,
  );
  await assert.rejects(
    () => sampleChats(lm, 1, { seed: 1, maxNewTokens: 6, engine: "vllm" as never }),
    /engine must be one of generate, forward, cached/,
  );
  await lm.model.dispose();
  const model = await openCachedModel(DIR);
  await assert.rejects(() => cachedTokens(model, 2, { rng: new Rng(1), maxNewTokens: 16 }), /exceeds the context/);
  await closeCachedModel(model);
  const bad = Deno.makeTempDirSync();
  await assert.rejects(() => openCachedModel(bad), /cannot read .*config\.json/);
  Deno.copyFileSync(`${DIR}/config.json`, `${bad}/config.json`);
  Deno.mkdirSync(`${bad}/onnx`);
  Deno.writeFileSync(`${bad}/onnx/model.onnx`, new Uint8Array([1, 2, 3]));
  await assert.rejects(() => openCachedModel(bad), /cannot load the ONNX model/);
  Deno.writeFileSync(`${bad}/onnx/model.onnx`, buildTrainingGraph(CONFIG, { gradients: false }));
  await assert.rejects(() => openCachedModel(bad), /no key\/value cache inputs/);
});
