/**
 * Words for word embeddings: a word splitter (lower-cased runs of letters, apostrophes inside a
 * word kept: "whale's" is one word) and a vocabulary of the words seen at least `minCount` times,
 * in order of frequency, with their counts (the table sub-sampling and negative sampling need).
 * Browser-safe; host data only (no tensors).
 */
import { ArgumentError, FormatError, describe } from '../../util/errors.js';
import { checkOptions } from '../../util/options.js';

const WORD = /\p{L}+(?:['’]\p{L}+)*/gu;

/** The words of `text`, lower-cased, in order; digits and punctuation part words and are dropped. */
export function splitWords(text: string): string[] {
  if (typeof text !== 'string') throw new ArgumentError(`splitWords: got ${describe(text)}; expected a string`);
  return (text.toLowerCase().match(WORD) ?? []).map((w) => w.replace(/’/g, "'"));
}

export interface WordVocabOptions {
  /** Keep only words seen at least this often (default 5, as word2vec and GloVe do). */
  minCount?: number;
  /** Keep at most this many words, the most frequent (default: all that pass minCount). */
  maxWords?: number;
}

/** The JSON form of a WordVocab (vocab.json beside saved word vectors). */
export interface WordVocabJSON {
  type: 'WordVocab';
  version: 1;
  /** The words in id order (most frequent first). */
  words: string[];
  /** counts[i]: how often words[i] occurs in the training text. */
  counts: number[];
}

export class WordVocab {
  /** The words in id order, most frequent first (ties in alphabetical order). */
  readonly words: readonly string[];
  /** How often each word occurs in the text the vocabulary was fitted on. */
  readonly counts: readonly number[];
  private readonly ids = new Map<string, number>();

  constructor(words: readonly string[], counts: readonly number[]) {
    const fn = 'WordVocab';
    if (!Array.isArray(words) || !words.every((w) => typeof w === 'string' && w.length > 0))
      throw new ArgumentError(`${fn}: got words ${describe(words)}; expected an array of non-empty strings`);
    if (!Array.isArray(counts) || counts.length !== words.length || !counts.every((c) => Number.isInteger(c) && c > 0))
      throw new ArgumentError(
        `${fn}: got counts ${describe(counts)}; expected ${words.length} positive integers, one per word`,
      );
    words.forEach((w, i) => {
      if (this.ids.has(w)) throw new ArgumentError(`${fn}: the word ${JSON.stringify(w)} is listed twice`);
      this.ids.set(w, i);
    });
    this.words = [...words];
    this.counts = [...counts];
  }

  /** Count the words of `tokens` and keep the frequent ones. */
  static fit(tokens: readonly string[], options?: WordVocabOptions): WordVocab {
    const fn = 'WordVocab.fit';
    const opts = checkOptions(fn, options, ['minCount', 'maxWords'], '{ minCount: 5 }');
    const minCount = (opts.minCount as number | undefined) ?? 5;
    const maxWords = (opts.maxWords as number | undefined) ?? Infinity;
    if (!Number.isInteger(minCount) || minCount < 1)
      throw new ArgumentError(`${fn}: got minCount=${describe(minCount)}; expected a positive integer`);
    if (maxWords !== Infinity && (!Number.isInteger(maxWords) || maxWords < 1))
      throw new ArgumentError(`${fn}: got maxWords=${describe(maxWords)}; expected a positive integer`);
    const counts = new Map<string, number>();
    for (const w of tokens) counts.set(w, (counts.get(w) ?? 0) + 1);
    const kept = [...counts].filter(([, c]) => c >= minCount);
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const top = kept.slice(0, maxWords);
    if (top.length === 0)
      throw new ArgumentError(
        `${fn}: no word of the ${tokens.length} tokens occurs ${minCount} times; expected a longer text or a smaller minCount`,
      );
    return new WordVocab(
      top.map(([w]) => w),
      top.map(([, c]) => c),
    );
  }

  get size(): number {
    return this.words.length;
  }

  /** The id of `word`, or undefined when it is not in the vocabulary. */
  id(word: string): number | undefined {
    return this.ids.get(word);
  }

  /** Like `id`, but a word outside the vocabulary is an error naming the caller. */
  requireId(fn: string, word: string): number {
    const id = this.ids.get(word);
    if (id === undefined)
      throw new ArgumentError(
        `${fn}: the word ${JSON.stringify(word)} is not in the vocabulary of ${this.size} words (too rare, or not in the corpus)`,
      );
    return id;
  }

  /** The ids of the known words of `tokens`, in order; unknown words are left out (as word2vec does). */
  encode(tokens: readonly string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    let n = 0;
    for (const w of tokens) {
      const id = this.ids.get(w);
      if (id !== undefined) out[n++] = id;
    }
    return out.slice(0, n);
  }

  toJSON(): WordVocabJSON {
    return { type: 'WordVocab', version: 1, words: [...this.words], counts: [...this.counts] };
  }

  static fromJSON(json: unknown, source = 'WordVocab.fromJSON'): WordVocab {
    const j = json as Partial<WordVocabJSON> | null;
    if (j === null || typeof j !== 'object' || j.type !== 'WordVocab' || j.version !== 1)
      throw new FormatError(`${source}: expected { type: "WordVocab", version: 1, words, counts }`);
    return new WordVocab(j.words as string[], j.counts as number[]);
  }
}
