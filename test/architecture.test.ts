/**
 * The narrow waist, checked over the sources: above src/backend no module walks tensor storage.
 * Storage is an opaque handle passed to backend kernels; values come to the host only through the
 * explicit reads (dataSync, toArray, toFlatArray, await t.data()), and those only in the files
 * listed here, each for a reason that is I/O or reporting, never a computation a GPU backend would
 * then be unable to run. item() (one scalar, e.g. a loss to print) is allowed everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Files that may read values to the host, and why. */
const READS_ALLOWED: Record<string, string> = {
  'src/tensor/tensor.ts': 'defines the reads',
  'src/io/safetensors-dtypes.ts': 'writing a weights file is I/O',
  'src/io/onnx/graph.ts': "writing an ONNX file's weights (initializers) is I/O",
  'src/optim/optimizer.ts': 'stateDict returns plain data to save',
  'src/zoo/linear-regression.ts':
    'the closed-form least-squares check runs in float64 on the host, as an independent oracle',
  'src/cli/evaluate.ts': 'prints a digit and its class probabilities',
  'src/cli/explain.ts': 'prints the class probabilities and the attribution sum of the explained image',
  'src/explain/report/metrics.ts':
    'a training report prints and draws the finished confusion matrix and per-class precision/recall',
  'src/explain/report/build.ts':
    "a training report picks the worst test images (a sort of each image's true-class probability) and captions them",
  'src/explain/heatmap.ts': 'rendering a picture: reads the finished grey and heat values to colour PNG pixels',
  'src/data/text/tokenizer.ts': 'decode turns token ids (generated text) into a string to show',
  'src/data/text/bpe.ts': 'decode turns token ids (generated text) into a string to show',
  'src/zoo/gpt.ts': 'sampling reads the next-token logits (one row of vocabSize) to pick the token to show',
  'src/cli/embed.ts':
    "tessera similar reads one word's cosines to every word (a vector of vocabulary size) to rank and print them",
  'src/zoo/train-tables.ts': "reads each step's loss (one scalar, awaited as WebGPU requires) to report that it falls",
  'src/zoo/word-vectors.ts': 'reads a mean cosine (one scalar, awaited as WebGPU requires) to report pair quality',
  'src/zoo/bert-train.ts':
    "the MLM head scores only the masked positions: listing them (a data-dependent count) reads the int32 labels, as torch's logits[labels != -100] synchronises",
  'src/io/optimizer-file.ts': 'resuming reads saved optimizer moments back from the checkpoint file (I/O)',
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

const above = sources(join(root, 'src'))
  .map((f) => relative(root, f).split('\\').join('/'))
  // The backend owns storage; the bench harness times peers (tfjs's own dataSync) and is not shipped.
  .filter((f) => !f.startsWith('src/backend/') && !f.startsWith('src/bench/'));

test('no module above src/backend indexes, casts or copies tensor storage', () => {
  const walks = /\.storage\s*(\[|\.(length|set|subarray|slice|fill|buffer|byteLength|byteOffset)\b|\s+as\s)/;
  const bad: string[] = [];
  for (const f of above) {
    readFileSync(join(root, f), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (walks.test(line)) bad.push(`${f}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(bad, [], `storage walked above the backend:\n${bad.join('\n')}`);
});

test('values are read to the host only where the allow-list says why', () => {
  const reads = /\.(dataSync|toFlatArray|toArray)\(\)|\bawait\s+[\w.!]+\.data\(\)/;
  const bad: string[] = [];
  for (const f of above) {
    if (f in READS_ALLOWED) continue;
    readFileSync(join(root, f), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
        if (reads.test(code)) bad.push(`${f}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(
    bad,
    [],
    `host reads outside the allow-list (make it an op, or add the file with a reason):\n${bad.join('\n')}`,
  );
});

test('every allow-listed file still reads values (stale entries are removed)', () => {
  for (const f of Object.keys(READS_ALLOWED)) {
    assert.match(
      readFileSync(join(root, f), 'utf8'),
      /\.(dataSync|toFlatArray|toArray)\(\)|\.data\(\)|readSync\(/,
      `${f} no longer reads values: drop it from the allow-list`,
    );
  }
});
