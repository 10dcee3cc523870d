/**
 * Speed of the language-model experiment's pieces, on the default preset's
 * model shape: one AdamW training step (batch 16 real WordNet chats) with
 * TensorFlow.js and with the hand-written forward + backward ONNX graph on
 * onnxruntime-node (lib/lm/onnx_train.ts; all cores, then one thread), and
 * sampling throughput (generated tokens per second) through
 * `@huggingface/transformers` generate (key/value cache) and through the
 * forward-pass sampler, both on onnxruntime. With `--torch`, the same model and
 * batch in PyTorch on the CPU (bench/lm_torch_reference.py) and the ratio.
 *
 * ```sh
 * deno run -A bench/lm_bench.ts [--steps N] [--torch]
 * ```
 *
 * @module
 */

import { Rng } from "../lib/numerics/rng.ts";
import { GptModel, initBackend } from "../lib/lm/tfjs/mod.ts";
import { formatPair, splitPairs, wordnetPairs } from "../lib/lm/data.ts";
import { FINE_TUNE_DEFAULTS, LM_PRESETS, toSequences } from "../lib/lm/experiment.ts";
import { initWeights, parameterCount } from "../lib/lm/weights.ts";
import { writeHfFolder } from "../lib/lm/onnx_export.ts";
import { OnnxGptTrainer, releaseOnnxTrainingSessions } from "../lib/lm/onnx_train.ts";
import { forwardBatch, loadHfFolder, sampleChats } from "../lib/lm/sample.ts";
import { loadTokenizer, trainBpe, writeTokenizer } from "../lib/lm/tokenizer.ts";
import { mobyDickText } from "../lib/lm/data.ts";

const args = Deno.args;
const steps = Number(args[args.indexOf("--steps") + 1] || 10) || 10;
const settings = LM_PRESETS.default;
const config = {
  vocabSize: settings.vocabSize,
  contextLength: settings.contextLength,
  dModel: settings.dModel,
  nLayers: settings.nLayers,
  nHeads: settings.nHeads,
};
const backend = await initBackend();
console.log(`model: ${JSON.stringify(config)}, ${parameterCount(config)} parameters; tfjs backend ${backend}`);

const dir = Deno.makeTempDirSync({ prefix: "lm_bench_" });
const pairs = splitPairs(wordnetPairs(), { train: 512, validation: 0, seed: 0 }).train.map(formatPair);
writeTokenizer(`${dir}/tok`, trainBpe([mobyDickText().slice(0, 300_000), ...pairs], { vocabSize: config.vocabSize }));
const tokenizer = await loadTokenizer(`${dir}/tok`);
const sequences = toSequences(tokenizer, pairs, { contextLength: config.contextLength });
const batch = sequences.slice(0, FINE_TUNE_DEFAULTS.batchSize);
const batchTokens = batch.reduce((s, x) => s + x.length - 1, 0);

const model = new GptModel(config, initWeights(config, new Rng(0)));
await model.trainStep(batch, FINE_TUNE_DEFAULTS); // warm-up
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const t = performance.now();
  await model.trainStep(sequences.slice(i * 16 % 480, i * 16 % 480 + 16), FINE_TUNE_DEFAULTS);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const stepMs = times[times.length >> 1];
console.log(
  `train step (batch 16 chats, ~${batchTokens} tokens, AdamW + clipping): median ${stepMs.toFixed(0)} ms ` +
    `over ${steps} steps = ${(batchTokens / (stepMs / 1000)).toFixed(0)} training tokens/s`,
);

// The same steps (same initial weights, warm-up step, batches) on onnxruntime: all cores, then one thread
// (PyTorch's reference below runs on one thread).
const onnxMs: [number, number][] = [];
for (const threads of [navigator.hardwareConcurrency, 1]) {
  const trainer = new OnnxGptTrainer(config, initWeights(config, new Rng(0)), { threads });
  await trainer.trainStep(batch, FINE_TUNE_DEFAULTS); // warm-up (builds the session)
  const onnxTimes: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    await trainer.trainStep(sequences.slice(i * 16 % 480, i * 16 % 480 + 16), FINE_TUNE_DEFAULTS);
    onnxTimes.push(performance.now() - t);
  }
  trainer.dispose();
  onnxTimes.sort((a, b) => a - b);
  const ms = onnxTimes[onnxTimes.length >> 1];
  onnxMs.push([threads, ms]);
  const label = `${threads} thread${threads > 1 ? "s" : ""}`;
  console.log(
    `train step on onnxruntime (${label}, same batches): median ${ms.toFixed(1)} ms over ${steps} steps = ` +
      `${(batchTokens / (ms / 1000)).toFixed(0)} training tokens/s, ${(stepMs / ms).toFixed(1)}x faster than tfjs`,
  );
}
await releaseOnnxTrainingSessions();

// Teach the random model nothing: throughput does not depend on the weights, but sequence length does,
// so every row generates the full context (EOS is suppressed by a random model in practice).
writeHfFolder(`${dir}/model`, { config, weights: await model.weights() }, { tokenizerDir: `${dir}/tok` });
model.dispose();
const lm = await loadHfFolder(`${dir}/model`);
const newTokens = 32;
const samplingRates = new Map<string, number>();
for (const engine of ["generate", "forward"] as const) {
  const t = performance.now();
  const rows = 64;
  if (engine === "forward") await forwardBatch(lm, rows, { rng: new Rng(1), maxNewTokens: newTokens });
  else {
    await sampleChats(lm, 1, { seed: 1, batchSize: rows, maxNewTokens: newTokens, maxAttempts: rows, engine })
      .catch(() => undefined); // a random model writes no well-formed chat; only the time matters
  }
  const seconds = (performance.now() - t) / 1000;
  samplingRates.set(engine, rows * newTokens / seconds);
  console.log(
    `sampling, ${engine}: ${rows} rows x ${newTokens} new tokens in ${seconds.toFixed(2)} s = ` +
      `${(rows * newTokens / seconds).toFixed(0)} tokens/s`,
  );
}
await lm.model.dispose();

if (args.includes("--torch")) {
  const script = new URL("./lm_torch_reference.py", import.meta.url).pathname;
  const sampling = { rows: 64, newTokens };
  Deno.writeTextFileSync(`${dir}/batch.json`, JSON.stringify({ config, batch, steps, sampling }));
  const out = new Deno.Command("/usr/bin/python3", { args: [script, `${dir}/batch.json`] }).outputSync();
  const text = new TextDecoder().decode(out.stdout);
  console.log(text.trim() || new TextDecoder().decode(out.stderr).trim());
  const torchMs = Number(/median ([\d.]+) ms/.exec(text)?.[1]);
  if (Number.isFinite(torchMs)) {
    console.log(`ratio tfjs ${backend} / PyTorch CPU: ${(stepMs / torchMs).toFixed(1)}x`);
    for (const [threads, ms] of onnxMs) {
      const label = `${threads} thread${threads > 1 ? "s" : ""}`;
      console.log(`ratio onnxruntime (${label}) / PyTorch CPU (1 thread): ${(ms / torchMs).toFixed(2)}x`);
    }
  }
  const torchRate = Number(/PyTorch sampling.* = (\d+) tokens\/s/.exec(text)?.[1]);
  if (Number.isFinite(torchRate)) {
    console.log(
      `sampling throughput, forward sampler / PyTorch: ${(samplingRates.get("forward")! / torchRate).toFixed(2)}x`,
    );
  }
}
Deno.removeSync(dir, { recursive: true });
