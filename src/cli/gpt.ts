/** `tessera pretrain gpt` and `tessera generate`: a GPT (character or byte-level BPE tokens) on a bundled corpus. */
import { BpeTokenizer } from '../data/text/bpe.js';
import { ArgumentError, NonFiniteError } from '../util/errors.js';
import { generate } from '../zoo/gpt.js';
import { GPT_SCHEDULE, loadGpt, pretrainGpt, type GptCorpus, type GptTokenizerKind } from '../zoo/gpt-train.js';
import type { Command } from './command.js';
import { intOption, numberOption, parseCommand } from './args.js';
import { pretrainBertCommand, pretrainTarget } from './bert.js';
import { pretrainRunOptions, pretrainRunSpecs } from './pretrain-options.js';

export const pretrainCommand: Command = {
  name: 'pretrain',
  summary:
    'pre-train a GPT (character or BPE tokens) or a BERT (masked LM) on bundled corpora, with resumable checkpoints',
  usage:
    'tessera pretrain bert --help shows the BERT options.\n       tessera pretrain gpt --corpus moby-dick [--tokenizer char|bpe [--vocab-size 4000]] [--layers 4 --heads 4 --width 128 --context 128 --batch-size 32] [--steps 5000 | --minutes M] [--lr 1e-3] [--eval-interval 250] [--eval-windows 32] [--checkpoint-interval 500] [--chars N] [--untied] [--dropout 0] [--seed 0] [--out out/gpt] [--resume DIR] [--json]',
  arguments: [['gpt|bert', 'the model to pre-train: a GPT language model, or a BERT encoder (its own options)']],
  options: {
    corpus: {
      type: 'string',
      value: 'NAME',
      help: 'the training text: moby-dick (default), sotu, or spam-assassin (its training e-mails)',
    },
    tokenizer: {
      type: 'string',
      value: 'KIND',
      help: 'char (default): one token per character; bpe: byte-level BPE learned on the training text',
    },
    'vocab-size': { type: 'string', value: 'N', help: 'BPE vocabulary size (default 4000; with --tokenizer bpe)' },
    layers: { type: 'string', value: 'N', help: 'transformer blocks (default 4)' },
    heads: { type: 'string', value: 'N', help: 'attention heads per block (default 4)' },
    width: { type: 'string', value: 'N', help: 'embedding width (default 128)' },
    context: { type: 'string', value: 'N', help: 'tokens the model sees at once (default 128)' },
    ...pretrainRunSpecs(GPT_SCHEDULE, {
      rows: 'windows',
      minutes: 'stop after M minutes (from the start), with a checkpoint',
      out: 'out/gpt',
    }),
    'eval-windows': { type: 'string', value: 'N', help: 'validation windows per evaluation (default 32)' },
    chars: { type: 'string', value: 'N', help: 'use only the first N characters of the corpus (a quick run)' },
    untied: { type: 'boolean', help: 'give the output layer its own weights instead of the embedding’s' },
    dropout: { type: 'string', value: 'P', help: 'dropout rate (default 0)' },
  },
  variant(argv) {
    return pretrainTarget(argv, pretrainCommand.options, pretrainBertCommand.options) === 'bert'
      ? pretrainBertCommand
      : undefined;
  },
  async run(argv, ctx) {
    const cmd = 'pretrain';
    const { values, positionals } = parseCommand(pretrainCommand, argv);
    const [target] = positionals;
    if (target !== 'gpt')
      throw new ArgumentError(
        `tessera pretrain: got model ${JSON.stringify(target ?? null)}; expected "gpt" or "bert"`,
      );
    const corpus = values.corpus as string | undefined;
    if (corpus !== undefined && corpus !== 'moby-dick' && corpus !== 'sotu' && corpus !== 'spam-assassin')
      throw new ArgumentError(
        `tessera pretrain: --corpus got ${JSON.stringify(corpus)}; expected "moby-dick", "sotu" or "spam-assassin"`,
      );
    const tokenizer = values.tokenizer as string | undefined;
    if (tokenizer !== undefined && tokenizer !== 'char' && tokenizer !== 'bpe')
      throw new ArgumentError(
        `tessera pretrain: --tokenizer got ${JSON.stringify(tokenizer)}; expected "char" or "bpe"`,
      );
    if (values['vocab-size'] !== undefined && tokenizer !== 'bpe')
      throw new ArgumentError('tessera pretrain: --vocab-size is the BPE vocabulary; expected it with --tokenizer bpe');
    const int = (name: string): number | undefined =>
      values[name] === undefined ? undefined : intOption(cmd, name, values[name], 0);
    const num = (name: string): number | undefined =>
      values[name] === undefined ? undefined : numberOption(cmd, name, values[name], 0);
    const r = pretrainGpt({
      ...pretrainRunOptions(cmd, values, 'out/gpt', (line) => ctx.log(line)),
      corpus: corpus as GptCorpus | undefined,
      tokenizer: tokenizer as GptTokenizerKind | undefined,
      vocabSize: int('vocab-size'),
      layers: int('layers'),
      heads: int('heads'),
      width: int('width'),
      context: int('context'),
      evalWindows: int('eval-windows'),
      chars: int('chars'),
      tied: values.untied ? false : undefined,
      dropout: num('dropout'),
    });
    if (!Number.isFinite(r.valLoss) || !Number.isFinite(r.trainLoss))
      throw new NonFiniteError(
        `tessera pretrain gpt: training diverged: train loss ${r.trainLoss}, val loss ${r.valLoss} after ${r.steps} steps; expected finite losses (lower --lr)${r.out ? `; the checkpoints in ${r.out} hold the diverged weights` : ''}`,
      );
    ctx.log(
      `val loss ${r.valLoss.toFixed(4)} nats/token, ${r.valLossPerChar.toFixed(4)} nats/char (bigram ${r.bigramValLoss.toFixed(4)}, ${r.bigramValLossPerChar.toFixed(4)}), vocab ${r.config.vocabSize}, ${r.steps} steps, ${r.tokensPerSecond.toFixed(0)} tokens/s, ${r.params} parameters, ${r.seconds.toFixed(1)} s`,
    );
    if (r.out) ctx.log(`checkpoint in ${r.out}`);
    return {
      valLoss: r.valLoss,
      bigramValLoss: r.bigramValLoss,
      valLossPerChar: r.valLossPerChar,
      bigramValLossPerChar: r.bigramValLossPerChar,
      tokenizer: r.tokenizer instanceof BpeTokenizer ? 'bpe' : 'char',
      trainLoss: r.trainLoss,
      tokensPerSecond: r.tokensPerSecond,
      steps: r.steps,
      totalSteps: r.totalSteps,
      params: r.params,
      seconds: r.seconds,
      config: r.config,
      out: r.out,
      evals: r.evals,
    };
  },
};

export const generateCommand: Command = {
  name: 'generate',
  summary: 'continue a prompt with a GPT checkpoint (KV cache; temperature, top-k, top-p, seed)',
  usage:
    'tessera generate DIR --prompt "Call me" [--tokens 200] [--temperature 0.8] [--top-k 40] [--top-p 0.95] [--seed 1] [--no-cache] [--json]',
  arguments: [['DIR', 'a checkpoint folder written by tessera pretrain gpt']],
  options: {
    prompt: { type: 'string', value: 'TEXT', help: 'the text to continue (required)' },
    tokens: { type: 'string', value: 'N', help: 'tokens to generate (default 200)' },
    temperature: { type: 'string', value: 'T', help: 'sampling temperature; 0 picks the likeliest (default 0.8)' },
    'top-k': { type: 'string', value: 'K', help: 'sample among the K likeliest tokens only' },
    'top-p': { type: 'string', value: 'P', help: 'sample among the likeliest tokens whose probabilities sum to P' },
    seed: { type: 'string', value: 'N', help: 'seed of the sampling (default 1)' },
    'no-cache': { type: 'boolean', help: 'recompute attention over the whole context each step (no KV cache)' },
  },
  async run(argv, ctx) {
    const cmd = 'generate';
    const { values, positionals } = parseCommand(generateCommand, argv);
    const [dir] = positionals;
    if (!dir)
      throw new ArgumentError('tessera generate: got no checkpoint folder; expected tessera generate DIR --prompt "…"');
    const prompt = values.prompt;
    if (typeof prompt !== 'string' || prompt.length === 0)
      throw new ArgumentError('tessera generate: --prompt is required; expected a non-empty string');
    const { model, tokenizer } = loadGpt(dir);
    const ids = tokenizer.encode(prompt);
    const t0 = performance.now();
    const out = generate(model, ids, {
      tokens: intOption(cmd, 'tokens', values.tokens, 200, 0),
      temperature: numberOption(cmd, 'temperature', values.temperature, 0.8),
      topK: values['top-k'] === undefined ? undefined : intOption(cmd, 'top-k', values['top-k'], 40),
      topP: values['top-p'] === undefined ? undefined : numberOption(cmd, 'top-p', values['top-p'], 1),
      seed: intOption(cmd, 'seed', values.seed, 1, 0),
      cache: !values['no-cache'],
    });
    const seconds = (performance.now() - t0) / 1000;
    const text = tokenizer.decode(out);
    ctx.log(prompt + text);
    return {
      prompt,
      text,
      tokens: out.length,
      tokensPerSecond: out.length / Math.max(seconds, 1e-9),
      seconds,
    };
  },
};
