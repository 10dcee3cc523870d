import assert from "node:assert/strict";
import { arrayOps } from "../models/estimator.ts";
import { Rng } from "../numerics/rng.ts";
import { runWorkflow } from "../workflows/mod.ts";
import type { LmEstimator, LmFit } from "./estimator.ts";
import { sharedFirstIteration, withFirstIteration } from "./first_fit.ts";
import type { LmTrainer } from "./trainer.ts";
import { loadWeights } from "./weights.ts";

/**
 * A stand-in for the language-model estimator that records its calls: a fit
 * "learns" the number of chats, a sample draws numbered chats from the k-th
 * sampling seed (as lm_run.ts keys them), and the weights are one array.
 */
function stubEstimator(log: string[], name: string): LmEstimator {
  let fits = 0, samples = 0;
  const estimator: LmEstimator = {
    ops: arrayOps<string>(),
    fit: (texts: string[]): Promise<LmFit> => {
      const k = ++fits;
      log.push(`${name} fit ${k} on ${texts.length}`);
      const values = Float32Array.of(texts.length, k);
      const trainer = { weights: () => new Map([["w", { shape: [2], values }]]) } as unknown as LmTrainer;
      return Promise.resolve({ trainer, trainLoss: texts.length / 10, fitSeconds: 0 });
    },
    evaluate: (model: LmFit): Promise<Record<string, number>> => {
      estimator.lastChatLosses = Float64Array.of(model.trainLoss, 2 * model.trainLoss);
      return Promise.resolve({ evalLoss: 1 + model.trainLoss, trainLoss: model.trainLoss, fitSeconds: 0 });
    },
    sample: (_model: LmFit, count: number): Promise<string[]> => {
      const k = ++samples;
      log.push(`${name} sample ${k}`);
      const rng = new Rng(7, "sample", k);
      estimator.lastSample = { acceptRate: name === "build" ? 0.5 : k / 10, sampleSeconds: 0 };
      return Promise.resolve(Array.from({ length: count }, () => `chat ${rng.int(1000)}`));
    },
    dispose: () => log.push(`${name} dispose`),
    close: () => log.push(`${name} close`),
  };
  return estimator;
}

const real = Array.from({ length: 5 }, (_, i) => `real ${i}`);

Deno.test("the first iteration is built once, completely, and read back by every later caller", async () => {
  const cache = await Deno.makeTempDir({ prefix: "lm_first_" });
  const dir = `${cache}/first-fit-x`;
  const log: string[] = [];
  const options = { dir, estimator: () => stubEstimator(log, "build"), real, count: 5 };
  try {
    // Two processes' worth of callers at once: each may build, one complete copy is kept, both read the same.
    const [a, b] = await Promise.all([sharedFirstIteration(options), sharedFirstIteration(options)]);
    assert.deepEqual(b, a);
    assert.deepEqual([...Deno.readDirSync(cache)].map((e) => e.name), ["first-fit-x"]);
    assert.deepEqual(a.metrics, { evalLoss: 1.5, trainLoss: 0.5, fitSeconds: 0 });
    assert.deepEqual(a.chatLosses, [0.5, 1]);
    assert.equal(a.samples.length, 5);
    assert.deepEqual(a.sampleInfo, { acceptRate: 0.5, sampleSeconds: 0 });
    assert.deepEqual([...loadWeights(dir).get("w")!.values], [5, 1], "the fitted weights are kept beside it");
    const builds = log.filter((l) => l === "build fit 1 on 5").length;
    assert.ok(builds >= 1 && builds <= 2);
    assert.equal(log.filter((l) => l === "build close").length, builds, "every builder's estimator closed");
    const again = await sharedFirstIteration(options);
    assert.deepEqual(again, a);
    assert.equal(log.filter((l) => l === "build fit 1 on 5").length, builds, "a complete copy is never rebuilt");
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("withFirstIteration: iteration 1 is the shared one, later iterations the later estimator's", async () => {
  const cache = await Deno.makeTempDir({ prefix: "lm_first_" });
  const log: string[] = [];
  const first = () =>
    sharedFirstIteration({ dir: `${cache}/f`, estimator: () => stubEstimator(log, "build"), real, count: 5 });
  try {
    const shared = await first();
    log.length = 0;
    for (const workflow of ["Replace", "Accumulate"] as const) {
      const later = stubEstimator(log, workflow);
      const estimator = withFirstIteration(later, first);
      const accepts: number[] = [];
      const chatLosses: number[][] = [];
      const records = await runWorkflow(estimator, real, {
        workflow,
        iterations: 3,
        rng: new Rng(1),
        onIteration: (_, data) => {
          accepts.push(estimator.lastSample?.acceptRate ?? NaN);
          chatLosses.push([...estimator.lastChatLosses!]);
          if (data.samples && accepts.length === 1) assert.deepEqual(data.samples, shared.samples);
        },
      });
      estimator.close();
      assert.deepEqual(records[0].metrics, shared.metrics);
      const size = workflow === "Replace" ? 5 : 10;
      assert.deepEqual(chatLosses.slice(0, 2), [shared.chatLosses, [size / 10, size / 5]]);
      assert.deepEqual(accepts.slice(0, 2), [0.5, 0.1], "iteration 1's from the cache, iteration 2's its own");
      assert.deepEqual(records[1].metrics, { evalLoss: 1 + size / 10, trainLoss: size / 10, fitSeconds: 0 });
    }
    // The later estimators never fit iteration 1; each disposes of its own fits only.
    assert.deepEqual(log, [
      "Replace fit 1 on 5",
      "Replace sample 1",
      "Replace dispose",
      "Replace fit 2 on 5",
      "Replace dispose",
      "Replace close",
      "Accumulate fit 1 on 10",
      "Accumulate sample 1",
      "Accumulate dispose",
      "Accumulate fit 2 on 15",
      "Accumulate dispose",
      "Accumulate close",
    ]);
    const wrong = withFirstIteration(stubEstimator(log, "x"), first);
    await assert.rejects(
      runWorkflow(wrong, real, { workflow: "Replace", iterations: 2, rng: new Rng(1), samplesPerIteration: 7 }),
      /the shared first iteration drew 5 chats, 7 are asked for/,
    );
    // With `more`: the cached samples first, in order, then new draws of the first model, never a cached one twice.
    const asked: number[] = [];
    const more = (f: { samples: string[] }, count: number) => {
      assert.deepEqual(f.samples, shared.samples);
      asked.push(count);
      return Promise.resolve(Array.from({ length: count }, (_, i) => `more ${asked.length}.${i}`));
    };
    const extended = withFirstIteration(stubEstimator(log, "y"), first, { more });
    const model = await extended.fit(real);
    assert.deepEqual(await extended.sample(model, 3, new Rng(0)), shared.samples.slice(0, 3));
    assert.deepEqual(await extended.sample(model, 4, new Rng(0)), [...shared.samples.slice(3), "more 1.0", "more 1.1"]);
    assert.deepEqual(await extended.sample(model, 2, new Rng(0)), ["more 2.0", "more 2.1"]);
    assert.deepEqual(asked, [2, 2]);
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});
