/**
 * A character tokenizer: one token per Unicode code point (not per UTF-16 unit, so an emoji or any
 * other astral-plane character is one token, and a lone surrogate is one token too). Encoding then
 * decoding gives back exactly the text, for any string whose characters are in the vocabulary.
 * Browser-safe; saving to and loading from a JSON file is in ./tokenizer-file.ts (Node).
 */
import { fromHostValues } from '../../tensor/creation.js';
import { Tensor } from '../../tensor/tensor.js';
import { ArgumentError, DTypeError, FormatError, ShapeError, describe } from '../../util/errors.js';
import { checkOptions } from '../../util/options.js';

/** The JSON form of a CharTokenizer (`toJSON` / `fromJSON`, and the file written by `saveCharTokenizer`). */
export interface CharTokenizerJSON {
  type: 'CharTokenizer';
  version: 1;
  /** The vocabulary in id order: entry i is the character of token id i. */
  vocab: string[];
  /** The character that stands for every unseen character, when the tokenizer has one. */
  unknown?: string;
}

export interface CharTokenizerOptions {
  /**
   * A character that stands for characters the tokenizer never saw: they encode to its id (which
   * decodes to it), instead of an error. It joins the vocabulary when it is not already in it. The
   * round trip is then exact only for texts of known characters.
   */
  unknown?: string;
}

/** How many distinct unseen characters an error lists before it says "and N more". */
const LISTED = 10;

/** The code points of `text`, in order (a lone surrogate is its own code point). */
function codePoints(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) as number;
    out.push(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return out;
}

/** `s` is exactly one code point. */
function isOneCharacter(s: unknown): s is string {
  if (typeof s !== 'string' || s.length === 0 || s.length > 2) return false;
  return (s.codePointAt(0) as number) > 0xffff ? s.length === 2 : s.length === 1;
}

/** A character as an error shows it: quoted (escaped where invisible) and with its code point. */
function showCharacter(cp: number): string {
  return `${JSON.stringify(String.fromCodePoint(cp))} (U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

/** `t` when it is a rank-1 int32 tensor of token ids. */
function checkIdTensor(fn: string, t: Tensor): Tensor {
  if (t.rank !== 1)
    throw new ShapeError(`${fn}: got a tensor of shape ${describe(t.shape)}; expected rank 1 (one sequence)`);
  if (t.dtype !== 'int32') throw new DTypeError(`${fn}: got a ${t.dtype} tensor; expected int32 token ids`);
  return t;
}

export class CharTokenizer {
  /** The vocabulary in id order: `vocab[id]` is one character (one code point). */
  readonly vocab: readonly string[];
  /** The character unseen characters encode as, or undefined (then they are an error). */
  readonly unknown: string | undefined;
  private readonly ids = new Map<number, number>();
  private readonly unknownId: number;

  /**
   * A tokenizer with this vocabulary (entry i gets id i); every entry must be one character, with
   * no repeats. `CharTokenizer.fit(text)` builds the vocabulary from a text instead.
   * @example new CharTokenizer(['\n', ' ', 'a', 'b'])
   */
  constructor(vocab: readonly string[], options?: CharTokenizerOptions) {
    const fn = 'CharTokenizer';
    if (!Array.isArray(vocab))
      throw new ArgumentError(`${fn}: got vocab ${describe(vocab)}; expected an array of characters`);
    const opts = checkOptions(fn, options, ['unknown'], "{ unknown: '\\uFFFD' }");
    const unknown = opts.unknown as string | undefined;
    if (unknown !== undefined && !isOneCharacter(unknown))
      throw new ArgumentError(`${fn}: got unknown=${describe(unknown)}; expected one character such as '\\uFFFD'`);
    const list = [...vocab];
    if (unknown !== undefined && !list.includes(unknown)) list.push(unknown);
    list.forEach((ch, i) => {
      if (!isOneCharacter(ch))
        throw new ArgumentError(
          `${fn}: vocab entry ${i} is ${describe(ch)}; expected one character (one Unicode code point)`,
        );
      const cp = ch.codePointAt(0) as number;
      const before = this.ids.get(cp);
      if (before !== undefined)
        throw new ArgumentError(
          `${fn}: vocab entries ${before} and ${i} are both ${showCharacter(cp)}; expected each character once`,
        );
      this.ids.set(cp, i);
    });
    this.vocab = Object.freeze(list);
    this.unknown = unknown;
    this.unknownId = unknown === undefined ? -1 : (this.ids.get(unknown.codePointAt(0) as number) as number);
  }

  /**
   * The tokenizer of the characters in `text` (or in each of several texts), ids in code-point
   * order so that the same characters always give the same ids.
   * @example const tok = CharTokenizer.fit(text); tok.decode(tok.encode(text)) === text
   */
  static fit(text: string | Iterable<string>, options?: CharTokenizerOptions): CharTokenizer {
    const fn = 'CharTokenizer.fit';
    const texts = typeof text === 'string' ? [text] : text;
    if (texts === null || typeof texts !== 'object' || !(Symbol.iterator in texts))
      throw new ArgumentError(`${fn}: got ${describe(text)}; expected a string or an iterable of strings`);
    const seen = new Set<number>();
    let k = 0;
    for (const t of texts) {
      if (typeof t !== 'string') throw new ArgumentError(`${fn}: text ${k} is ${describe(t)}; expected a string`);
      for (const cp of codePoints(t)) seen.add(cp);
      k++;
    }
    const vocab = [...seen].sort((a, b) => a - b).map((cp) => String.fromCodePoint(cp));
    return new CharTokenizer(vocab, options);
  }

  /** The number of token ids: ids are 0..vocabSize-1. */
  get vocabSize(): number {
    return this.vocab.length;
  }

  /** The id of one character, or undefined when it is not in the vocabulary. */
  idOf(character: string): number | undefined {
    return isOneCharacter(character) ? this.ids.get(character.codePointAt(0) as number) : undefined;
  }

  /**
   * The token ids of `text`, one per code point, as a host array (the form the split and the window
   * sampler take). A character outside the vocabulary is an error that lists them all (up to 10),
   * unless the tokenizer has an `unknown` character.
   */
  encode(text: string): Int32Array {
    const fn = 'CharTokenizer.encode';
    if (typeof text !== 'string') throw new ArgumentError(`${fn}: got ${describe(text)}; expected a string`);
    const out = new Int32Array(text.length);
    let n = 0;
    let unseen: Map<number, number> | undefined;
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i) as number;
      const id = this.ids.get(cp);
      if (id !== undefined) out[n++] = id;
      else if (this.unknownId >= 0) out[n++] = this.unknownId;
      else {
        unseen ??= new Map();
        if (!unseen.has(cp)) unseen.set(cp, n);
        n++;
      }
      i += cp > 0xffff ? 2 : 1;
    }
    if (unseen !== undefined) throw this.unseenError(fn, unseen);
    return out.slice(0, n);
  }

  /** `encode(text)` as an int32 tensor of shape [length]. */
  encodeTensor(text: string): Tensor {
    const ids = this.encode(text);
    return fromHostValues(ids, [ids.length]);
  }

  /**
   * The text of token ids: a host array, or a rank-1 int32 tensor (e.g. generated tokens; its
   * values are read to the host to make the string, synchronously, so on a device backend such as
   * WebGPU use `decodeAsync`). Every id must be an integer in 0..vocabSize-1.
   */
  decode(ids: ArrayLike<number> | Tensor): string {
    const fn = 'CharTokenizer.decode';
    // Making a string of token ids is output (I/O), the reason this file may read values.
    return this.decodeValues(fn, ids instanceof Tensor ? checkIdTensor(fn, ids).dataSync() : ids);
  }

  /** `decode` that reads a tensor with `await t.data()`, so it works on every backend. */
  async decodeAsync(ids: ArrayLike<number> | Tensor): Promise<string> {
    const fn = 'CharTokenizer.decodeAsync';
    return this.decodeValues(fn, ids instanceof Tensor ? await checkIdTensor(fn, ids).data() : ids);
  }

  private decodeValues(fn: string, values: ArrayLike<number>): string {
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number')
      throw new ArgumentError(
        `${fn}: got ${describe(values)}; expected token ids (an array, Int32Array or int32 tensor)`,
      );
    const size = this.vocab.length;
    const parts: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const id = values[i];
      if (!Number.isInteger(id) || id < 0 || id >= size)
        throw new ArgumentError(
          `${fn}: id ${describe(id)} at position ${i} is outside the vocabulary; expected integer ids in 0..${size - 1}`,
        );
      parts.push(this.vocab[id]);
    }
    return parts.join('');
  }

  toJSON(): CharTokenizerJSON {
    const json: CharTokenizerJSON = { type: 'CharTokenizer', version: 1, vocab: [...this.vocab] };
    if (this.unknown !== undefined) json.unknown = this.unknown;
    return json;
  }

  /** The tokenizer of `toJSON()` (an object, or its JSON text). */
  static fromJSON(json: CharTokenizerJSON | string, source = 'the JSON'): CharTokenizer {
    const fn = 'CharTokenizer.fromJSON';
    let value: unknown = json;
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json);
      } catch (error) {
        throw new FormatError(`${fn}: ${source} is not valid JSON (${(error as Error).message})`);
      }
    }
    const o = value as Partial<CharTokenizerJSON> | null;
    if (o === null || typeof o !== 'object' || o.type !== 'CharTokenizer' || !Array.isArray(o.vocab))
      throw new FormatError(
        `${fn}: ${source} is ${describe(value).slice(0, 80)}; expected { type: "CharTokenizer", version: 1, vocab: [...] }`,
      );
    if (o.version !== 1)
      throw new FormatError(`${fn}: ${source} has version ${describe(o.version)}; expected version 1`);
    try {
      return new CharTokenizer(o.vocab, o.unknown === undefined ? undefined : { unknown: o.unknown });
    } catch (error) {
      throw new FormatError(`${fn}: ${source} has a bad vocabulary: ${(error as Error).message}`);
    }
  }

  private unseenError(fn: string, unseen: Map<number, number>): ArgumentError {
    const listed = [...unseen]
      .slice(0, LISTED)
      .map(([cp, at]) => `${showCharacter(cp)} first at character ${at}`)
      .join(', ');
    const more = unseen.size > LISTED ? ` and ${unseen.size - LISTED} more` : '';
    return new ArgumentError(
      `${fn}: the text has ${unseen.size} character${unseen.size === 1 ? '' : 's'} the tokenizer never saw: ${listed}${more}; expected only characters of its ${this.vocab.length}-character vocabulary (fit it on text that has them, or create it with { unknown })`,
    );
  }
}
