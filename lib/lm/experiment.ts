/**
 * The paper's language-model experiment (section 4; original notebooks 01 and
 * 08) at laptop size: a small GPT pre-trained once on Moby-Dick (cached under
 * `.cache/lm/`), then, in every model-fitting iteration, a FRESH copy of that
 * base fine-tuned for one epoch on the iteration's chats (AdamW, warm-up then
 * constant learning rate, clipping 1.0), scored by cross-entropy on real
 * validation chats, and sampled (exported to ONNX, generated through
 * `@huggingface/transformers`) to make the next synthetic set. Pre-training,
 * fine-tuning and scoring run on onnxruntime ({@linkcode OnnxGptTrainer}); this
 * module does not load TensorFlow.js. The presets are in settings.ts
 * (re-exported here).
 *
 * @module
 */

import "./worker_location.ts"; // first: before any module that loads transformers.js
import { Progress } from "../run/progress.ts";
import { assertSeed, Rng } from "../numerics/rng.ts";
import { attachmentPath, readRun, type RunOutput, runPath, type RunRow, writeRun } from "../run/store.ts";
import { assertWorkflow, runWorkflow, type Workflow, WORKFLOWS } from "../workflows/mod.ts";
import { type ChatPair, formatPair, mobyDickText, splitPairs, wordnetPairs } from "./data.ts";
import { distinctNgramRatio, tokenEntropy } from "./diversity.ts";
import { writeHfFolder } from "./onnx_export.ts";
import { OnnxGptTrainer } from "./onnx_train.ts";
import { loadHfFolder, sampleChats } from "./sample.ts";
import { LM_SETTINGS_FIELDS, type LmRunConfig, lmRunConfig, validateLmRunConfig } from "./runs.ts";
import { FINE_TUNE_DEFAULTS, LM_TRAINER, type LmSettings, PRETRAIN_DEFAULTS, validateLmSettings } from "./settings.ts";
import { encode, loadTokenizer, trainBpe, writeTokenizer } from "./tokenizer.ts";
import { type GptConfig, type GptWeights, initWeights, loadWeights, saveWeights } from "./weights.ts";
import type { PreTrainedTokenizer } from "@huggingface/transformers";
import { arrayOps, type Estimator } from "../models/estimator.ts";

export * from "./runs.ts";
export * from "./settings.ts";

/** The shared cache folder: `COLLAPSE_LM_CACHE`, else `.cache/lm/` in the project. */
export function lmCacheDir(): string {
  return Deno.env.get("COLLAPSE_LM_CACHE") ?? new URL("../../.cache/lm", import.meta.url).pathname;
}

function hashText(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

/** The real data of a preset: train/validation chats (formatted) and their pairs. */
export interface LmData {
  train: string[];
  validation: string[];
  trainPairs: ChatPair[];
  /** Chats mixed into pre-training (see {@linkcode LmSettings.pretrainChats}). */
  pretrain: string[];
}

/** The fixed, seeded split of WordNet chats for these settings. */
export function lmData(settings: LmSettings): LmData {
  const pairs = wordnetPairs({ maxGlossChars: settings.maxGlossChars });
  // The draw's prefix does not depend on its length, so extra pre-training chats
  // leave the train/validation split unchanged.
  const split = splitPairs(pairs, {
    train: settings.trainPairs,
    validation: settings.validationPairs + settings.pretrainChats,
    seed: settings.dataSeed,
  });
  const validation = split.validation.slice(0, settings.validationPairs);
  return {
    train: split.train.map(formatPair),
    validation: validation.map(formatPair),
    trainPairs: split.train,
    pretrain: split.validation.slice(settings.validationPairs).map(formatPair),
  };
}

/** The pre-trained base: its folder, tokenizer, shape and weights. */
export interface BaseModel {
  dir: string;
  tokenizerDir: string;
  tokenizer: PreTrainedTokenizer;
  config: GptConfig;
  weights: GptWeights;
  /** Mean token loss of the last pre-training epoch, and its wall time. */
  info: { pretrainLoss: number; pretrainSeconds: number; pretrainTokens: number; steps: number };
}

/** [BOS] tokens [EOS] of each text, cut to contextLength + 1 tokens. */
export function toSequences(
  tokenizer: PreTrainedTokenizer,
  texts: readonly string[],
  options: { contextLength: number },
): number[][] {
  const { contextLength } = options;
  return texts.map((t) => [0, ...encode(tokenizer, t), 0].slice(0, contextLength + 1));
}

/** The cache folder of the base model of these settings: `<cacheDir>/base-<hash of what shapes the base>`. */
export function baseDir(settings: LmSettings, options: { cacheDir?: string } = {}): string {
  const baseKeys = [
    "vocabSize",
    "contextLength",
    "dModel",
    "nLayers",
    "nHeads",
    "pretrainChars",
    "pretrainEpochs",
    "pretrainChats",
    "trainPairs",
    "validationPairs",
    "maxGlossChars",
    "dataSeed",
  ];
  // The trainer is part of the identity: a base pre-trained by another one (tfjs) is not reused.
  const identity = JSON.stringify({
    trainer: LM_TRAINER,
    ...Object.fromEntries(baseKeys.map((k) => [k, settings[k]])),
  });
  return `${options.cacheDir ?? lmCacheDir()}/base-${hashText(identity + JSON.stringify(PRETRAIN_DEFAULTS))}`;
}

/**
 * The base model of these settings: loaded from `.cache/lm/base-<hash>/` when
 * present, else built (tokenizer trained on Moby-Dick plus the real training
 * chats, then the transformer pre-trained on Moby-Dick) and cached. Safe to
 * call from several processes or workers at once: each builds in a temporary
 * folder, renamed into place when complete; the first one there is kept and
 * the others load it.
 */
export async function prepareBase(
  settings: LmSettings,
  data: LmData,
  options: { cacheDir?: string } = {},
): Promise<BaseModel> {
  const dir = baseDir(settings, options);
  const config: GptConfig = {
    vocabSize: settings.vocabSize,
    contextLength: settings.contextLength,
    dModel: settings.dModel,
    nLayers: settings.nLayers,
    nHeads: settings.nHeads,
  };
  const cached = await loadCachedBase(dir, config);
  if (cached) return cached;
  // Built in a folder of its own and renamed into place once complete, so a
  // reader never sees part of a base, and two processes (sweep workers)
  // building the same base at once leave the first complete one in the cache.
  const building = `${dir}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    const moby = mobyDickText();
    const corpus = settings.pretrainChars > 0 ? moby.slice(0, settings.pretrainChars) : moby;
    writeTokenizer(
      `${building}/tokenizer`,
      trainBpe([corpus, ...data.train, ...data.pretrain], { vocabSize: settings.vocabSize }),
    );
    const tokenizer = await loadTokenizer(`${building}/tokenizer`);
    const ids: number[] = [];
    for (const paragraph of corpus.split(/\n\s*\n/)) {
      if (paragraph.trim().length === 0) continue;
      ids.push(...encode(tokenizer, paragraph.trim() + "\n\n"));
    }
    const chunk = settings.contextLength + 1;
    const sequences: number[][] = [];
    for (let i = 0; i + chunk <= ids.length; i += settings.contextLength) sequences.push(ids.slice(i, i + chunk));
    sequences.push(...toSequences(tokenizer, data.pretrain, { contextLength: settings.contextLength }));
    const model = new OnnxGptTrainer(config, initWeights(config, new Rng(settings.dataSeed, "lm-init")));
    const rng = new Rng(settings.dataSeed, "lm-pretrain");
    const started = performance.now();
    let loss = NaN;
    let steps = 0;
    for (let epoch = 0; epoch < settings.pretrainEpochs; epoch++) {
      const progress = new Progress(`pre-training on Moby-Dick, epoch ${epoch + 1}`, Math.ceil(sequences.length / 16));
      loss = await model.trainEpoch(sequences, rng, {
        ...PRETRAIN_DEFAULTS,
        onStep: () => {
          steps++;
          progress.tick();
        },
      });
    }
    const weights = model.weights();
    model.dispose();
    const info = {
      pretrainLoss: loss,
      pretrainSeconds: (performance.now() - started) / 1000,
      pretrainTokens: sequences.length * settings.contextLength,
      steps,
    };
    saveWeights(building, weights);
    Deno.writeTextFileSync(
      `${building}/base.json`,
      JSON.stringify({ trainer: LM_TRAINER, settings, config, info }, null, 2),
    );
    if (!moveIntoPlace(building, dir)) {
      const winner = await loadCachedBase(dir, config);
      if (!winner) throw new Error(`cannot store the base model in ${dir}: another process holds an incomplete copy`);
      console.log(`base model: another process stored it first; using its copy in ${dir}`);
      return winner;
    }
    console.log(
      `base model: pre-trained in ${info.pretrainSeconds.toFixed(0)} s, loss ${loss.toFixed(3)}, saved to ${dir}`,
    );
    return { dir, tokenizerDir: `${dir}/tokenizer`, tokenizer, config, weights, info };
  } finally {
    try {
      Deno.removeSync(building, { recursive: true });
    } catch { /* moved into place */ }
  }
}

/** The base cached in `dir` (whole: a base is renamed into place complete, base.json written last), or undefined. */
async function loadCachedBase(dir: string, config: GptConfig): Promise<BaseModel | undefined> {
  let infoText: string;
  try {
    infoText = Deno.readTextFileSync(`${dir}/base.json`);
  } catch {
    return undefined;
  }
  const tokenizerDir = `${dir}/tokenizer`;
  const tokenizer = await loadTokenizer(tokenizerDir);
  const weights = loadWeights(dir);
  console.log(`base model: cached in ${dir}`);
  return { dir, tokenizerDir, tokenizer, config, weights, info: JSON.parse(infoText).info };
}

/**
 * Renames the complete folder `from` to `to`; false when `to` already holds a
 * complete base (another process was first). A `to` without base.json was
 * left by an interrupted build of the code before this one, which wrote in
 * place: it is moved aside and deleted. (Two processes replacing such a
 * leftover at the same instant could displace each other's new copy: only
 * possible on the first use of a folder of that older code.)
 */
function moveIntoPlace(from: string, to: string): boolean {
  try {
    Deno.renameSync(from, to);
    return true;
  } catch { /* `to` exists */ }
  try {
    Deno.statSync(`${to}/base.json`);
    return false;
  } catch { /* a leftover */ }
  const aside = `${to}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.stale`;
  try {
    Deno.renameSync(to, aside);
    Deno.removeSync(aside, { recursive: true });
  } catch { /* another process moved it */ }
  try {
    Deno.renameSync(from, to);
    return true;
  } catch {
    return false;
  }
}

/** One row per (workflow, seed, iteration), and the samples shown in the notebook. */
export interface LmResult {
  rows: RunRow[];
  /** A few training texts and samples per (workflow, seed, iteration). */
  examples: { workflow: Workflow; seed: number; iteration: number; training: string[]; samples: string[] }[];
}

/** Options of {@linkcode runLmExperiment}. */
export interface RunLmOptions {
  /** Only these workflows (default: all three). */
  workflows?: readonly Workflow[];
  /** Recompute even when stored. */
  refresh?: boolean;
  cacheDir?: string;
  storeDir?: string;
  /** Examples kept per iteration. Default 4. */
  examples?: number;
}

/**
 * Runs every (workflow, seed) of the settings, one after another in this
 * process, each stored as one run (Parquet rows + its example texts as the
 * attachment "examples.json") and reused when present. Each run is computed by
 * {@linkcode runLmRun}, as in a sweep (`sweeps/lm.yaml`), under the same key
 * and with the same files, so both share the store.
 */
export async function runLmExperiment(
  settingsIn: Record<string, unknown>,
  options: RunLmOptions = {},
): Promise<LmResult> {
  const settings = validateLmSettings(settingsIn);
  const workflows = options.workflows ?? WORKFLOWS;
  workflows.forEach((w) => assertWorkflow(w));
  const data = lmData(settings);
  const result: LmResult = { rows: [], examples: [] };
  let base: BaseModel | undefined;
  for (let seed = 0; seed < settings.seeds; seed++) {
    for (const workflow of workflows) {
      const config = lmRunConfig(settings, workflow, seed);
      const path = runPath("lm", config, options.storeDir);
      const stored = options.refresh ? undefined : readRun(path);
      if (stored) {
        result.rows.push(...stored);
        try {
          result.examples.push(...JSON.parse(Deno.readTextFileSync(attachmentPath(path, EXAMPLES))));
        } catch { /* runs stored before examples were attachments may lack them */ }
        continue;
      }
      base ??= await prepareBase(settings, data, { cacheDir: options.cacheDir });
      const computed = await runLmRun(config, { data, base, examples: options.examples });
      writeRun(path, computed.rows, { attachments: lmAttachments(computed.examples) });
      result.rows.push(...computed.rows);
      result.examples.push(...computed.examples);
    }
  }
  return result;
}

/** Options of {@linkcode runLmRun}. */
export interface LmRunOptions {
  /** The base's cache folder (default {@linkcode lmCacheDir}). */
  cacheDir?: string;
  /** Examples kept per iteration. Default 4. */
  examples?: number;
  /** The settings' data and base, when the caller has them already (else built, or read from the cache). */
  data?: LmData;
  base?: BaseModel;
}

/** The attachment of a run that holds its example texts (training data and samples per iteration). */
export const EXAMPLES = "examples.json";

/**
 * Computes one run, (settings, workflow, seed), and stores nothing: its
 * configuration is checked ({@linkcode validateLmRunConfig}), the base comes
 * from the cache (pre-trained there first if missing), and every row carries
 * the run's configuration.
 */
export async function runLmRun(
  configIn: Record<string, unknown>,
  options: LmRunOptions = {},
): Promise<{ config: LmRunConfig; rows: RunRow[]; examples: LmResult["examples"] }> {
  const config = validateLmRunConfig(configIn);
  const settings = Object.fromEntries(LM_SETTINGS_FIELDS.map((key) => [key, config[key]])) as LmSettings;
  const data = options.data ?? lmData(settings);
  const base = options.base ?? await prepareBase(settings, data, { cacheDir: options.cacheDir });
  const { workflow, seed } = config;
  const run = await runOne(settings, { base, data, workflow, seed, examples: options.examples ?? 4 });
  return { config, rows: run.rows.map((r) => ({ ...config, ...r })), examples: run.examples };
}

/**
 * One run as the store keeps it, for a sweep (the runner's workers import this
 * module, see `LM_EXPERIMENT`) and for {@linkcode runLmExperiment}: its rows,
 * and its example texts as the attachment "examples.json".
 */
export async function run(
  config: Record<string, unknown>,
  options: LmRunOptions = {},
): Promise<RunOutput & { attachments: Record<string, string> }> {
  const { rows, examples } = await runLmRun(config, options);
  return { rows, attachments: lmAttachments(examples) };
}

/** The files stored beside a run's rows: its example texts. */
function lmAttachments(examples: LmResult["examples"]): Record<string, string> {
  return { [EXAMPLES]: JSON.stringify(examples) };
}

/** The estimator of one run: fit = fine-tune a fresh base copy, sample = export + generate + filter. */
async function runOne(
  settings: LmSettings,
  context: { base: BaseModel; data: LmData; workflow: Workflow; seed: number; examples: number },
): Promise<{ rows: RunRow[]; examples: LmResult["examples"] }> {
  const { base, data, workflow, seed } = context;
  assertSeed(seed);
  const validation = toSequences(base.tokenizer, data.validation, { contextLength: settings.contextLength });
  // Unique: sweep workers share the process id and may run the same (workflow, seed) of other settings.
  const workDir = `${base.dir}/work-${workflow}-${seed}-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const rows: RunRow[] = [];
  const examples: LmResult["examples"] = [];
  let timer = performance.now();
  let extra: Record<string, number> = {};
  // The runner fits once per iteration, in order, then samples that iteration's model.
  let iteration = 0;
  const estimator: Estimator<string[], OnnxGptTrainer> = {
    ops: arrayOps<string>(),
    fit: async (texts: string[]): Promise<OnnxGptTrainer> => {
      iteration++;
      timer = performance.now();
      const model = new OnnxGptTrainer(base.config, base.weights);
      const sequences = toSequences(base.tokenizer, texts, { contextLength: settings.contextLength });
      const progress = new Progress(
        `${workflow} seed ${seed} iteration ${iteration}: fine-tuning on ${texts.length}`,
        Math.ceil(sequences.length / FINE_TUNE_DEFAULTS.batchSize),
        { intervalSeconds: 15 },
      );
      const trainLoss = await model.trainEpoch(sequences, new Rng(seed, "lm-fit", workflow, iteration), {
        ...FINE_TUNE_DEFAULTS,
        learningRate: settings.fineTuneLearningRate,
        onStep: () => progress.tick(),
      });
      extra = { trainLoss, fitSeconds: (performance.now() - timer) / 1000 };
      return model;
    },
    evaluate: async (model: OnnxGptTrainer): Promise<Record<string, number>> => ({
      evalLoss: await model.evaluate(validation),
    }),
    // The sampling seed is drawn from a stream of its own, so the workflow's rng only drives the subsamples.
    sample: async (model: OnnxGptTrainer, count: number): Promise<string[]> => {
      const started = performance.now();
      const folder = `${workDir}/model`;
      writeHfFolder(folder, { config: base.config, weights: model.weights() }, {
        tokenizerDir: base.tokenizerDir,
      });
      const lm = await loadHfFolder(folder);
      const progress = new Progress(`${workflow} seed ${seed} iteration ${iteration}: sampling ${count}`, count, {
        intervalSeconds: 15,
      });
      let last = 0;
      const { texts, attempted, wellFormed } = await sampleChats(lm, count, {
        seed: new Rng(seed, "lm-sample", workflow, iteration).nextUint32(),
        maxNewTokens: settings.contextLength - 1,
        engine: settings.samplingEngine,
        onBatch: (kept) => {
          progress.tick(kept - last);
          last = kept;
        },
      });
      await lm.model.dispose();
      extra.acceptRate = wellFormed / attempted;
      extra.sampleSeconds = (performance.now() - started) / 1000;
      return texts;
    },
    dispose: (model: OnnxGptTrainer): void => model.dispose(),
  };
  await runWorkflow(estimator, data.train, {
    workflow,
    iterations: settings.iterations,
    rng: new Rng(seed, "lm-workflow", workflow),
    onIteration: (record, { training = [], samples = [] }) => {
      const responses = (texts: readonly string[]): string[] => texts.map((t) => t.split("assistant: ")[1] ?? "");
      rows.push({
        iteration: record.iteration,
        trainingSize: record.trainingSize,
        realFraction: record.realFraction,
        ...record.metrics,
        acceptRate: NaN,
        sampleSeconds: NaN,
        ...extra,
        trainDistinct2: distinctNgramRatio(responses(training), 2),
        trainTokenEntropy: tokenEntropy(training.map((t) => encode(base.tokenizer, t))),
        sampleDistinct2: samples.length ? distinctNgramRatio(responses(samples), 2) : NaN,
        sampleTokenEntropy: samples.length ? tokenEntropy(samples.map((t) => encode(base.tokenizer, t))) : NaN,
      });
      const last = rows.at(-1)!;
      console.log(
        `${workflow} seed ${seed} iteration ${record.iteration}: eval loss ${(last.evalLoss as number).toFixed(4)}, ` +
          `train loss ${(last.trainLoss as number).toFixed(4)} on ${record.trainingSize} chats ` +
          `(${(100 * record.realFraction).toFixed(0)}% real), fit ${(last.fitSeconds as number).toFixed(0)} s`,
      );
      const rng = new Rng(seed, "lm-examples", workflow, record.iteration);
      const pick = (texts: readonly string[]): string[] =>
        texts.length === 0
          ? []
          : Array.from(rng.sampleWithoutReplacement(texts.length, Math.min(context.examples, texts.length)), (i) =>
            texts[i]);
      examples.push({
        workflow,
        seed,
        iteration: record.iteration,
        training: pick(training),
        samples: pick(samples),
      });
      extra = {};
    },
  });
  try {
    Deno.removeSync(workDir, { recursive: true });
  } catch { /* nothing to clean */ }
  return { rows, examples };
}
