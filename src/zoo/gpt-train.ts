/**
 * Pre-training a GPT on a corpus, with checkpoints that resume exactly (Node-only).
 *
 * Tokens: characters (CharTokenizer fitted on the whole text, the last 10 % of the tokens held out
 * by splitTokens) or byte-level BPE (`tokenizer: 'bpe'`: BpeTokenizer trained on the first 90 % of
 * the text only, which is the training split, and the last 10 % of the text, encoded on its own,
 * held out, so no merge is learned from validation text). Then random
 * windows from the rest (WindowSampler, its own seeded stream), next-token cross-entropy, AdamW
 * (weight decay on matrices only: paramGroupsWithoutDecay) with linear warm-up then cosine decay,
 * gradient norm clipped at 1. Every `evalInterval` steps (and at the end) the validation loss is
 * taken over the first `evalWindows` sequential validation windows; the bigram baseline is scored
 * on exactly the same target tokens (`bigramValLoss`). Losses are in nats per token, and also per
 * character of the evaluated text (`valLossPerChar`) so that runs with different tokenizers compare.
 *
 * A checkpoint is a folder: config.json (the GPTConfig), model.safetensors, tokenizer.json,
 * optimizer.safetensors (AdamW's moments) and trainer.json (step, schedule length, options,
 * optimizer scalars and groups, scheduler, sampler and global RNG state, loss history). It is one
 * generation of a checkpoint folder (io/checkpoint-dir.ts: `dir/gen-00000N/` and a `latest`
 * pointer written last), so a kill at any instant leaves a loadable checkpoint. Resuming restores all of it: the run
 * continues with the same batches and the same updates as one that was never interrupted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/mode.js';
import { backward } from '../autograd/backward.js';
import { sequenceCrossEntropy } from '../nn/losses.js';
import { CharTokenizer } from '../data/text/tokenizer.js';
import { BpeTokenizer } from '../data/text/bpe.js';
import {
  WindowSampler,
  sequentialWindows,
  splitTokens,
  type TokenSplit,
  type WindowSamplerState,
} from '../data/text/windows.js';
import { bigramBaseline } from '../data/text/bigram.js';
import { mobyDick, sotu } from '../data/text/corpora.js';
import { spamAssassin } from '../data/text/spam-assassin.js';
import { emailsText, spamSplit } from '../data/text/spam-split.js';
import { type TextTokenizer, loadTokenizer } from '../data/text/tokenizer-file.js';
import { loadSafetensors } from '../io/safetensors-file.js';
import { isCheckpointDir, latestCheckpoint, writeCheckpointDir } from '../io/checkpoint-dir.js';
import type { OptimizerMeta } from '../io/optimizer-file.js';
import { ArgumentError, FormatError, describe } from '../util/errors.js';
import { GPT, gptConfig, type GPTConfig } from './gpt.js';
import {
  type LoopCheckpoint,
  type PretrainRunOptions,
  type ScheduleDefaults,
  type ScheduleSettings,
  checkSchedule,
  checkpointRun,
  planMinutes,
  positive,
  recentLoss,
  runPretrainLoop,
  scheduleSettings,
  startRun,
  tokensPerSecond,
} from './pretrain-loop.js';
import {
  CHECKPOINT_FILES,
  MODEL_FILES,
  checkpointFolder,
  loadCheckpointWeights,
  readCheckpointJson,
  readTrainingCheckpoint,
  writeModelFiles,
} from './train-checkpoint.js';

/** The files of a checkpoint folder; generation needs the first three. */
export const GPT_MODEL_FILES = MODEL_FILES;
export const GPT_CHECKPOINT_FILES = CHECKPOINT_FILES;
/** pretrainGpt's schedule defaults (the bench's step uses them too). */
export const GPT_SCHEDULE: ScheduleDefaults = {
  steps: 5000,
  warmupCap: 100,
  weightDecay: 0.1,
  evalInterval: 250,
  checkpointInterval: 500,
};
const WHAT = 'GPT checkpoint';

export type GptCorpus = 'moby-dick' | 'sotu' | 'spam-assassin';

/**
 * The text of a named corpus (bundled packages, nothing downloaded). "spam-assassin" is the text of
 * the training e-mails of `spamSplit(spamAssassin(), { seed: 0 })`, so a classifier fine-tuned
 * after pre-training on it is tested on e-mails the language model never read.
 */
export function corpusText(name: string): string {
  if (name === 'moby-dick') return mobyDick.loadText();
  if (name === 'sotu') return sotu.loadText();
  if (name === 'spam-assassin') return emailsText(spamSplit(spamAssassin(), { seed: 0 }).train);
  throw new ArgumentError(`corpusText: got corpus ${describe(name)}; expected "moby-dick", "sotu" or "spam-assassin"`);
}

export type GptTokenizerKind = 'char' | 'bpe';

/** The tokenizer of a new run and the train/validation split of the text's tokens. */
function tokenize(
  fn: string,
  text: string,
  kind: GptTokenizerKind,
  vocabSize: number,
  resumed: TextTokenizer | null,
): { tokenizer: TextTokenizer; split: TokenSplit } {
  if (resumed instanceof CharTokenizer || (resumed === null && kind === 'char')) {
    const tokenizer = resumed ?? CharTokenizer.fit(text);
    return { tokenizer, split: splitTokens(tokenizer.encode(text)) };
  }
  // BPE: the tokenizer learns from the training text only; the held-out end is encoded on its own.
  const cut = Math.round(text.length * 0.9);
  if (cut < 1 || cut >= text.length)
    throw new ArgumentError(`${fn}: the text has ${text.length} characters; expected enough to hold out 10 %`);
  const head = text.slice(0, cut);
  const tokenizer = resumed ?? BpeTokenizer.train(head, { vocabSize });
  return { tokenizer, split: { train: tokenizer.encode(head), validation: tokenizer.encode(text.slice(cut)) } };
}

/** How many characters (code points) the token ids decode to. */
function charCount(tokenizer: TextTokenizer, ids: Int32Array): number {
  let n = 0;
  for (const _ of tokenizer.decode(ids)) n++;
  return n;
}

export interface PretrainGptOptions extends PretrainRunOptions {
  /** The training text; or `corpus` names one. */
  text?: string;
  corpus?: GptCorpus;
  /** Only the first N characters of the text (a quick run, a test). */
  chars?: number;
  /** 'char' (default): one token per character; 'bpe': byte-level BPE of `vocabSize` tokens. */
  tokenizer?: GptTokenizerKind;
  /** The BPE vocabulary size (default 4000); only with tokenizer 'bpe'. */
  vocabSize?: number;
  layers?: number;
  heads?: number;
  width?: number;
  context?: number;
  tied?: boolean;
  dropout?: number;
  /** Sequential validation windows per evaluation (default 32). */
  evalWindows?: number;
}

/**
 * Hyper-parameters that stay with a run (saved in trainer.json, restored on resume): the schedule
 * (5,000 steps by default; `minutes` counts from the start, data preparation included) and the data.
 */
interface RunSettings extends ScheduleSettings {
  corpus: string | null;
  chars: number | null;
  /** Absent in checkpoints written before BPE: those are 'char'. */
  tokenizer?: GptTokenizerKind;
  vocabSize?: number | null;
  evalWindows: number;
}

interface TrainerState extends LoopCheckpoint {
  settings: RunSettings;
  sampler: WindowSamplerState;
  optimizer: OptimizerMeta;
  evals: { step: number; valLoss: number }[];
}

export interface PretrainGptResult {
  /** Validation loss (nats per token) over the evaluated windows at the end. */
  valLoss: number;
  /** The add-one bigram model's loss (nats per token) on the same validation targets. */
  bigramValLoss: number;
  /** `valLoss` in nats per character of the evaluated text (equal to it for character tokens). */
  valLossPerChar: number;
  /** `bigramValLoss` in nats per character. */
  bigramValLossPerChar: number;
  /** Mean training loss over the last (up to) 50 steps, nats per token. */
  trainLoss: number;
  /** Training tokens per second (batch × context per step; evaluation and saving not counted). */
  tokensPerSecond: number;
  /** Steps done in all (including those before a resume). */
  steps: number;
  /** The schedule's length. */
  totalSteps: number;
  params: number;
  /** Seconds of this process's run. */
  seconds: number;
  config: GPTConfig;
  out: string | null;
  /** Training loss of every step, from step 1. */
  losses: number[];
  evals: { step: number; valLoss: number }[];
  model: GPT;
  tokenizer: TextTokenizer;
}

/** Mean next-token loss over the first `windows` sequential windows of `ids`, and how many windows that was. */
export function evaluateGpt(
  model: GPT,
  ids: Int32Array,
  options: { windows: number; batchSize: number },
): { loss: number; windows: number } {
  const context = model.config.context;
  const n = Math.min(options.windows, Math.floor((ids.length - 1) / context));
  const part = ids.subarray(0, n * context + 1);
  const wasTraining = model.training;
  model.eval();
  let sum = 0;
  let count = 0;
  try {
    noGrad(() => {
      for (const { inputs, targets } of sequentialWindows(part, { batchSize: options.batchSize, context })) {
        sum += sequenceCrossEntropy(model.call(inputs), targets).item() * inputs.size;
        count += inputs.size;
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return { loss: sum / count, windows: n };
}

/** Pre-train (or resume) a GPT; see the file's comment for the recipe and the checkpoint. */
export function pretrainGpt(options: PretrainGptOptions): PretrainGptResult {
  const fn = 'pretrainGpt';
  const t0 = performance.now();
  const log = options.log ?? (() => {});
  const resumed = options.resume ? readCheckpoint(options.resume) : null;
  if (resumed) checkSameArchitecture(options.resume!, resumed.config, options);
  if (resumed && options.tokenizer !== undefined) {
    const kind = resumed.tokenizer instanceof BpeTokenizer ? 'bpe' : 'char';
    if (options.tokenizer !== kind)
      throw new ArgumentError(
        `${fn}: checkpoint ${options.resume} holds a model of ${kind} tokens; got tokenizer=${options.tokenizer} (a different tokenizer cannot resume it)`,
      );
  }
  const settings: RunSettings = resumed
    ? { ...resumed.trainer.settings, steps: options.steps ?? resumed.trainer.settings.steps }
    : {
        corpus: options.text === undefined ? (options.corpus ?? 'moby-dick') : null,
        chars: options.chars ?? null,
        tokenizer: options.tokenizer ?? 'char',
        vocabSize: options.tokenizer === 'bpe' ? (options.vocabSize ?? 4000) : null,
        evalWindows: options.evalWindows ?? 32,
        ...scheduleSettings(options, GPT_SCHEDULE),
      };
  checkSchedule(fn, settings);
  positive(fn, 'evalWindows', settings.evalWindows);
  let text = options.text ?? corpusText(settings.corpus ?? 'moby-dick');
  if (settings.chars !== null) text = text.slice(0, settings.chars);
  if (settings.tokenizer !== undefined && settings.tokenizer !== 'char' && settings.tokenizer !== 'bpe')
    throw new ArgumentError(`${fn}: got tokenizer=${describe(settings.tokenizer)}; expected "char" or "bpe"`);
  if (options.vocabSize !== undefined && settings.tokenizer !== 'bpe')
    throw new ArgumentError(
      `${fn}: got vocabSize=${options.vocabSize} with character tokens; expected tokenizer: 'bpe'`,
    );
  // The bigram baseline keeps a V×V table of counts: BigramModel takes vocabularies up to 4096.
  if (settings.vocabSize != null && !(Number.isInteger(settings.vocabSize) && settings.vocabSize <= 4096))
    throw new ArgumentError(
      `${fn}: got vocabSize=${describe(settings.vocabSize)}; expected an integer up to 4096 (the bigram baseline counts a V×V table)`,
    );
  const { tokenizer, split } = tokenize(
    fn,
    text,
    settings.tokenizer ?? 'char',
    settings.vocabSize ?? 4000,
    resumed ? resumed.tokenizer : null,
  );

  if (!resumed) manualSeed(settings.seed);
  const config = resumed
    ? resumed.config
    : gptConfig(fn, {
        vocabSize: tokenizer.vocabSize,
        context: options.context ?? 128,
        layers: options.layers ?? 4,
        heads: options.heads ?? 4,
        width: options.width ?? 128,
        tied: options.tied ?? true,
        dropout: options.dropout ?? 0,
      });
  const model = new GPT(config);
  if (resumed) loadWeights(resumed.folder, model, resumed.weights);
  if (!resumed)
    planMinutes(fn, options, settings, GPT_SCHEDULE.warmupCap, () => timeStep(model, split.train, settings));
  const run = startRun(model, settings, resumed);
  const { state } = run;
  const sampler = new WindowSampler(split.train, {
    batchSize: settings.batchSize,
    context: config.context,
    seed: settings.seed + 1,
    vocabSize: tokenizer.vocabSize,
  });
  const evals = resumed ? [...resumed.trainer.evals] : [];
  if (resumed) {
    sampler.setState(resumed.trainer.sampler);
    log(`resumed ${options.resume} at step ${state.step}`);
  }
  const bigram = bigramBaseline(split, tokenizer);
  const evaluate = (): { loss: number; windows: number } =>
    evaluateGpt(model, split.validation, { windows: settings.evalWindows, batchSize: settings.batchSize });
  const evalPart = (windows: number): Int32Array => split.validation.subarray(0, windows * config.context + 1);
  /** Characters per predicted token of the evaluated windows: a per-token loss times it is per character. */
  const tokensPerChar = (windows: number): number => {
    const targets = evalPart(windows).subarray(1);
    return targets.length / Math.max(1, charCount(tokenizer, targets));
  };
  const out = options.out ?? options.resume ?? null;
  log(
    `GPT ${config.layers} layers × ${config.heads} heads × width ${config.width}, context ${config.context}, vocab ${config.vocabSize}: ${model.numParameters()} parameters; ${split.train.length} training and ${split.validation.length} validation tokens`,
  );
  runPretrainLoop({
    model,
    settings,
    run,
    stepLoss: () => {
      const { inputs, targets } = sampler.next();
      return sequenceCrossEntropy(model.call(inputs), targets);
    },
    validate: () => {
      const e = evaluate();
      evals.push({ step: state.step, valLoss: e.loss });
      log(
        `step ${state.step}/${settings.steps}  train ${state.losses[state.losses.length - 1].toFixed(4)}  val ${e.loss.toFixed(4)}  (bigram ${bigram.model.loss(evalPart(e.windows)).toFixed(4)})  ${tokensPerSecond(state, settings, config.context).toFixed(0)} tok/s`,
      );
    },
    save: () => {
      if (out === null) return;
      const files = { config: model.config, model, tokenizer };
      checkpointRun(out, files, run, { settings, sampler: sampler.getState(), evals }, 'pretrainGpt');
    },
    stopAfter: options.stopAfter,
    deadline: options.minutes === undefined ? Infinity : t0 + options.minutes * 60_000,
  });
  const final = evaluate();
  const bigramValLoss = bigram.model.loss(evalPart(final.windows));
  const perChar = tokensPerChar(final.windows);
  return {
    valLoss: final.loss,
    bigramValLoss,
    valLossPerChar: final.loss * perChar,
    bigramValLossPerChar: bigramValLoss * perChar,
    trainLoss: recentLoss(state.losses),
    tokensPerSecond: tokensPerSecond(state, settings, config.context),
    steps: state.step,
    totalSteps: settings.steps,
    params: model.numParameters(),
    seconds: (performance.now() - t0) / 1000,
    config,
    out,
    losses: state.losses,
    evals,
    model,
    tokenizer,
  };
}

/** Seconds of one training step (forward and backward, no update), timed on the second of two trial batches. */
function timeStep(model: GPT, ids: Int32Array, settings: RunSettings): number {
  const sampler = new WindowSampler(ids, {
    batchSize: settings.batchSize,
    context: model.config.context,
    seed: settings.seed + 2,
  });
  let seconds = 0;
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    const { inputs, targets } = sampler.next();
    backward(sequenceCrossEntropy(model.call(inputs), targets));
    seconds = (performance.now() - t0) / 1000;
  }
  model.zeroGrad();
  return seconds;
}

/** Architecture options given with --resume must match the checkpoint's. */
function checkSameArchitecture(dir: string, config: GPTConfig, options: PretrainGptOptions): void {
  for (const key of ['layers', 'heads', 'width', 'context', 'tied', 'dropout'] as const) {
    const asked = options[key];
    if (asked !== undefined && asked !== config[key])
      throw new ArgumentError(
        `pretrainGpt: checkpoint ${dir} holds a model with ${key}=${config[key]}; got ${key}=${asked} (a different architecture cannot resume it)`,
      );
  }
}

/**
 * Save a model and its tokenizer as a checkpoint folder that `loadGpt` and `tessera generate`
 * read (one generation holding GPT_MODEL_FILES; no optimizer or trainer state, so not resumable):
 * a model trained elsewhere (in PyTorch, say) and imported.
 * @example saveGpt('out/gpt-back', importPytorch<GPT>('out/gpt/pytorch'), tokenizer)
 */
export function saveGpt(dir: string, model: GPT, tokenizer: TextTokenizer): string {
  if (tokenizer.vocabSize !== model.config.vocabSize)
    throw new ArgumentError(
      `saveGpt: got a tokenizer of ${tokenizer.vocabSize} characters for a model of vocabSize=${model.config.vocabSize}; expected the same vocabulary`,
    );
  return writeCheckpointDir(dir, (tmp) => writeModelFiles(tmp, model.config, model, tokenizer), 'saveGpt');
}

/**
 * Whether `dir` holds a GPT checkpoint (from pretrainGpt or saveGpt), not a saved Model: its
 * latest generation (or the folder itself) has tokenizer.json and a config.json that is a GPTConfig.
 */
export function isGptCheckpoint(dir: string): boolean {
  try {
    const folder = isCheckpointDir(dir) ? latestCheckpoint(dir, 'GPT checkpoint') : dir;
    if (folder === null || !existsSync(join(folder, 'tokenizer.json'))) return false;
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
    return config !== null && typeof config === 'object' && 'vocabSize' in config && !('format' in config);
  } catch {
    return false;
  }
}

function readJson(dir: string, file: string): unknown {
  return readCheckpointJson(dir, file, WHAT);
}

function loadWeights(dir: string, model: GPT, weights: Record<string, Tensor>): void {
  loadCheckpointWeights(dir, model, weights, WHAT);
}

/**
 * The model and tokenizer saved in a checkpoint folder (config.json, model.safetensors,
 * tokenizer.json), for generation. Errors name the missing file or the mismatch.
 * @example const { model, tokenizer } = loadGpt('out/gpt')
 */
export function loadGpt(checkpoint: string): { model: GPT; tokenizer: TextTokenizer; config: GPTConfig } {
  const dir = checkpointFolder(checkpoint, GPT_MODEL_FILES, WHAT);
  const config = gptConfig(`GPT checkpoint ${join(dir, 'config.json')}`, readJson(dir, 'config.json'));
  const tokenizer = loadTokenizer(join(dir, 'tokenizer.json'));
  if (tokenizer.vocabSize !== config.vocabSize)
    throw new FormatError(
      `GPT checkpoint: ${join(dir, 'tokenizer.json')} has ${tokenizer.vocabSize} tokens; expected vocabSize=${config.vocabSize} as in config.json`,
    );
  const model = new GPT(config);
  loadWeights(dir, model, loadSafetensors(join(dir, 'model.safetensors')).tensors);
  return { model, tokenizer, config };
}

function readCheckpoint(checkpoint: string): {
  folder: string;
  config: GPTConfig;
  tokenizer: TextTokenizer;
  weights: Record<string, Tensor>;
  optimizer: ReturnType<typeof readTrainingCheckpoint>['optimizer'];
  trainer: TrainerState;
} {
  const c = readTrainingCheckpoint<TrainerState>(checkpoint, WHAT);
  return { ...c, config: gptConfig(`${WHAT} ${join(c.folder, 'config.json')}`, c.config) };
}
