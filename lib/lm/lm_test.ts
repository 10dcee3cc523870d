import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../numerics/rng.ts";
import { runWorkflow } from "../workflows/mod.ts";
import { initBackend } from "./backend.ts";
import { formatPair, mobyDickText, splitPairs, wordnetPairs } from "./data.ts";
import { distinctNgramRatio, tokenEntropy } from "./diversity.ts";
import { type GptConfig, GptModel, type GptWeights, initWeights, loadWeights, saveWeights } from "./model.ts";
import { writeHfFolder } from "./onnx_export.ts";
import { OnnxGptTrainer } from "./onnx_train.ts";
import { forwardBatch, keepSample, loadHfFolder, onnxLogits, sampleChats } from "./sample.ts";
import { Tensor } from "@huggingface/transformers";
import { encode, loadTokenizer, trainBpe, writeTokenizer } from "./tokenizer.ts";
import { arrayOps, type Estimator } from "../models/estimator.ts";

await initBackend({ quiet: true });

const TINY: GptConfig = { vocabSize: 300, contextLength: 16, dModel: 16, nLayers: 2, nHeads: 2 };
const moby = mobyDickText();
const pairs = wordnetPairs({ maxGlossChars: 60 });

let tokenizerDir: string | undefined;
function tinyTokenizerDir(): string {
  if (tokenizerDir) return tokenizerDir;
  tokenizerDir = Deno.makeTempDirSync({ prefix: "lm_tok_" });
  writeTokenizer(
    tokenizerDir,
    trainBpe([moby.slice(0, 30_000), ...pairs.slice(0, 200).map(formatPair)], { vocabSize: 300 }),
  );
  return tokenizerDir;
}

/** A tiny model whose gains and biases are not the trivial 1 and 0, so that export mistakes show. */
function tinyModel(seed = 1): GptModel {
  const weights = initWeights(TINY, new Rng(seed));
  const rng = new Rng(seed, "perturb");
  for (const w of weights.values()) {
    if (w.shape.length === 1) { for (let i = 0; i < w.values.length; i++) w.values[i] += 0.2 * rng.normal(); }
    else for (let i = 0; i < w.values.length; i++) w.values[i] *= 10;
  }
  return new GptModel(TINY, weights);
}

Deno.test("WordNet pairs are real glosses in the paper's chat format, split reproducibly", () => {
  assert.ok(pairs.length > 10_000);
  const text = formatPair(pairs[0]);
  assert.match(text, /^user: What does the word "[a-z '-]+" mean\?\nassistant: \S/);
  const a = splitPairs(pairs, { train: 50, validation: 20, seed: 3 });
  const b = splitPairs(pairs, { train: 50, validation: 20, seed: 3 });
  assert.deepEqual(a, b);
  const trainSet = new Set(a.train.map(formatPair));
  assert.ok(a.validation.every((p) => !trainSet.has(formatPair(p))));
});

Deno.test("BPE tokenizer loads with AutoTokenizer and round-trips real text", async () => {
  const tokenizer = await loadTokenizer(tinyTokenizerDir());
  for (const text of [moby.slice(50_000, 52_000), formatPair(pairs[123]), "naïve café — 42 "]) {
    const ids = encode(tokenizer, text);
    assert.ok(ids.every((id) => id > 0 && id < 300));
    assert.equal(tokenizer.decode(ids), text);
  }
  // Merges shorten common text below one token per byte.
  const sample = moby.slice(0, 3000);
  assert.ok(encode(tokenizer, sample).length < 0.8 * new TextEncoder().encode(sample).length);
});

Deno.test("training lowers the loss on a tiny batch, on onnxruntime (the experiment's trainer) and tfjs", async () => {
  for (const make of [(w: GptWeights) => new OnnxGptTrainer(TINY, w), (w: GptWeights) => new GptModel(TINY, w)]) {
    const model = make(initWeights(TINY, new Rng(2)));
    const rng = new Rng(5);
    const batch = Array.from({ length: 8 }, () => Array.from({ length: 12 }, () => rng.int(300)));
    const options = { learningRate: 1e-2, batchSize: 8, warmupFraction: 0, weightDecay: 0.01, clipNorm: 1 };
    const first = await model.trainStep(batch, options);
    let last = first;
    for (let i = 0; i < 25; i++) last = await model.trainStep(batch, options);
    const evaluated = await model.evaluate(batch);
    model.dispose();
    // A model giving every position one distribution can do no better on the batch than its targets' empirical
    // entropy (Gibbs' inequality; ~4.3 nats here, the first loss is ~log 300): below it, it learned the sequences.
    const targets = batch.flatMap((s) => s.slice(1));
    const counts = new Map<number, number>();
    for (const t of targets) counts.set(t, (counts.get(t) ?? 0) + 1);
    const entropy = -[...counts.values()].reduce((h, c) => h + (c / targets.length) * Math.log(c / targets.length), 0);
    assert.ok(last < entropy, `${model.constructor.name}: loss went from ${first} to ${last}, not below ${entropy}`);
    assert.ok(evaluated < entropy, `${model.constructor.name}: evaluate gives ${evaluated}`);
  }
});

Deno.test("causal masking: a later token never changes an earlier position's logits", () => {
  const model = tinyModel();
  const a = [[3, 14, 15, 92, 65, 35, 89, 79]];
  const b = [[3, 14, 15, 92, 200, 7, 1, 2]];
  const la = model.logits(tf.tensor2d(a, undefined, "int32")).arraySync()[0];
  const lb = model.logits(tf.tensor2d(b, undefined, "int32")).arraySync()[0];
  model.dispose();
  for (let t = 0; t < 4; t++) {
    for (let v = 0; v < TINY.vocabSize; v++) assert.ok(Math.abs(la[t][v] - lb[t][v]) < 1e-5);
  }
  assert.ok(la[4].some((x, v) => Math.abs(x - lb[4][v]) > 1e-3), "position 4 must see its own token");
});

Deno.test("the ONNX export computes the tfjs model's logits, and generate samples from it", async () => {
  const model = tinyModel(7);
  const dir = Deno.makeTempDirSync({ prefix: "lm_onnx_" });
  writeHfFolder(`${dir}/m`, { config: TINY, weights: await model.weights() }, { tokenizerDir: tinyTokenizerDir() });
  const lm = await loadHfFolder(`${dir}/m`);
  const ids = [[0, 5, 77, 299, 100, 2, 9, 13, 250], [0, 1, 2, 3, 4, 5, 6, 7, 8]];
  const onnxOut = await onnxLogits(lm, ids);
  const tfOut = model.logits(tf.tensor2d(ids, undefined, "int32")).dataSync();
  model.dispose();
  assert.equal(onnxOut.length, tfOut.length);
  let maxDiff = 0, maxAbs = 0;
  for (let i = 0; i < tfOut.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(onnxOut[i] - tfOut[i]));
    maxAbs = Math.max(maxAbs, Math.abs(tfOut[i]));
  }
  assert.ok(maxAbs > 1, "logits should be far from zero for a meaningful comparison");
  assert.ok(maxDiff < 1e-3 * Math.max(1, maxAbs), `max |onnx - tfjs| = ${maxDiff} (max |logit| ${maxAbs})`);
  // generate's key/value cache: greedy generate equals greedy decoding with the full prefix each step.
  const out = await lm.model.generate({
    inputs: new Tensor("int64", new BigInt64Array(1), [1, 1]),
    do_sample: false,
    max_new_tokens: 10,
    eos_token_id: 0,
    pad_token_id: 0,
  } as Record<string, unknown>) as Tensor;
  const generated = Array.from(out.data as BigInt64Array, Number);
  const greedy = [0];
  while (greedy.length < generated.length) {
    const logits = await onnxLogits(lm, [greedy]);
    const last = logits.slice(logits.length - TINY.vocabSize);
    greedy.push(last.indexOf(Math.max(...last)));
  }
  assert.deepEqual(generated, greedy);
  // Sampling through transformers.js generate and through the forward pass.
  const texts = await forwardBatch(lm, 3, { rng: new Rng(1), maxNewTokens: 8 });
  assert.equal(texts.length, 3);
  await assert.rejects(
    () => sampleChats(lm, 2, { seed: 1, maxNewTokens: 6, batchSize: 4, maxAttempts: 4 }),
    /only 0 of 2 samples were well-formed after 4 attempts/,
  );
  await lm.model.dispose();
});

Deno.test("the sample filter keeps exactly the well-formed chats", () => {
  assert.ok(keepSample('user: What does the word "x" mean?\nassistant: a letter'));
  assert.ok(keepSample("user: \nassistant: "));
  assert.ok(!keepSample(" user: hi\nassistant: yo"), "must start with user: ");
  assert.ok(!keepSample("User: hi\nassistant: yo"));
  assert.ok(!keepSample("user: hi"), "needs one assistant: ");
  assert.ok(!keepSample("user: hi\nassistant: a\nassistant: b"), "not two");
  assert.ok(!keepSample("user: hi assistant:no space"));
});

Deno.test("the workflows assemble the paper's training sets", async () => {
  const real = ["r1", "r2", "r3"];
  // The runner, over string data through arrayOps: a fake asynchronous model that remembers its data;
  // samples tag the iteration.
  for (const workflow of ["Replace", "Accumulate", "Accumulate-Subsample"] as const) {
    const fitted: string[][] = [];
    const trained: (string[] | undefined)[] = [];
    const sampled: (string[] | undefined)[] = [];
    const disposed: number[] = [];
    const estimator: Estimator<string[], number> = {
      ops: arrayOps<string>(),
      fit: (data) => {
        fitted.push([...data]);
        return Promise.resolve(fitted.length);
      },
      sample: (iteration, count) => Promise.resolve(Array.from({ length: count }, (_, i) => `s${iteration}.${i}`)),
      evaluate: (iteration) => Promise.resolve({ size: fitted[iteration - 1].length }),
      dispose: (iteration) => disposed.push(iteration),
    };
    const records = await runWorkflow(estimator, real, {
      workflow,
      iterations: 3,
      rng: new Rng(1),
      onIteration: (_record, { training, samples }) => {
        trained.push(training);
        sampled.push(samples);
      },
    });
    assert.deepEqual(fitted[0], real);
    assert.equal(records.length, 3);
    assert.equal(sampled[2], undefined, "the last iteration draws no samples");
    assert.deepEqual(sampled[1], ["s2.0", "s2.1", "s2.2"]);
    assert.deepEqual(trained, fitted, "each iteration's training set reaches onIteration");
    assert.deepEqual(disposed, [1, 2, 3], "every model is disposed of");
    assert.deepEqual(records.map((r) => r.trainingSize), fitted.map((f) => f.length));
    if (workflow === "Replace") {
      assert.deepEqual(fitted[2], ["s2.0", "s2.1", "s2.2"]);
      assert.equal(records[2].realFraction, 0);
    }
    if (workflow === "Accumulate") {
      assert.deepEqual(fitted[2], [...real, "s1.0", "s1.1", "s1.2", "s2.0", "s2.1", "s2.2"]);
      assert.equal(records[2].realFraction, 1 / 3);
    }
    if (workflow === "Accumulate-Subsample") {
      const sub = fitted[2];
      assert.equal(sub.length, 3);
      assert.equal(new Set(sub).size, 3);
      assert.ok(sub.every((x) => [...real, "s1.0", "s1.1", "s1.2", "s2.0", "s2.1", "s2.2"].includes(x)));
      assert.equal(records[2].realFraction, sub.filter((x) => x.startsWith("r")).length / 3);
    }
  }
});

Deno.test("missing or corrupt model folders and data files fail with clear errors", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "lm_bad_" });
  await assert.rejects(() => loadTokenizer(dir), /lacks tokenizer\.json/);
  Deno.writeTextFileSync(`${dir}/tokenizer.json`, "{not json");
  Deno.writeTextFileSync(`${dir}/tokenizer_config.json`, "{}");
  await assert.rejects(() => loadTokenizer(dir), /tokenizer\.json is not valid JSON/);
  await assert.rejects(() => loadHfFolder(dir), /lacks config\.json/);

  const model = tinyModel();
  writeHfFolder(`${dir}/m`, { config: TINY, weights: await model.weights() }, { tokenizerDir: tinyTokenizerDir() });
  Deno.writeFileSync(`${dir}/m/onnx/model.onnx`, new Uint8Array([1, 2, 3, 4]));
  await assert.rejects(() => loadHfFolder(`${dir}/m`), /cannot load the ONNX model/);

  saveWeights(`${dir}/w`, await model.weights());
  model.dispose();
  Deno.writeFileSync(`${dir}/w/weights.bin`, new Uint8Array(10));
  assert.throws(() => loadWeights(`${dir}/w`), /corrupt/);
  assert.throws(() => loadWeights(`${dir}/nowhere`), /cannot read model weights/);
  assert.throws(() => wordnetPairs({ dictDir: `${dir}/nowhere` }), /cannot read WordNet data file/);
  Deno.mkdirSync(`${dir}/dict`);
  for (const part of ["noun", "verb", "adj", "adv"]) Deno.writeTextFileSync(`${dir}/dict/data.${part}`, "garbage\n");
  assert.throws(() => wordnetPairs({ dictDir: `${dir}/dict` }), /holds no synset lines/);
});

Deno.test("diversity measures", () => {
  assert.equal(distinctNgramRatio(["a b c", "a b c"], 2), 0.5);
  assert.equal(distinctNgramRatio(["a b", "c d"], 2), 1);
  assert.ok(Number.isNaN(distinctNgramRatio(["a"], 2)));
  assert.equal(tokenEntropy([[1, 2], [3, 4]]), 2);
  assert.equal(tokenEntropy([[7, 7, 7]]), 0);
});
