/**
 * Tokenizers saved as JSON files and read back: the file is written atomically (a crash leaves the
 * old file or the new one, never half of one). Node-only: it touches the file system.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../io/atomic.js';
import { ArgumentError, FormatError, describe } from '../../util/errors.js';
import { BpeTokenizer } from './bpe.js';
import { CharTokenizer } from './tokenizer.js';

/** A tokenizer of either kind: both encode to Int32Array ids and decode them back. */
export type TextTokenizer = CharTokenizer | BpeTokenizer;

/**
 * Write `tokenizer.toJSON()` to `path` (parent folders are created).
 * @example saveCharTokenizer(tok, 'runs/moby/tokenizer.json')
 */
export function saveCharTokenizer(tokenizer: CharTokenizer, path: string): void {
  if (!(tokenizer instanceof CharTokenizer))
    throw new ArgumentError(`saveCharTokenizer: got ${describe(tokenizer)}; expected a CharTokenizer`);
  writeFileAtomic(path, `${JSON.stringify(tokenizer.toJSON())}\n`);
}

/**
 * The tokenizer saved at `path` by `saveCharTokenizer`.
 * @example const tok = loadCharTokenizer('runs/moby/tokenizer.json')
 */
export function loadCharTokenizer(path: string): CharTokenizer {
  return CharTokenizer.fromJSON(readFileSync(path, 'utf8'), path);
}

/**
 * Write a CharTokenizer or BpeTokenizer as JSON to `path` (its `type` says which kind it is).
 * @example saveTokenizer(BpeTokenizer.train(text, { vocabSize: 4000 }), 'runs/bpe.json')
 */
export function saveTokenizer(tokenizer: TextTokenizer, path: string): void {
  if (!(tokenizer instanceof CharTokenizer) && !(tokenizer instanceof BpeTokenizer))
    throw new ArgumentError(`saveTokenizer: got ${describe(tokenizer)}; expected a CharTokenizer or BpeTokenizer`);
  writeFileAtomic(path, `${JSON.stringify(tokenizer.toJSON())}\n`);
}

/**
 * The tokenizer saved at `path` by `saveTokenizer` (or `saveCharTokenizer`), of whichever kind.
 * @example const tok = loadTokenizer('runs/bpe.json')
 */
export function loadTokenizer(path: string): TextTokenizer {
  const text = readFileSync(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`loadTokenizer: ${path} is not valid JSON (${(error as Error).message})`);
  }
  const type = (json as { type?: unknown } | null)?.type;
  if (type === 'CharTokenizer') return CharTokenizer.fromJSON(text, path);
  if (type === 'BpeTokenizer') return BpeTokenizer.fromJSON(text, path);
  throw new FormatError(
    `loadTokenizer: ${path} has type ${describe(type)}; expected a tokenizer file of type "CharTokenizer" or "BpeTokenizer"`,
  );
}
