/**
 * `tessera embed --corpus moby-dick [--method word2vec|glove] [--dim 100]`: train word vectors on a
 * bundled corpus, save them (vectors.safetensors + vocab.json + config.json), and judge them on the
 * committed related word pairs against random pairs and random vectors.
 * `tessera similar DIR WORD [--k 10]`: a word's nearest neighbours by cosine similarity.
 */
import { backendReady } from '../backend/registry.js';
import { splitWords, WordVocab } from '../data/text/words.js';
import { corpusText } from '../zoo/gpt-train.js';
import { trainWord2Vec } from '../zoo/word2vec.js';
import { trainGlove } from '../zoo/glove.js';
import { MOBY_DICK_RELATED_PAIRS } from '../zoo/word-pairs.js';
import { cosineToAll, scorePairs, type WordVectors } from '../zoo/word-vectors.js';
import { loadWordVectors, saveWordVectors } from '../zoo/word-vectors-file.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError } from '../util/errors.js';
import type { Command } from './command.js';
import { intOption, numberOption, parseCommand } from './args.js';

const METHODS = ['word2vec', 'glove'] as const;

export const embedCommand: Command = {
  name: 'embed',
  summary: 'train word vectors (word2vec skip-gram or GloVe) on a bundled corpus and judge them',
  usage:
    'tessera embed --corpus moby-dick [--method word2vec|glove] [--dim 100] [--steps N] [--lr R] [--batch-size N] ' +
    '[--window N] [--negatives 5] [--subsample 1e-4] [--min-count 5] [--words N] [--seed 0] [--out DIR] [--json]',
  arguments: [],
  options: {
    corpus: { type: 'string', value: 'NAME', help: 'the training text: moby-dick (default) or sotu' },
    method: { type: 'string', value: 'NAME', help: 'word2vec (skip-gram, negative sampling; default) or glove' },
    dim: { type: 'string', value: 'N', help: 'the vector size (default 100)' },
    steps: { type: 'string', value: 'N', help: 'optimizer steps (default 1500)' },
    lr: { type: 'string', value: 'R', help: 'learning rate (default: Adam; word2vec 0.03, glove 0.05)' },
    'batch-size': {
      type: 'string',
      value: 'N',
      help: 'pairs (word2vec, 4096) or co-occurrence entries (glove, 8192) per step',
    },
    window: { type: 'string', value: 'N', help: 'context window (default 5 for word2vec, 10 for glove)' },
    negatives: { type: 'string', value: 'N', help: 'word2vec: noise words per pair (default 5)' },
    subsample: { type: 'string', value: 'T', help: 'word2vec: sub-sampling threshold t (default 1e-4; 0 for none)' },
    'min-count': { type: 'string', value: 'N', help: 'keep words seen at least N times (default 5)' },
    words: { type: 'string', value: 'N', help: 'use only the first N words of the corpus (a quick run)' },
    seed: { type: 'string', value: 'N', help: 'seed of the tables and the samplers (default 0)' },
    out: { type: 'string', value: 'DIR', help: 'where the vectors go (default out/embed-METHOD)' },
  },
  async run(argv, ctx) {
    const cmd = 'embed';
    const { values } = parseCommand(embedCommand, argv);
    const corpus = (values.corpus as string | undefined) ?? 'moby-dick';
    if (corpus !== 'moby-dick' && corpus !== 'sotu')
      throw new ArgumentError(`tessera embed: --corpus got ${JSON.stringify(corpus)}; expected "moby-dick" or "sotu"`);
    const method = (values.method as string | undefined) ?? 'word2vec';
    if (!(METHODS as readonly string[]).includes(method))
      throw new ArgumentError(`tessera embed: --method got ${JSON.stringify(method)}; expected word2vec or glove`);
    const dim = intOption(cmd, 'dim', values.dim, 100);
    const steps = intOption(cmd, 'steps', values.steps, 1500);
    const seed = intOption(cmd, 'seed', values.seed, 0, 0);
    const minCount = intOption(cmd, 'min-count', values['min-count'], 5);
    const out = (values.out as string | undefined) ?? `out/embed-${method}`;
    const lr = values.lr === undefined ? undefined : numberOption(cmd, 'lr', values.lr, 0);
    if (lr !== undefined && !(lr > 0)) throw new ArgumentError(`tessera embed: --lr got ${lr}; expected a number > 0`);
    const batchSize =
      values['batch-size'] === undefined ? undefined : intOption(cmd, 'batch-size', values['batch-size'], 1);
    const window = values.window === undefined ? undefined : intOption(cmd, 'window', values.window, 1);
    await backendReady();

    const started = Date.now();
    let tokens = splitWords(corpusText(corpus));
    if (values.words !== undefined) tokens = tokens.slice(0, intOption(cmd, 'words', values.words, 1));
    const vocab = WordVocab.fit(tokens, { minCount });
    const ids = vocab.encode(tokens);
    ctx.log(`${corpus}: ${tokens.length} words, ${vocab.size} kept (seen ≥ ${minCount} times); ${method}, dim ${dim}`);
    const every = Math.max(1, Math.floor(steps / 10));
    const onStep = (step: number, loss: number) => {
      if (step % every === 0 || step === 1) ctx.log(`step ${step}/${steps}  loss ${loss.toFixed(4)}`);
    };
    let vectors: Tensor;
    let extra: Record<string, Tensor>;
    let run: { lossStart: number; lossEnd: number };
    let options: Record<string, unknown>;
    if (method === 'word2vec') {
      const negatives = intOption(cmd, 'negatives', values.negatives, 5);
      const subsample = numberOption(cmd, 'subsample', values.subsample, 1e-4);
      options = { steps, lr, batchSize, window, negatives, subsample, seed };
      const r = await trainWord2Vec(ids, vocab, { dim, ...options, onStep } as Parameters<typeof trainWord2Vec>[2]);
      vectors = r.model.input.detach();
      extra = { context: r.model.output.detach() };
      run = r;
    } else {
      options = { steps, lr, batchSize, window, seed };
      const r = await trainGlove(ids, vocab, { dim, ...options, onStep } as Parameters<typeof trainGlove>[2]);
      vectors = r.model.vectors();
      extra = { word: r.model.word.detach(), context: r.model.context.detach() };
      run = r;
    }
    const wv: WordVectors = {
      vocab,
      vectors,
      config: {
        method: method as 'word2vec' | 'glove',
        dim,
        words: vocab.size,
        vectors:
          method === 'word2vec'
            ? 'input (word) vectors; "context" holds the output vectors'
            : 'word + context vectors summed; "word" and "context" hold each',
        corpus,
        minCount,
        ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      },
    };
    saveWordVectors(out, wv, extra);
    const scores = await scorePairs(wv, MOBY_DICK_RELATED_PAIRS, { seed });
    const seconds = (Date.now() - started) / 1000;
    ctx.log(`loss ${run.lossStart.toFixed(4)} → ${run.lossEnd.toFixed(4)} in ${seconds.toFixed(1)} s`);
    ctx.log(
      `mean cosine: related pairs ${scores.related.toFixed(3)} (${scores.pairsUsed} pairs), random pairs ${scores.random.toFixed(3)}, ` +
        `related words re-paired ${scores.shuffled.toFixed(3)}, random vectors ${scores.randomVector.toFixed(3)}`,
    );
    ctx.log(`wrote ${out}`);
    return {
      vocabSize: vocab.size,
      dim,
      method,
      steps,
      lossStart: run.lossStart,
      lossEnd: run.lossEnd,
      relatedPairMeanSim: scores.related,
      randomPairMeanSim: scores.random,
      shuffledMeanCosine: scores.shuffled,
      randomVectorBaseline: scores.randomVector,
      pairsUsed: scores.pairsUsed,
      seconds,
      out,
    };
  },
};

export const similarCommand: Command = {
  name: 'similar',
  summary: "a word's nearest neighbours by cosine similarity in vectors saved by tessera embed",
  usage: 'tessera similar DIR WORD [--k 10] [--json]',
  arguments: [
    ['DIR', 'a folder written by tessera embed'],
    ['WORD', 'the word to look up'],
  ],
  options: { k: { type: 'string', value: 'N', help: 'how many neighbours (default 10)' } },
  async run(argv, ctx) {
    const { values, positionals } = parseCommand(similarCommand, argv);
    const [dir, word] = positionals;
    if (dir === undefined || word === undefined)
      throw new ArgumentError(
        'tessera similar: expected a vectors folder and a word, e.g. tessera similar out/embed-word2vec whale',
      );
    const k = intOption('similar', 'k', values.k, 10);
    await backendReady();
    const wv = loadWordVectors(dir);
    const query = word.toLowerCase();
    // One similarity per word: read once (a small vector) and ranked on the host to print.
    const cosines = await cosineToAll(wv, query).data();
    const self = wv.vocab.id(query) as number;
    const neighbours = [...cosines]
      .map((cosine, id) => ({ word: wv.vocab.words[id], cosine }))
      .filter((_, id) => id !== self)
      .sort((a, b) => b.cosine - a.cosine)
      .slice(0, k);
    ctx.log(`nearest to "${query}" (${wv.config.method}, ${wv.vocab.size} words):`);
    for (const n of neighbours) ctx.log(`  ${n.word.padEnd(16)} ${n.cosine.toFixed(4)}`);
    return { word: query, neighbours };
  },
};
