/** `tessera pretrain gpt` and `tessera generate`: a character-level GPT on a bundled corpus. */
import { ArgumentError } from '../util/errors.js';
import { generate } from '../zoo/gpt.js';
import { loadGpt, pretrainGpt, type GptCorpus } from '../zoo/gpt-train.js';
import type { Command } from './command.js';
import { intOption, numberOption, parseCommand } from './args.js';

export const pretrainCommand: Command = {
  name: 'pretrain',
  summary: 'pre-train a character-level GPT on a bundled corpus, with resumable checkpoints',
  usage:
    'tessera pretrain gpt --corpus moby-dick [--layers 4 --heads 4 --width 128 --context 128 --batch-size 32] [--steps 5000 | --minutes M] [--lr 1e-3] [--eval-interval 250] [--eval-windows 32] [--checkpoint-interval 500] [--chars N] [--untied] [--dropout 0] [--seed 0] [--out out/gpt] [--resume DIR] [--json]',
  async run(argv, ctx) {
    const cmd = 'pretrain';
    const { values, positionals } = parseCommand(cmd, argv, {
      corpus: { type: 'string' },
      layers: { type: 'string' },
      heads: { type: 'string' },
      width: { type: 'string' },
      context: { type: 'string' },
      'batch-size': { type: 'string' },
      steps: { type: 'string' },
      minutes: { type: 'string' },
      lr: { type: 'string' },
      'eval-interval': { type: 'string' },
      'eval-windows': { type: 'string' },
      'checkpoint-interval': { type: 'string' },
      chars: { type: 'string' },
      untied: { type: 'boolean' },
      dropout: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'string' },
    });
    const [target] = positionals;
    if (target !== 'gpt')
      throw new ArgumentError(`tessera pretrain: got model ${JSON.stringify(target ?? null)}; expected "gpt"`);
    const corpus = values.corpus as string | undefined;
    if (corpus !== undefined && corpus !== 'moby-dick' && corpus !== 'sotu')
      throw new ArgumentError(
        `tessera pretrain: --corpus got ${JSON.stringify(corpus)}; expected "moby-dick" or "sotu"`,
      );
    const int = (name: string): number | undefined =>
      values[name] === undefined ? undefined : intOption(cmd, name, values[name], 0);
    const num = (name: string): number | undefined =>
      values[name] === undefined ? undefined : numberOption(cmd, name, values[name], 0);
    const resume = values.resume as string | undefined;
    const r = pretrainGpt({
      corpus: corpus as GptCorpus | undefined,
      layers: int('layers'),
      heads: int('heads'),
      width: int('width'),
      context: int('context'),
      batchSize: int('batch-size'),
      steps: int('steps'),
      minutes: num('minutes'),
      lr: num('lr'),
      evalInterval: int('eval-interval'),
      evalWindows: int('eval-windows'),
      checkpointInterval: int('checkpoint-interval'),
      chars: int('chars'),
      tied: values.untied ? false : undefined,
      dropout: num('dropout'),
      seed: values.seed === undefined ? undefined : intOption(cmd, 'seed', values.seed, 0, 0),
      out: (values.out as string | undefined) ?? (resume ? undefined : 'out/gpt'),
      resume,
      log: (line) => ctx.log(line),
    });
    ctx.log(
      `val loss ${r.valLoss.toFixed(4)} nats/char (bigram ${r.bigramValLoss.toFixed(4)}), ${r.steps} steps, ${r.tokensPerSecond.toFixed(0)} tokens/s, ${r.params} parameters, ${r.seconds.toFixed(1)} s`,
    );
    if (r.out) ctx.log(`checkpoint in ${r.out}`);
    return {
      valLoss: r.valLoss,
      bigramValLoss: r.bigramValLoss,
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
  async run(argv, ctx) {
    const cmd = 'generate';
    const { values, positionals } = parseCommand(cmd, argv, {
      prompt: { type: 'string' },
      tokens: { type: 'string' },
      temperature: { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      seed: { type: 'string' },
      'no-cache': { type: 'boolean' },
    });
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
