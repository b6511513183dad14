/**
 * A CharTokenizer saved as a JSON file and read back: the file is written atomically (a crash
 * leaves the old file or the new one, never half of one). Node-only: it touches the file system.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../io/atomic.js';
import { ArgumentError, describe } from '../../util/errors.js';
import { CharTokenizer } from './tokenizer.js';

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
