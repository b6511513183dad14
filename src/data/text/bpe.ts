/**
 * A byte-level BPE tokenizer in the manner of GPT-2: text is cut into words, spaces and runs of
 * punctuation by a Unicode-aware pattern, each piece becomes its UTF-8 bytes (256 base tokens, so
 * any text encodes and nothing is ever unknown), and learned merges join frequent adjacent tokens.
 * Ids: the special tokens first ([PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4 by default), then
 * the 256 bytes, then one id per merge in the order learned. decode(encode(s)) === s for every JS
 * string, lone surrogates included (they travel as WTF-8 bytes, see ./wtf8.ts). [UNK] is reserved
 * for models that want it; byte-level encoding never needs it. Browser-safe; JSON files are in
 * ./tokenizer-file.ts (Node).
 */
import { fromHostValues } from '../../tensor/creation.js';
import { Tensor } from '../../tensor/tensor.js';
import { ArgumentError, DTypeError, FormatError, ShapeError, describe } from '../../util/errors.js';
import { checkOptions } from '../../util/options.js';
import { type EncodeBatchOptions, type EncodedBatch, encodeBatchWith } from './batch-encode.js';
import { PAIR_KEY, learnMerges } from './bpe-train.js';
import { wtf8Bytes, wtf8String } from './wtf8.js';

/** The special tokens a BpeTokenizer reserves unless told otherwise, at ids 0, 1, 2, …. */
export const DEFAULT_SPECIAL_TOKENS: readonly string[] = Object.freeze(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);

/**
 * GPT-2's pre-tokenizer: English contractions, a word (letters) or a number or a run of other
 * symbols with at most one leading space, and whitespace (a run before a word leaves its last space
 * to the word). Every character falls in some alternative, so the pieces join back to the text.
 */
const PIECES = /'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** The pre-tokenizer's pieces of `text`, in order; they concatenate to `text`. */
export function bpePieces(text: string): string[] {
  return text.match(PIECES) ?? [];
}

/** The JSON form of a BpeTokenizer (`toJSON` / `fromJSON`, the file `saveTokenizer` writes). */
export interface BpeTokenizerJSON {
  type: 'BpeTokenizer';
  version: 1;
  /** The special tokens in id order (ids 0..k-1). */
  specialTokens: string[];
  /** Merge i joins the ids [a, b] into id k + 256 + i. */
  merges: [number, number][];
}

export interface BpeTrainOptions {
  /** The vocabulary size to reach: special tokens + 256 bytes + merges. */
  vocabSize: number;
  /** The special tokens, reserved at ids 0.. (default DEFAULT_SPECIAL_TOKENS). */
  specialTokens?: readonly string[];
  /** Stop merging when the most frequent pair occurs fewer times (default 2); the vocabulary is then smaller. */
  minFrequency?: number;
}

export interface BpeEncodeOptions {
  /** Text equal to a special token becomes its id (default true); false encodes it as plain text. */
  specialTokens?: boolean;
}

/** Distinct pieces the encode cache keeps before it starts over (memory stays bounded). */
const CACHE_LIMIT = 50_000;

function checkIdTensor(fn: string, t: Tensor): Tensor {
  if (t.rank !== 1)
    throw new ShapeError(`${fn}: got a tensor of shape ${describe(t.shape)}; expected rank 1 (one sequence)`);
  if (t.dtype !== 'int32') throw new DTypeError(`${fn}: got a ${t.dtype} tensor; expected int32 token ids`);
  return t;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class BpeTokenizer {
  /** The special tokens: `specialTokens[i]` has id i. */
  readonly specialTokens: readonly string[];
  /** The merges in order: merge i makes id `byteOffset + 256 + i` from its pair. */
  readonly merges: readonly (readonly [number, number])[];
  /** Pair key → the id its merge makes (a smaller id was learned earlier and applies first). */
  private readonly mergeIds = new Map<number, number>();
  /** The bytes of every non-special id. */
  private readonly bytesOf: number[][] = [];
  private readonly specialIds = new Map<string, number>();
  private readonly specialPattern: RegExp | null;
  private readonly cache = new Map<string, Int32Array>();

  /**
   * A tokenizer of these merges (each a pair of earlier ids) and special tokens. Train one with
   * `BpeTokenizer.train(text, { vocabSize })`.
   */
  constructor(merges: readonly (readonly [number, number])[], options?: { specialTokens?: readonly string[] }) {
    const fn = 'BpeTokenizer';
    const opts = checkOptions(fn, options, ['specialTokens'], "{ specialTokens: ['[PAD]', '[UNK]'] }");
    const specials = (opts.specialTokens as readonly string[] | undefined) ?? DEFAULT_SPECIAL_TOKENS;
    if (!Array.isArray(specials))
      throw new ArgumentError(`${fn}: got specialTokens ${describe(specials)}; expected an array of strings`);
    specials.forEach((s, i) => {
      if (typeof s !== 'string' || s.length === 0)
        throw new ArgumentError(`${fn}: special token ${i} is ${describe(s)}; expected a non-empty string`);
      if (this.specialIds.has(s))
        throw new ArgumentError(`${fn}: special token ${JSON.stringify(s)} is listed twice; expected each once`);
      this.specialIds.set(s, i);
    });
    this.specialTokens = Object.freeze([...specials]);
    const offset = specials.length;
    for (let b = 0; b < 256; b++) this.bytesOf[offset + b] = [b];
    if (!Array.isArray(merges))
      throw new ArgumentError(`${fn}: got merges ${describe(merges)}; expected an array of [a, b] id pairs`);
    merges.forEach((pair, i) => {
      const id = offset + 256 + i;
      const ok =
        Array.isArray(pair) &&
        pair.length === 2 &&
        pair.every((x) => Number.isInteger(x) && x >= offset && x < id && x < PAIR_KEY);
      if (!ok)
        throw new ArgumentError(
          `${fn}: merge ${i} is ${describe(pair)}; expected two ids of bytes or earlier merges, in ${offset}..${id - 1}`,
        );
      const key = pair[0] * PAIR_KEY + pair[1];
      if (this.mergeIds.has(key)) throw new ArgumentError(`${fn}: merge ${i} repeats merge of ${describe(pair)}`);
      this.mergeIds.set(key, id);
      this.bytesOf[id] = [...this.bytesOf[pair[0]], ...this.bytesOf[pair[1]]];
    });
    this.merges = Object.freeze(merges.map((p) => Object.freeze([p[0], p[1]] as const)));
    const byLength = [...specials].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.specialPattern = byLength.length === 0 ? null : new RegExp(`(${byLength.join('|')})`, 'u');
  }

  /**
   * Learn merges on `text` (or several texts) until the vocabulary has `vocabSize` tokens (or no
   * pair occurs `minFrequency` times).
   * @example const tok = BpeTokenizer.train(mobyDick.loadText(), { vocabSize: 4000 })
   */
  static train(text: string | Iterable<string>, options: BpeTrainOptions): BpeTokenizer {
    const fn = 'BpeTokenizer.train';
    const opts = checkOptions(fn, options, ['vocabSize', 'specialTokens', 'minFrequency'], '{ vocabSize: 4000 }');
    const specials = (opts.specialTokens as readonly string[] | undefined) ?? DEFAULT_SPECIAL_TOKENS;
    const base = (Array.isArray(specials) ? specials.length : 0) + 256;
    const vocabSize = opts.vocabSize as number;
    if (!Number.isInteger(vocabSize) || vocabSize < base || vocabSize >= PAIR_KEY)
      throw new ArgumentError(
        `${fn}: got vocabSize=${describe(vocabSize)}; expected an integer from ${base} (special tokens + 256 bytes) to ${PAIR_KEY - 1}`,
      );
    const minFrequency = (opts.minFrequency as number | undefined) ?? 2;
    if (!Number.isInteger(minFrequency) || minFrequency < 1)
      throw new ArgumentError(`${fn}: got minFrequency=${describe(minFrequency)}; expected a positive integer`);
    const texts = typeof text === 'string' ? [text] : text;
    if (texts === null || typeof texts !== 'object' || !(Symbol.iterator in texts))
      throw new ArgumentError(`${fn}: got ${describe(text)}; expected a string or an iterable of strings`);
    const wordCounts = new Map<string, number>();
    let k = 0;
    for (const t of texts) {
      if (typeof t !== 'string') throw new ArgumentError(`${fn}: text ${k} is ${describe(t)}; expected a string`);
      // Special tokens in the training text stay whole: they are not learned from.
      const parts = splitSpecials(t, specials);
      for (let p = 0; p < parts.length; p += 2)
        for (const piece of bpePieces(parts[p])) wordCounts.set(piece, (wordCounts.get(piece) ?? 0) + 1);
      k++;
    }
    const words: number[][] = [];
    const counts: number[] = [];
    const offset = base - 256;
    for (const [piece, count] of wordCounts) {
      words.push(wtf8Bytes(piece).map((b) => b + offset));
      counts.push(count);
    }
    const merges = learnMerges(words, counts, { merges: vocabSize - base, firstId: base, minFrequency });
    return new BpeTokenizer(merges, { specialTokens: specials });
  }

  /** The number of token ids: ids are 0..vocabSize-1. */
  get vocabSize(): number {
    return this.specialTokens.length + 256 + this.merges.length;
  }

  /** The id of byte 0 (the special tokens come before the bytes). */
  get byteOffset(): number {
    return this.specialTokens.length;
  }

  /** The id of a special token, or undefined when the tokenizer has no such token. */
  specialId(token: string): number | undefined {
    return this.specialIds.get(token);
  }

  /** The UTF-8 bytes a token stands for (a special token: its text's bytes). */
  tokenBytes(id: number): Uint8Array {
    this.checkId('BpeTokenizer.tokenBytes', id, 0);
    return Uint8Array.from(id < this.byteOffset ? wtf8Bytes(this.specialTokens[id]) : this.bytesOf[id]);
  }

  /**
   * The token ids of `text` as a host array. Any string encodes (there are no unseen characters);
   * a special token's text becomes its single id unless `{ specialTokens: false }`.
   */
  encode(text: string, options?: BpeEncodeOptions): Int32Array {
    const fn = 'BpeTokenizer.encode';
    if (typeof text !== 'string') throw new ArgumentError(`${fn}: got ${describe(text)}; expected a string`);
    const opts = checkOptions(fn, options, ['specialTokens'], '{ specialTokens: false }');
    const parts = opts.specialTokens === false ? [text] : splitSpecials(text, this.specialTokens, this.specialPattern);
    const out: number[] = [];
    for (let p = 0; p < parts.length; p++) {
      if (p % 2 === 1) out.push(this.specialIds.get(parts[p]) as number);
      else for (const piece of bpePieces(parts[p])) for (const id of this.encodePiece(piece)) out.push(id);
    }
    return Int32Array.from(out);
  }

  /** `encode(text)` as an int32 tensor of shape [length]. */
  encodeTensor(text: string, options?: BpeEncodeOptions): Tensor {
    const ids = this.encode(text, options);
    return fromHostValues(ids, [ids.length]);
  }

  /**
   * Texts as one padded batch: ids and attention mask, int32 [n, L]; see EncodeBatchOptions.
   * @example const { ids, attentionMask } = tok.encodeBatch(texts, { maxLength: 128, truncation: true })
   */
  encodeBatch(texts: readonly string[], options?: EncodeBatchOptions): EncodedBatch {
    const pad = this.specialIds.get('[PAD]');
    if (pad === undefined)
      throw new ArgumentError('BpeTokenizer.encodeBatch: the tokenizer has no [PAD] token; expected one to pad with');
    return encodeBatchWith('BpeTokenizer.encodeBatch', texts, options, (t) => this.encode(t), {
      pad,
      cls: this.specialIds.get('[CLS]'),
      sep: this.specialIds.get('[SEP]'),
    });
  }

  /**
   * The text of token ids (a host array or a rank-1 int32 tensor, read synchronously: on WebGPU use
   * `decodeAsync`). The bytes of consecutive tokens are read as one UTF-8 run, so a character split
   * over tokens comes back whole; bytes that form no character (a token cut mid-character, alone)
   * read as U+FFFD. `{ skipSpecialTokens: true }` leaves out [PAD], [CLS] and the like.
   */
  decode(ids: ArrayLike<number> | Tensor, options?: { skipSpecialTokens?: boolean }): string {
    const fn = 'BpeTokenizer.decode';
    // Making a string of token ids is output (I/O), the reason this file may read values.
    return this.decodeValues(fn, ids instanceof Tensor ? checkIdTensor(fn, ids).dataSync() : ids, options);
  }

  /** `decode` that reads a tensor with `await t.data()`, so it works on every backend. */
  async decodeAsync(ids: ArrayLike<number> | Tensor, options?: { skipSpecialTokens?: boolean }): Promise<string> {
    const fn = 'BpeTokenizer.decodeAsync';
    return this.decodeValues(fn, ids instanceof Tensor ? await checkIdTensor(fn, ids).data() : ids, options);
  }

  toJSON(): BpeTokenizerJSON {
    return {
      type: 'BpeTokenizer',
      version: 1,
      specialTokens: [...this.specialTokens],
      merges: this.merges.map((p) => [p[0], p[1]]),
    };
  }

  /** The tokenizer of `toJSON()` (an object, or its JSON text). */
  static fromJSON(json: BpeTokenizerJSON | string, source = 'the JSON'): BpeTokenizer {
    const fn = 'BpeTokenizer.fromJSON';
    let value: unknown = json;
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json);
      } catch (error) {
        throw new FormatError(`${fn}: ${source} is not valid JSON (${(error as Error).message})`);
      }
    }
    const o = value as Partial<BpeTokenizerJSON> | null;
    if (o === null || typeof o !== 'object' || o.type !== 'BpeTokenizer' || !Array.isArray(o.merges))
      throw new FormatError(
        `${fn}: ${source} is ${describe(value).slice(0, 80)}; expected { type: "BpeTokenizer", version: 1, specialTokens, merges }`,
      );
    if (o.version !== 1)
      throw new FormatError(`${fn}: ${source} has version ${describe(o.version)}; expected version 1`);
    try {
      return new BpeTokenizer(o.merges, { specialTokens: o.specialTokens ?? [] });
    } catch (error) {
      throw new FormatError(`${fn}: ${source} has bad merges or special tokens: ${(error as Error).message}`);
    }
  }

  /** The ids of one pre-tokenizer piece: its bytes, merged in the order the merges were learned. */
  private encodePiece(piece: string): Int32Array {
    const cached = this.cache.get(piece);
    if (cached !== undefined) return cached;
    const offset = this.byteOffset;
    let word = wtf8Bytes(piece).map((b) => b + offset);
    for (;;) {
      let best = -1;
      for (let i = 0; i + 1 < word.length; i++) {
        const id = this.mergeIds.get(word[i] * PAIR_KEY + word[i + 1]);
        if (id !== undefined && (best < 0 || id < best)) best = id;
      }
      if (best < 0) break;
      const [a, b] = this.merges[best - offset - 256];
      const next: number[] = [];
      for (let i = 0; i < word.length; i++) {
        if (word[i] === a && i + 1 < word.length && word[i + 1] === b) {
          next.push(best);
          i++;
        } else next.push(word[i]);
      }
      word = next;
    }
    const ids = Int32Array.from(word);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(piece, ids);
    return ids;
  }

  private checkId(fn: string, id: unknown, position: number): void {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= this.vocabSize)
      throw new ArgumentError(
        `${fn}: id ${describe(id)} at position ${position} is outside the vocabulary; expected integer ids in 0..${this.vocabSize - 1}`,
      );
  }

  private decodeValues(fn: string, values: ArrayLike<number>, options?: { skipSpecialTokens?: boolean }): string {
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number')
      throw new ArgumentError(
        `${fn}: got ${describe(values)}; expected token ids (an array, Int32Array or int32 tensor)`,
      );
    const opts = checkOptions(fn, options, ['skipSpecialTokens'], '{ skipSpecialTokens: true }');
    const offset = this.byteOffset;
    let text = '';
    let bytes: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const id = values[i];
      this.checkId(fn, id, i);
      if (id >= offset) {
        for (const b of this.bytesOf[id]) bytes.push(b);
        continue;
      }
      text += wtf8String(bytes);
      bytes = [];
      if (opts.skipSpecialTokens !== true) text += this.specialTokens[id];
    }
    return text + wtf8String(bytes);
  }
}

/**
 * `text` cut at the special tokens: [plain, special, plain, special, …, plain] (odd entries are
 * special tokens, the longest matching first).
 */
function splitSpecials(text: string, specials: readonly string[], pattern?: RegExp | null): string[] {
  const re =
    pattern !== undefined
      ? pattern
      : specials.length === 0
        ? null
        : new RegExp(
            `(${[...specials]
              .sort((a, b) => b.length - a.length)
              .map(escapeRegExp)
              .join('|')})`,
            'u',
          );
  return re === null ? [text] : text.split(re);
}
