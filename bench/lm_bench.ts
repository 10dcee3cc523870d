/**
 * Speed of the language-model experiment's pieces, side by side with the same
 * model in PyTorch (bench/lm_torch_reference.py, with `--torch`):
 * - one AdamW training step (batch 16 real WordNet chats) on both trainers
 *   (lib/lm/trainer.ts: onnxruntime on every core and on one thread, and
 *   TensorFlow.js on its backend), at the default preset's shape and at
 *   `LARGE_GPT_CONFIG` (unless `--no-large`);
 * - sampling throughput (tokens drawn per second) of the three engines
 *   (lib/lm/sample.ts: transformers.js `generate`, the whole-context
 *   "forward" sampler, the key/value-cache "cached" sampler), 64 rows from
 *   BOS, at 32 and at 63 new tokens (the whole context), against PyTorch
 *   without and with its cache.
 *
 * Every figure is the best of `--repeats` runs (default `BENCH_REPEATS`, else
 * 3), a training step's being the median over `--steps` steps: the machine is
 * shared, and the best run is the one least disturbed.
 *
 * ```sh
 * deno run -A bench/lm_bench.ts [--steps N] [--repeats N] [--torch] [--no-large]
 * ```
 *
 * @module
 */

import { Rng } from "../lib/numerics/rng.ts";
import { cachedTokens, closeCachedModel, openCachedModel } from "../lib/lm/cached_sampler.ts";
import { formatPair, mobyDickText, splitPairs, wordnetPairs } from "../lib/lm/data.ts";
import { LM_PRESETS } from "../lib/experiments/lm.ts";
import { toSequences } from "../lib/lm/base.ts";
import { FINE_TUNE_DEFAULTS } from "../lib/lm/settings.ts";
import { writeHfFolder } from "../lib/lm/onnx_export.ts";
import { releaseOnnxTrainingSessions } from "../lib/lm/onnx_train.ts";
import { forwardTokens, type LoadedLm, loadHfFolder } from "../lib/lm/sample.ts";
import { loadTokenizer, trainBpe, writeTokenizer } from "../lib/lm/tokenizer.ts";
import { createTrainer, type CreateTrainerOptions } from "../lib/lm/trainer.ts";
import { type GptConfig, initWeights, LARGE_GPT_CONFIG, parameterCount } from "../lib/lm/weights.ts";
import { initBackend } from "../lib/lm/tfjs/backend.ts";
import { Tensor } from "@huggingface/transformers";

const args = Deno.args;
function flag(name: string, fallback: number): number {
  const i = args.indexOf(name);
  const value = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
const steps = flag("--steps", 10);
const repeats = flag("--repeats", Number(Deno.env.get("BENCH_REPEATS") ?? 3) || 3);
const cores = navigator.hardwareConcurrency;
const settings = LM_PRESETS.default;
const config: GptConfig = {
  vocabSize: settings.vocabSize,
  contextLength: settings.contextLength,
  dModel: settings.dModel,
  nLayers: settings.nLayers,
  nHeads: settings.nHeads,
};
const large = args.includes("--no-large") ? undefined : { ...LARGE_GPT_CONFIG };
const backend = await initBackend({ quiet: true });
console.log(
  `best of ${repeats}; ${cores} cores; default shape ${JSON.stringify(config)} (${parameterCount(config)} parameters)` +
    (large ? `; large ${JSON.stringify(large)} (${parameterCount(large)} parameters)` : "") +
    `; tfjs backend ${backend}`,
);

const dir = Deno.makeTempDirSync({ prefix: "lm_bench_" });
const pairs = splitPairs(wordnetPairs(), { train: 512, validation: 0, seed: 0 }).train.map(formatPair);
writeTokenizer(`${dir}/tok`, trainBpe([mobyDickText().slice(0, 300_000), ...pairs], { vocabSize: config.vocabSize }));
const tokenizer = await loadTokenizer(`${dir}/tok`);
const sequences = toSequences(tokenizer, pairs, { contextLength: config.contextLength });
const batchSize = FINE_TUNE_DEFAULTS.batchSize;
const batch = sequences.slice(0, batchSize);
const batchTokens = batch.reduce((s, x) => s + x.length - 1, 0);

/** One result row: what, our time or rate, and the label of the PyTorch row it is compared with. */
interface Row {
  what: string;
  value: number;
  unit: "ms" | "tokens/s";
  torch?: string;
}
const rows: Row[] = [];

/** Best over `options.repeats` of the median step time (ms) over `count` steps, after one warm-up step. */
async function stepMs(
  shape: GptConfig,
  options: CreateTrainerOptions & { count: number; repeats: number },
): Promise<number> {
  const trainer = await createTrainer(shape, initWeights(shape, new Rng(0)), { ...options, quiet: true });
  await trainer.trainStep(batch, FINE_TUNE_DEFAULTS); // builds the session or compiles the kernels
  let best = Infinity;
  for (let r = 0; r < options.repeats; r++) {
    const times: number[] = [];
    for (let i = 0; i < options.count; i++) {
      const start = (r * options.count + i) * batchSize % (sequences.length - batchSize);
      const t = performance.now();
      await trainer.trainStep(sequences.slice(start, start + batchSize), FINE_TUNE_DEFAULTS);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    best = Math.min(best, times[times.length >> 1]);
  }
  trainer.dispose();
  await releaseOnnxTrainingSessions();
  return best;
}

// The large shape's tfjs steps take seconds each on one thread: fewer of them, one run.
for (const [label, shape] of [["default", config], ["large", large]] as const) {
  if (!shape) continue;
  const count = label === "default" ? steps : Math.min(steps, 5);
  for (const threads of [...new Set([cores, 1])]) {
    const ms = await stepMs(shape, { trainer: "onnxruntime", threads, count, repeats });
    rows.push({
      what: `${label}: train step, onnxruntime, ${threads} thread${threads > 1 ? "s" : ""}`,
      value: ms,
      unit: "ms",
      torch: `${label} train step (${threads} threads)`,
    });
    console.log(`${rows.at(-1)!.what}: ${ms.toFixed(1)} ms`);
  }
  const ms = await stepMs(shape, {
    trainer: "tfjs",
    count: label === "default" ? steps : 3,
    repeats: label === "default" ? repeats : 1,
  });
  rows.push({
    what: `${label}: train step, tfjs ${backend}`,
    value: ms,
    unit: "ms",
    torch: `${label} train step (1 threads)`,
  });
  console.log(`${rows.at(-1)!.what}: ${ms.toFixed(1)} ms`);
}
console.log(`(a default-shape batch holds ${batchTokens} training tokens)`);

// Sampling from a freshly initialised model: throughput does not depend on the weights, but the length
// does, and a model at GPT-2's initialisation draws EOS about once in a vocabulary's worth of draws, so
// nearly every row runs to the end. Rates count the tokens actually drawn.
writeHfFolder(`${dir}/model`, { config, weights: initWeights(config, new Rng(0)) }, { tokenizerDir: `${dir}/tok` });
const lm = await loadHfFolder(`${dir}/model`);
const sampleRows = 64;
const newTokenCounts = [32, config.contextLength - 1];

async function generateTokens(model: LoadedLm, newTokens: number): Promise<number> {
  const output = await model.model.generate({
    inputs: new Tensor("int64", new BigInt64Array(sampleRows), [sampleRows, 1]),
    do_sample: true,
    temperature: 1.0,
    top_k: 0,
    top_p: 1.0,
    max_new_tokens: newTokens,
    eos_token_id: 0,
    pad_token_id: 0,
  } as Record<string, unknown>) as Tensor;
  return output.dims[0] * (output.dims[1] - 1); // generate draws for every row until all have ended
}

const cached = await openCachedModel(`${dir}/model`);
const cachedOneThread = await openCachedModel(`${dir}/model`, { threads: 1 });
for (const newTokens of newTokenCounts) {
  const engines: [string, () => Promise<number>][] = [
    ["generate", () => generateTokens(lm, newTokens)],
    ["forward", async () => drawn(await forwardTokens(lm, sampleRows, { rng: new Rng(1), maxNewTokens: newTokens }))],
    [
      "cached",
      async () => drawn(await cachedTokens(cached, sampleRows, { rng: new Rng(1), maxNewTokens: newTokens })),
    ],
    [
      "cached, 1 thread",
      async () => drawn(await cachedTokens(cachedOneThread, sampleRows, { rng: new Rng(1), maxNewTokens: newTokens })),
    ],
  ];
  for (const [engine, run] of engines) {
    let best = 0, tokens = 0;
    for (let r = 0; r < repeats; r++) {
      const t = performance.now();
      tokens = await run();
      best = Math.max(best, tokens / ((performance.now() - t) / 1000));
    }
    const torch = engine.startsWith("cached") ? "with cache" : "no cache";
    rows.push({
      what: `sampling ${sampleRows} rows x ${newTokens} new tokens, ${engine}`,
      value: best,
      unit: "tokens/s",
      torch: `sampling ${torch} (best of 1, ${cores} threads), ${sampleRows} rows x ${newTokens} new tokens`,
    });
    console.log(`${rows.at(-1)!.what}: ${best.toFixed(0)} tokens/s (${tokens} tokens drawn)`);
  }
}
await closeCachedModel(cached);
await closeCachedModel(cachedOneThread);
await lm.model.dispose();

function drawn(tokenRows: number[][]): number {
  return tokenRows.reduce((s, r) => s + r.length - 1, 0);
}

const torch = new Map<string, number>();
if (args.includes("--torch")) {
  const script = new URL("./lm_torch_reference.py", import.meta.url).pathname;
  const spec = {
    config,
    batch,
    steps,
    repeats,
    sampling: { rows: sampleRows, newTokens: newTokenCounts },
    ...(large ? { large: { config: large, batch, steps: Math.min(steps, 5) } } : {}),
  };
  Deno.writeTextFileSync(`${dir}/spec.json`, JSON.stringify(spec));
  const out = new Deno.Command("/usr/bin/python3", { args: [script, `${dir}/spec.json`] }).outputSync();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) console.log(`PyTorch reference failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  for (const line of text.trim().split("\n")) {
    console.log(line);
    const m = /^PyTorch (?:\d[\w.+]* )?(.*): ([\d.]+) (ms|tokens\/s)$/.exec(line);
    if (m) torch.set(m[1], Number(m[2]));
  }
}

console.log(
  "\n| workload | this project | PyTorch (CPU) | speed-up over PyTorch | PyTorch row |\n|---|---:|---:|---:|---|",
);
for (const row of rows) {
  const reference = row.torch ? torch.get(row.torch) : undefined;
  const show = (v: number) => row.unit === "ms" ? `${v.toFixed(1)} ms` : `${v.toFixed(0)} tokens/s`;
  // For times the ratio is theirs over ours; for rates ours over theirs: > 1 means this project is faster.
  const ratio = reference === undefined
    ? "n/a"
    : `${(row.unit === "ms" ? reference / row.value : row.value / reference).toFixed(2)}x`;
  const shown = reference === undefined ? "n/a" : show(reference);
  console.log(
    `| ${row.what} | ${show(row.value)} | ${shown} | ${ratio} | ${reference === undefined ? "" : row.torch} |`,
  );
}
Deno.removeSync(dir, { recursive: true });
