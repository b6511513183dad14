/**
 * Data larger than the memory it may use: a ~200 MB IDX file and a ~50 MB CSV file are written to
 * a temporary folder, and a child process (stream-train-child.ts) trains on each by streaming it
 * through a DataLoader with a 4096-row shuffle buffer. The loss must fall, and memory must not
 * follow the file: RSS at its peak over the second half of the epoch is no higher than over the
 * first half (give or take a few MB), where a reader that kept what it read would have grown by
 * half the file; and for the IDX file, peak RSS minus RSS after the first batch stays a small
 * fraction of the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./stream-train-child.js', import.meta.url));
const MB = 1e6;

/** A fixed pseudo-random byte pattern (no Math.random: the files are the same every run). */
function noise(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let s = 1;
  for (let i = 0; i < bytes; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = (s >>> 24) & 127;
  }
  return out;
}

function idxHeader(magic: number, dims: number[]): Uint8Array {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
}

/** n 28×28 images of noise whose class c lights up columns 2c and 2c + 1; labels (7i mod 10). */
function writeIdx(dir: string, n: number): number {
  const px = 784,
    chunk = 4096;
  const images = openSync(join(dir, 'x.idx'), 'w'),
    labels = openSync(join(dir, 'y.idx'), 'w');
  writeSync(images, idxHeader(0x0803, [n, 28, 28]));
  writeSync(labels, idxHeader(0x0801, [n]));
  const pattern = noise(1 << 20);
  const buf = new Uint8Array(chunk * px),
    lab = new Uint8Array(chunk);
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    for (let r = 0; r < rows; r++) {
      const i = start + r,
        c = (i * 7) % 10;
      lab[r] = c;
      const off = (i * 131) % (pattern.length - px);
      buf.set(pattern.subarray(off, off + px), r * px);
      for (let row = 0; row < 28; row++) buf.fill(255, r * px + row * 28 + 2 * c, r * px + row * 28 + 2 * c + 2);
    }
    writeSync(images, buf.subarray(0, rows * px));
    writeSync(labels, lab.subarray(0, rows));
  }
  closeSync(images);
  closeSync(labels);
  return statSync(join(dir, 'x.idx')).size;
}

/** A header and n rows of 16 features and a label in 0..3; feature k is raised by 2 when k % 4 is the label. */
function writeCsv(dir: string, n: number): number {
  const file = openSync(join(dir, 'data.csv'), 'w');
  const pattern = noise(1 << 16);
  writeSync(file, `${Array.from({ length: 16 }, (_, k) => `f${k}`).join(',')},label\n`);
  let lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 4;
    const fields = Array.from({ length: 16 }, (_, k) =>
      ((pattern[(i * 17 + k) % pattern.length] / 127) * 2 - 1 + (k % 4 === c ? 2 : 0)).toFixed(3),
    );
    lines.push(`${fields.join(',')},${c}`);
    if (lines.length === 10000 || i === n - 1) {
      writeSync(file, `${lines.join('\n')}\n`);
      lines = [];
    }
  }
  closeSync(file);
  return statSync(join(dir, 'data.csv')).size;
}

interface ChildReport {
  firstLoss: number;
  lastLoss: number;
  /** RSS after each batch. */
  rss: number[];
  steps: number | null;
}

/** Peak RSS over the first and the second half of the epoch. */
function halves(rss: number[]): [number, number] {
  const mid = Math.floor(rss.length / 2);
  return [Math.max(...rss.slice(0, mid)), Math.max(...rss.slice(mid))];
}

const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

function train(kind: 'idx' | 'csv', dir: string, gcEvery: number): ChildReport {
  const r = spawnSync(process.execPath, [child, kind, dir, String(gcEvery)], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `the child failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
}

test('training streams a 200 MB IDX file with memory far below its size, and learns', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-stream-'));
  try {
    const n = 260_000;
    const size = writeIdx(dir, n);
    assert.ok(size > 200 * MB);
    const r = train('idx', dir, 1);
    assert.equal(r.rss.length, Math.ceil(n / 1024));
    assert.equal(r.steps, Math.ceil(n / 1024), 'the IDX header tells the loader its length');
    assert.ok(r.lastLoss < r.firstLoss / 4, `loss ${r.firstLoss} → epoch mean ${r.lastLoss}`);
    const [first, second] = halves(r.rss);
    assert.ok(second - first < size / 16, `peak RSS ${mb(first)} over the first half, ${mb(second)} over the second`);
    const gained = Math.max(...r.rss) - r.rss[0];
    assert.ok(gained < size / 4, `RSS grew by ${mb(gained)} streaming ${mb(size)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('training streams a 40 MB CSV file in chunks: memory stays flat while it is read, and it learns', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-stream-'));
  try {
    const n = 400_000;
    const size = writeCsv(dir, n);
    const r = train('csv', dir, 8);
    assert.equal(r.rss.length, Math.ceil(n / 1024));
    assert.equal(r.steps, r.rss.length, 'a CSV stream has no length ahead; fit counts the first epoch');
    assert.ok(r.lastLoss < r.firstLoss / 2, `loss ${r.firstLoss} → epoch mean ${r.lastLoss}`);
    const [first, second] = halves(r.rss);
    assert.ok(second - first < size / 8, `peak RSS ${mb(first)} over the first half, ${mb(second)} over the second`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
