import assert from "node:assert/strict";
import { Rng } from "../numerics/rng.ts";
import { forwardRoundings, TINY, tinyBatch, UNIT_ROUNDOFF } from "./testing/tiny.ts";
import { OnnxGptTrainer } from "./onnx_train.ts";
import { assertTrainer, createTrainer, type LmTrainer, TRAINERS } from "./trainer.ts";
import { type GptConfig, initWeights, meanLossAndSe, type TrainOptions } from "./weights.ts";

const SMALL: GptConfig = { vocabSize: 300, contextLength: 32, dModel: 32, nLayers: 2, nHeads: 4 };

/** Both trainers from the same weights, tfjs on the CPU (wasm) whatever the machine has. */
async function both(config: GptConfig, seed: number): Promise<LmTrainer[]> {
  const weights = initWeights(config, new Rng(seed));
  return [
    await createTrainer(config, weights),
    await createTrainer(config, weights, { trainer: "tfjs", tfjsBackend: "wasm", quiet: true }),
  ];
}

Deno.test("the factory gives onnxruntime by default and tfjs when asked; unknown names are refused", async () => {
  const [onnx, tfjs] = await both(TINY, 1);
  assert.ok(onnx instanceof OnnxGptTrainer);
  assert.equal(tfjs.constructor.name, "GptModel");
  onnx.dispose();
  tfjs.dispose();
  assert.deepEqual(TRAINERS, ["onnxruntime", "tfjs"]);
  assert.equal(assertTrainer("tfjs"), "tfjs");
  assert.throws(() => assertTrainer("torch"), /trainer must be one of onnxruntime, tfjs, got "torch"/);
  await assert.rejects(createTrainer(TINY, initWeights(TINY, new Rng(1)), { trainer: "jax" as never }), /trainer/);
});

Deno.test("both trainers take the same steps: per-step losses agree to float32 rounding", async () => {
  for (const [config, lr] of [[TINY, 5e-3], [SMALL, 5e-3], [SMALL, 2e-2]] as const) {
    const trainers = await both(config, 2);
    const sequences = Array.from({ length: 4 }, (_, i) => tinyBatch(30 + i, { rows: 8, config })).flat();
    const options: TrainOptions = {
      learningRate: lr,
      batchSize: 4,
      warmupFraction: 0.25,
      weightDecay: 0.01,
      clipNorm: 1,
    };
    const losses: number[][] = [[], []];
    const means: number[] = [];
    for (const [k, trainer] of trainers.entries()) {
      // trainEpoch: the same seeded batch order for both, 8 steps.
      means.push(
        await trainer.trainEpoch(sequences, new Rng(3), { ...options, onStep: (_s, _n, l) => losses[k].push(l) }),
      );
      trainer.dispose();
    }
    assert.equal(losses[0].length, 8);
    // A step's loss is a mean over <= 4 x 32 tokens of log-softmax terms: the chain of roundings behind one
    // is the forward pass's (forwardRoundings) plus the log-sum-exp over the vocabulary, the pick and the
    // mean; each trainer is within n u of the exact loss, so they are within 2 n u of each other. The
    // weights they reach differ only through their gradients' rounding (the same AdamW code steps both),
    // which moves the loss by orders less at these learning rates: measured, the per-step gap stays at
    // 0-2 float32 ulps of the loss over the 8 steps, without growing.
    const n = forwardRoundings(config) + config.vocabSize + 2 + 4 * config.contextLength;
    losses[0].forEach((loss, s) => {
      const gap = Math.abs(loss - losses[1][s]);
      assert.ok(gap <= 2 * n * UNIT_ROUNDOFF * loss, `step ${s}: onnxruntime ${loss} vs tfjs ${losses[1][s]}`);
    });
    assert.ok(Math.abs(means[0] - means[1]) <= 2 * n * UNIT_ROUNDOFF * means[0]);
  }
});

Deno.test("training lowers the loss on a tiny batch, and evaluate agrees, on both trainers", async () => {
  for (const trainer of await both(SMALL, 4)) {
    const rng = new Rng(5);
    const batch = Array.from({ length: 8 }, () => Array.from({ length: 12 }, () => rng.int(300)));
    const options = { learningRate: 1e-2, batchSize: 8, warmupFraction: 0, weightDecay: 0.01, clipNorm: 1 };
    const first = await trainer.trainStep(batch, options);
    let last = first;
    for (let i = 0; i < 25; i++) last = await trainer.trainStep(batch, options);
    const evaluated = await trainer.evaluate(batch);
    const { loss } = await trainer.lossAndGradients(batch);
    trainer.dispose();
    // A model giving every position one distribution can do no better on the batch than its targets' empirical
    // entropy (Gibbs' inequality; ~4.3 nats here, the first loss is ~log 300): below it, it learned the sequences.
    const targets = batch.flatMap((s) => s.slice(1));
    const counts = new Map<number, number>();
    for (const t of targets) counts.set(t, (counts.get(t) ?? 0) + 1);
    const entropy = -[...counts.values()].reduce((h, c) => h + (c / targets.length) * Math.log(c / targets.length), 0);
    assert.ok(last < entropy, `${trainer.constructor.name}: loss went from ${first} to ${last}, not below ${entropy}`);
    assert.ok(
      Math.abs(evaluated - loss) <= 1e-6 * loss,
      `${trainer.constructor.name}: evaluate ${evaluated} vs ${loss}`,
    );
  }
});

Deno.test("sequenceLosses: per sequence, in order; their sums are evaluate's on both trainers", async () => {
  const [onnx, tfjs] = await both(SMALL, 6);
  const sequences = tinyBatch(40, { rows: 10, config: SMALL });
  const n = forwardRoundings(SMALL) + SMALL.vocabSize + 2 + sequences.length * SMALL.contextLength;
  const perTrainer: Float64Array[] = [];
  for (const trainer of [onnx, tfjs]) {
    const losses = await trainer.sequenceLosses(sequences, { batchSize: 4 }); // three batches, the last one short
    assert.deepEqual([...losses.tokens], sequences.map((s) => s.length - 1));
    const total = losses.sums.reduce((a, b) => a + b, 0) / losses.tokens.reduce((a, b) => a + b, 0);
    const evaluated = await trainer.evaluate(sequences);
    // Both are sums of the same float32 token losses in other orders: within the roundings of one chain.
    assert.ok(Math.abs(total - evaluated) <= 2 * n * UNIT_ROUNDOFF * evaluated, `${total} vs ${evaluated}`);
    // A sequence's sum does not depend on its batch-mates (the padding is masked out).
    for (const i of [0, 5, 9]) {
      const alone = await trainer.evaluate([sequences[i]]);
      const own = losses.sums[i] / losses.tokens[i];
      assert.ok(Math.abs(own - alone) <= 2 * n * UNIT_ROUNDOFF * alone, `sequence ${i}: ${own} vs ${alone}`);
    }
    perTrainer.push(losses.sums);
    trainer.dispose();
  }
  perTrainer[0].forEach((sum, i) => {
    assert.ok(Math.abs(sum - perTrainer[1][i]) <= 2 * n * UNIT_ROUNDOFF * sum, `sequence ${i}: onnx vs tfjs`);
  });
});

Deno.test("meanLossAndSe: the token-weighted mean and the per-sequence means' sd / sqrt(n)", () => {
  const sums = Float64Array.of(2, 9, 4), tokens = Float64Array.of(1, 3, 4); // per-sequence means 2, 3, 1
  const { mean, se } = meanLossAndSe({ sums, tokens });
  assert.equal(mean, 15 / 8);
  assert.ok(Math.abs(se - 1 / Math.sqrt(3)) < 1e-15, `${se}`); // sd of 2, 3, 1 is 1
  assert.ok(Number.isNaN(meanLossAndSe({ sums: Float64Array.of(1), tokens: Float64Array.of(2) }).se));
});
