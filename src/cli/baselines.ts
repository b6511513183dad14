/**
 * `tessera baselines spam`: the spam task's baselines — a bag-of-words logistic regression and an
 * LSTM classifier — trained on N labelled SpamAssassin e-mails (or all) and scored on the full,
 * fixed test split: the numbers a fine-tuned Transformer is measured against.
 */
import { ArgumentError } from '../util/errors.js';
import { spamAssassin } from '../data/text/spam-assassin.js';
import { spamSplit } from '../data/text/spam-split.js';
import { spamBaselines } from '../zoo/spam-baselines.js';
import type { BaselineScore } from '../zoo/baseline-util.js';
import type { Command } from './command.js';
import { intOption, numberOption, parseCommand } from './args.js';

const row = (name: string, s: BaselineScore): string =>
  `${name.padEnd(22)} ${(100 * s.accuracy).toFixed(2).padStart(7)} % ${s.f1.toFixed(4).padStart(8)} ${s.precision.toFixed(4).padStart(9)} ${s.recall.toFixed(4).padStart(8)} ${s.seconds.toFixed(1).padStart(8)} s`;

export const baselinesCommand: Command = {
  name: 'baselines',
  summary: 'train and score the spam task baselines (bag-of-words logistic regression, LSTM) on SpamAssassin',
  usage:
    'tessera baselines spam [--labels N] [--seed S] [--split-seed S] [--max-length N] [--lstm-epochs N] ' +
    '[--bow-epochs N] [--lr X] [--limit N] [--json]',
  arguments: [['TASK', 'spam (the only task so far)']],
  options: {
    labels: { type: 'string', value: 'N', help: 'labelled training e-mails, a stratified seeded subset (default all)' },
    seed: { type: 'string', value: 'S', help: 'seed of the subset, the weights and the batch order (default 0)' },
    'split-seed': { type: 'string', value: 'S', help: 'seed of the 80/20 train/test split, kept fixed (default 0)' },
    'max-length': {
      type: 'string',
      value: 'N',
      help: 'BPE tokens the LSTM reads per e-mail, the first ones (default 128)',
    },
    'lstm-epochs': { type: 'string', value: 'N', help: 'LSTM epochs (default: about 600 steps of 32, at least 3)' },
    'bow-epochs': {
      type: 'string',
      value: 'N',
      help: 'bag-of-words epochs (default: about 1000 steps of 64, at least 10)',
    },
    lr: { type: 'string', value: 'X', help: "the LSTM's Adam learning rate (default 0.002)" },
    limit: {
      type: 'string',
      value: 'N',
      help: 'only the first N e-mails of each corpus group (a quick check; default all)',
    },
  },
  async run(argv, ctx) {
    const name = 'baselines';
    const { values, positionals } = parseCommand(baselinesCommand, argv);
    if (positionals[0] !== 'spam')
      throw new ArgumentError(
        `tessera baselines: got task ${positionals[0] === undefined ? 'none' : JSON.stringify(positionals[0])}; expected "spam"`,
      );
    const seed = intOption(name, 'seed', values.seed, 0, 0);
    const splitSeed = intOption(name, 'split-seed', values['split-seed'], 0, 0);
    const limit = values.limit === undefined ? undefined : intOption(name, 'limit', values.limit, 0);
    const split = spamSplit(spamAssassin({ limit }), { testFraction: 0.2, seed: splitSeed });
    const labels = values.labels === undefined ? undefined : intOption(name, 'labels', values.labels, 0);
    if (labels !== undefined && labels > split.train.length)
      throw new ArgumentError(
        `tessera baselines: --labels got ${labels}; expected at most ${split.train.length} (the training e-mails)`,
      );
    const lstmEpochs =
      values['lstm-epochs'] === undefined ? undefined : intOption(name, 'lstm-epochs', values['lstm-epochs'], 0);
    const bowEpochs =
      values['bow-epochs'] === undefined ? undefined : intOption(name, 'bow-epochs', values['bow-epochs'], 0);
    ctx.log(
      `SpamAssassin: ${split.train.length} training e-mails (${labels ?? 'all'} labelled, seed ${seed}), ${split.test.length} test (split seed ${splitSeed})`,
    );
    const r = await spamBaselines({
      split,
      labels,
      seed,
      maxLength: intOption(name, 'max-length', values['max-length'], 128),
      lstm: { epochs: lstmEpochs, learningRate: numberOption(name, 'lr', values.lr, 0.002) },
      bagOfWords: { epochs: bowEpochs },
    });
    ctx.log(`${'baseline'.padEnd(22)} accuracy        F1 precision   recall     time`);
    ctx.log(row('bag of words + logreg', r.bagOfWords));
    ctx.log(row('LSTM (BPE ids)', r.lstm));
    return { task: 'spam', seed, splitSeed, ...r };
  },
};
