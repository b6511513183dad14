/** `tessera pretrain bert` (masked-language modelling) and `tessera finetune` (spam vs ham, pre-trained vs scratch). */
import { parseArgs } from 'node:util';
import { ArgumentError, NonFiniteError } from '../util/errors.js';
import { BERT_CORPORA } from '../zoo/bert-data.js';
import { BERT_SCHEDULE, pretrainBert } from '../zoo/bert-train.js';
import { finetuneBert } from '../zoo/bert-finetune.js';
import { type SpamBaselinesResult, spamBaselines } from '../zoo/spam-baselines.js';
import { spamAssassin } from '../data/text/spam-assassin.js';
import { spamSplit } from '../data/text/spam-split.js';
import type { BertPooling } from '../zoo/bert.js';
import type { Command } from './command.js';
import type { OptionSpec } from './args.js';
import { intOption, numberOption, parseCommand } from './args.js';
import { pretrainRunOptions, pretrainRunSpecs } from './pretrain-options.js';

export const pretrainBertCommand: Command = {
  name: 'pretrain',
  summary: 'pre-train a BERT encoder by masked-language modelling, with resumable checkpoints',
  usage:
    'tessera pretrain bert --corpus spam-unlabelled,sotu [--vocab-size 4000] [--layers 2 --heads 4 --width 128 --context 128 --batch-size 32] [--pre-ln] [--steps 2000 | --minutes M] [--lr 1e-3] [--eval-interval 200] [--eval-rows 256] [--checkpoint-interval 200] [--documents N] [--dropout 0] [--seed 0] [--out out/bert] [--resume DIR] [--json]',
  arguments: [['bert', 'the model to pre-train: a BERT encoder']],
  options: {
    corpus: {
      type: 'string',
      value: 'NAMES',
      help: 'comma-separated: spam-unlabelled (the training e-mails, no labels) and/or sotu (default both)',
    },
    'vocab-size': {
      type: 'string',
      value: 'N',
      help: 'BPE vocabulary size, learned on the training documents (default 4000)',
    },
    layers: { type: 'string', value: 'N', help: 'encoder blocks (default 2)' },
    heads: { type: 'string', value: 'N', help: 'attention heads per block (default 4)' },
    width: { type: 'string', value: 'N', help: 'embedding width (default 128)' },
    context: { type: 'string', value: 'N', help: 'tokens per row with [CLS] and [SEP] (default 128)' },
    'pre-ln': { type: 'boolean', help: 'pre-LN blocks and a final LayerNorm (default: post-LN, as BERT)' },
    ...pretrainRunSpecs(BERT_SCHEDULE, {
      rows: 'rows',
      minutes: 'train for M minutes (data preparation not counted), with a checkpoint',
      out: 'out/bert',
    }),
    'eval-rows': { type: 'string', value: 'N', help: 'held-out rows per validation (default 256)' },
    documents: { type: 'string', value: 'N', help: 'use only the first N documents of each corpus (a quick run)' },
    dropout: {
      type: 'string',
      value: 'P',
      help: 'dropout rate while pre-training (default 0: a run that reads its text a few times gains nothing from it)',
    },
  },
  async run(argv, ctx) {
    const cmd = 'pretrain';
    const { values, positionals } = parseCommand(pretrainBertCommand, argv);
    if (positionals[0] !== 'bert')
      throw new ArgumentError(`tessera pretrain: got model ${JSON.stringify(positionals[0] ?? null)}; expected "bert"`);
    const corpora = (values.corpus as string | undefined)?.split(',').map((c) => c.trim());
    for (const c of corpora ?? [])
      if (!(BERT_CORPORA as readonly string[]).includes(c))
        throw new ArgumentError(
          `tessera pretrain bert: --corpus got ${JSON.stringify(c)}; expected a comma-separated list of ${BERT_CORPORA.join(', ')}`,
        );
    const int = (name: string): number | undefined =>
      values[name] === undefined ? undefined : intOption(cmd, name, values[name], 0);
    const num = (name: string): number | undefined =>
      values[name] === undefined ? undefined : numberOption(cmd, name, values[name], 0);
    const r = pretrainBert({
      ...pretrainRunOptions(cmd, values, 'out/bert', (line) => ctx.log(line)),
      corpora,
      vocabSize: int('vocab-size'),
      layers: int('layers'),
      heads: int('heads'),
      width: int('width'),
      context: int('context'),
      normFirst: values['pre-ln'] ? true : undefined,
      evalRows: int('eval-rows'),
      documentLimit: int('documents'),
      dropout: num('dropout'),
    });
    if (!Number.isFinite(r.valMlmLoss) || !Number.isFinite(r.trainLoss))
      throw new NonFiniteError(
        `tessera pretrain bert: training diverged: train loss ${r.trainLoss}, val MLM loss ${r.valMlmLoss} after ${r.steps} steps; expected finite losses (lower --lr)`,
      );
    ctx.log(
      `val MLM loss ${r.valMlmLoss.toFixed(4)} (unigram ${r.unigramMlmLoss.toFixed(4)}), masked accuracy ${(100 * r.valMaskedAccuracy).toFixed(2)} %, ${r.steps} steps, ${r.tokensPerSecond.toFixed(0)} tokens/s, ${r.params} parameters, ${r.seconds.toFixed(1)} s`,
    );
    if (r.out) ctx.log(`checkpoint in ${r.out}`);
    return {
      // Held-out text's, as the log line above.
      mlmLoss: r.valMlmLoss,
      maskedAccuracy: r.valMaskedAccuracy,
      unigramMlmLoss: r.unigramMlmLoss,
      trainLoss: r.trainLoss,
      steps: r.steps,
      totalSteps: r.totalSteps,
      params: r.params,
      seconds: r.seconds,
      tokensPerSecond: r.tokensPerSecond,
      trainRows: r.trainRows,
      validationRows: r.validationRows,
      config: r.config,
      out: r.out,
      evals: r.evals,
    };
  },
};

/**
 * The model a `tessera pretrain` command line names (its first positional argument), read with
 * the options of every pretrain model so that option values are not taken for it.
 */
export function pretrainTarget(argv: string[], ...specs: OptionSpec[]): string | undefined {
  const options = Object.fromEntries(
    specs.flatMap((s) => Object.entries(s)).map(([k, o]) => [k, { type: o.type }] as const),
  );
  const { positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: false });
  return positionals[0];
}

export const finetuneCommand: Command = {
  name: 'finetune',
  summary: 'fine-tune a pre-trained BERT on spam e-mails and compare it with the same model trained from scratch',
  usage:
    'tessera finetune DIR --task spam [--labels N] [--seeds 3] [--epochs 10] [--max-steps 600] [--batch-size 16] [--lr 2e-4] [--pooling mean|cls] [--dropout 0.1] [--test-limit N] [--emails N] [--skip-baselines] [--json]',
  arguments: [['DIR', 'a checkpoint folder written by tessera pretrain bert']],
  options: {
    task: { type: 'string', value: 'NAME', help: 'the task: spam (SpamAssassin, spam vs ham; the default)' },
    labels: { type: 'string', value: 'N', help: 'labelled training e-mails per run (default: all)' },
    seeds: { type: 'string', value: 'N', help: 'runs with seeds 0..N-1, each pre-trained and scratch (default 3)' },
    epochs: { type: 'string', value: 'N', help: 'passes over the labelled e-mails (default 10)' },
    'max-steps': { type: 'string', value: 'N', help: 'at most this many optimizer steps per run (default 600)' },
    'batch-size': { type: 'string', value: 'N', help: 'e-mails per step (default 16)' },
    lr: { type: 'string', value: 'X', help: 'peak learning rate of AdamW, both arms (default 2e-4)' },
    pooling: {
      type: 'string',
      value: 'KIND',
      help: 'mean (default): the mean over the tokens; cls: the [CLS] position',
    },
    dropout: { type: 'string', value: 'P', help: 'dropout while fine-tuning, both arms (default 0.1)' },
    'test-limit': { type: 'string', value: 'N', help: 'score only N test e-mails (default all)' },
    emails: { type: 'string', value: 'N', help: 'load only the first N e-mails of each group (a quick run)' },
    'skip-baselines': {
      type: 'boolean',
      help: 'leave out the LSTM and bag-of-words baselines (trained on the same labelled e-mails per seed)',
    },
  },
  async run(argv, ctx) {
    const cmd = 'finetune';
    const { values, positionals } = parseCommand(finetuneCommand, argv);
    const [dir] = positionals;
    if (!dir)
      throw new ArgumentError('tessera finetune: got no checkpoint folder; expected tessera finetune DIR --task spam');
    const task = (values.task as string | undefined) ?? 'spam';
    if (task !== 'spam')
      throw new ArgumentError(`tessera finetune: --task got ${JSON.stringify(task)}; expected "spam"`);
    const pooling = (values.pooling as string | undefined) ?? 'mean';
    if (pooling !== 'cls' && pooling !== 'mean')
      throw new ArgumentError(`tessera finetune: --pooling got ${JSON.stringify(pooling)}; expected "cls" or "mean"`);
    const int = (name: string): number | undefined =>
      values[name] === undefined ? undefined : intOption(cmd, name, values[name], 0);
    const r = finetuneBert({
      checkpoint: dir,
      task: 'spam',
      labels: int('labels'),
      seeds: int('seeds'),
      epochs: int('epochs'),
      maxSteps: int('max-steps'),
      batchSize: int('batch-size'),
      lr: values.lr === undefined ? undefined : numberOption(cmd, 'lr', values.lr, 0),
      pooling: pooling as BertPooling,
      dropout: values.dropout === undefined ? undefined : numberOption(cmd, 'dropout', values.dropout, 0),
      testLimit: int('test-limit'),
      emailLimit: int('emails'),
      log: (line) => ctx.log(line),
    });
    const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
    ctx.log(
      `${r.labels} labels, ${r.seeds.length} seeds, ${r.testSamples} test e-mails: pre-trained accuracy ${pct(r.pretrained.accuracy)} F1 ${r.pretrained.f1.toFixed(4)}; scratch accuracy ${pct(r.scratch.accuracy)} F1 ${r.scratch.f1.toFixed(4)}; margin ${(100 * r.margin.accuracy).toFixed(2)} points, F1 ${r.margin.f1.toFixed(4)}`,
    );
    // The flat keys first; the per-arm, per-seed detail after them.
    const flat = {
      testAccuracy: r.pretrained.accuracy,
      testF1: r.pretrained.f1,
      scratchTestAccuracy: r.scratch.accuracy,
      scratchTestF1: r.scratch.f1,
      labels: r.labels,
      trainSamples: r.trainSamples,
      testSamples: r.testSamples,
    };
    if (values['skip-baselines'] === true) return { ...flat, ...r };
    // The baselines on the same split, the same labelled subset per seed, the whole test half.
    const emailLimit = int('emails');
    const split = spamSplit(spamAssassin(emailLimit === undefined ? undefined : { limit: emailLimit }), { seed: 0 });
    const runs: SpamBaselinesResult[] = [];
    for (const seed of r.seeds) {
      const b = await spamBaselines({ labels: r.labels, seed, split });
      runs.push(b);
      ctx.log(
        `seed ${seed} baselines: LSTM accuracy ${pct(b.lstm.accuracy)} F1 ${b.lstm.f1.toFixed(4)}; bag of words ${pct(b.bagOfWords.accuracy)} F1 ${b.bagOfWords.f1.toFixed(4)}`,
      );
    }
    const meanOf = (pick: (b: SpamBaselinesResult) => { accuracy: number; f1: number }) => ({
      accuracy: runs.reduce((a, b) => a + pick(b).accuracy, 0) / runs.length,
      f1: runs.reduce((a, b) => a + pick(b).f1, 0) / runs.length,
    });
    const baselines = { lstm: meanOf((b) => b.lstm), bagOfWords: meanOf((b) => b.bagOfWords) };
    ctx.log(
      `baselines (means): LSTM accuracy ${pct(baselines.lstm.accuracy)} F1 ${baselines.lstm.f1.toFixed(4)}; bag of words ${pct(baselines.bagOfWords.accuracy)} F1 ${baselines.bagOfWords.f1.toFixed(4)}`,
    );
    return {
      ...flat,
      lstmTestAccuracy: baselines.lstm.accuracy,
      bagOfWordsTestAccuracy: baselines.bagOfWords.accuracy,
      ...r,
      baselines,
    };
  },
};
