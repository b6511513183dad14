/**
 * Word vectors on disk (Node-only): a folder with vectors.safetensors ("vectors" [words, dim], and
 * "context" [words, dim] the context table kept for reference), vocab.json (the WordVocab) and
 * config.json (method, dim, words, which table "vectors" is, the training options), written
 * atomically as one folder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { writeFolderAtomic, pathKind } from '../io/folders.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors-file.js';
import { WordVocab } from '../data/text/words.js';
import type { Tensor } from '../tensor/tensor.js';
import { ArgumentError, FormatError } from '../util/errors.js';
import type { WordVectors, WordVectorsConfig } from './word-vectors.js';

export const WORD_VECTOR_FILES = ['vectors.safetensors', 'vocab.json', 'config.json'] as const;

/** Write `wv` (and any extra tables, e.g. { context }) to the folder `dir`, replacing it whole. */
export function saveWordVectors(dir: string, wv: WordVectors, extra: Record<string, Tensor> = {}): void {
  writeFolderAtomic(
    dir,
    (tmp) => {
      saveSafetensors(join(tmp, 'vectors.safetensors'), { vectors: wv.vectors, ...extra }, { format: 'pt' });
      writeFileAtomic(join(tmp, 'vocab.json'), `${JSON.stringify(wv.vocab.toJSON())}\n`);
      writeFileAtomic(join(tmp, 'config.json'), `${JSON.stringify(wv.config, null, 2)}\n`);
    },
    'saveWordVectors',
  );
}

/** Read a folder written by `saveWordVectors` (or `tessera embed`). */
export function loadWordVectors(dir: string): WordVectors {
  const fn = 'loadWordVectors';
  if (pathKind(dir) !== 'dir')
    throw new ArgumentError(`${fn}: ${dir} is not a folder; expected one written by "tessera embed"`);
  for (const f of WORD_VECTOR_FILES)
    if (pathKind(join(dir, f)) !== 'file')
      throw new FormatError(`${fn}: ${dir} has no ${f}; expected ${WORD_VECTOR_FILES.join(', ')}`);
  const readJson = (f: string): unknown => {
    try {
      return JSON.parse(readFileSync(join(dir, f), 'utf8'));
    } catch (error) {
      throw new FormatError(`${fn}: ${join(dir, f)} is not valid JSON (${(error as Error).message})`);
    }
  };
  const vocab = WordVocab.fromJSON(readJson('vocab.json'), join(dir, 'vocab.json'));
  const config = readJson('config.json') as WordVectorsConfig;
  const vectors = loadSafetensors(join(dir, 'vectors.safetensors')).tensors.vectors;
  if (vectors === undefined)
    throw new FormatError(`${fn}: ${join(dir, 'vectors.safetensors')} has no tensor "vectors"`);
  if (vectors.rank !== 2 || vectors.shape[0] !== vocab.size)
    throw new FormatError(
      `${fn}: "vectors" has shape [${vectors.shape.join(', ')}]; expected [${vocab.size}, dim] to match vocab.json`,
    );
  return { vocab, vectors, config };
}
