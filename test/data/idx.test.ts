import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIdx, parseIdxHeader, readIdxFile, FormatError, ArgumentError } from '../../src/index.js';

/** Build IDX bytes by hand: magic 00 00 type rank, big-endian dims, then the element bytes. */
function idx(typeCode: number, dims: number[], body: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const view = new DataView(out.buffer);
  out[2] = typeCode;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

const isFormatError = (pattern: RegExp) => (e: unknown) => e instanceof FormatError && pattern.test(e.message);

test('parses uint8 images [n, rows, cols] and labels [n]', () => {
  const images = parseIdx(idx(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]), {
    expect: { type: 'uint8', rank: 3 },
  });
  assert.equal(images.type, 'uint8');
  assert.deepEqual(images.shape, [2, 2, 3]);
  assert.deepEqual(Array.from(images.data), [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  const labels = parseIdx(idx(0x08, [3], [7, 2, 1]), { expect: { type: 'uint8', rank: 1 } });
  assert.deepEqual(labels.shape, [3]);
  assert.deepEqual(Array.from(labels.data), [7, 2, 1]);
});

test('the magic numbers are 0x00000803 for images and 0x00000801 for labels', () => {
  const header = idx(0x08, [1, 1, 1], [9]);
  assert.deepEqual(Array.from(header.subarray(0, 4)), [0x00, 0x00, 0x08, 0x03]);
  assert.equal(new DataView(header.buffer).getUint32(0, false), 0x00000803);
  assert.equal(new DataView(idx(0x08, [1], [9]).buffer).getUint32(0, false), 0x00000801);
});

test('multi-byte element types are read big-endian', () => {
  // int16 -2 = 0xfffe, int16 258 = 0x0102; float32 1.5 = 0x3fc00000.
  assert.deepEqual(Array.from(parseIdx(idx(0x0b, [2], [0xff, 0xfe, 0x01, 0x02])).data), [-2, 258]);
  assert.deepEqual(Array.from(parseIdx(idx(0x0d, [1], [0x3f, 0xc0, 0, 0])).data), [1.5]);
  assert.deepEqual(Array.from(parseIdx(idx(0x0c, [1], [0x80, 0, 0, 0])).data), [-(2 ** 31)]);
  assert.deepEqual(Array.from(parseIdx(idx(0x09, [2], [0xff, 0x7f])).data), [-1, 127]);
});

test('limit decodes only the first items but still validates the whole length', () => {
  const bytes = idx(0x08, [3, 2], [1, 2, 3, 4, 5, 6]);
  const first = parseIdx(bytes, { limit: 2 });
  assert.deepEqual(first.shape, [2, 2]);
  assert.deepEqual(Array.from(first.data), [1, 2, 3, 4]);
  assert.deepEqual(parseIdx(bytes, { limit: 10 }).shape, [3, 2]);
  assert.throws(() => parseIdx(bytes.subarray(0, bytes.length - 1), { limit: 1 }), isFormatError(/truncated/));
  assert.throws(() => parseIdx(bytes, { limit: -1 }), ArgumentError);
});

test('a wrong magic number is refused, naming what was found and what was expected', () => {
  const labels = idx(0x08, [2], [1, 2]);
  assert.throws(
    () => parseIdx(labels, { source: 'imgs.idx', expect: { type: 'uint8', rank: 3 } }),
    isFormatError(/imgs\.idx has magic number 0x00000801 \(uint8, rank 1\); expected 0x00000803 \(uint8, rank 3\)/),
  );
  const floats = idx(0x0d, [1], [0, 0, 0, 0]);
  assert.throws(
    () => parseIdx(floats, { expect: { type: 'uint8' } }),
    isFormatError(/0x00000d01.*expected 0x00000801/),
  );
  const gzip = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0]);
  assert.throws(
    () => parseIdx(gzip, { source: 'x.gz' }),
    isFormatError(/x\.gz starts with bytes 1f 8b 08 00; expected an IDX magic number/),
  );
  assert.throws(() => parseIdx(idx(0x07, [1], [1])), isFormatError(/type one of/));
});

test('truncated files and trailing bytes are refused with the expected length', () => {
  const good = idx(0x08, [2, 2], [1, 2, 3, 4]);
  assert.throws(
    () => parseIdx(good.subarray(0, 15), { source: 'a' }),
    isFormatError(/a is 15 bytes long \(truncated\); expected exactly 16 bytes for uint8 data of shape \[2, 2\]/),
  );
  const longer = new Uint8Array(17);
  longer.set(good);
  assert.throws(
    () => parseIdx(longer, { source: 'b' }),
    isFormatError(/b is 17 bytes long \(followed by 1 trailing byte\); expected exactly 16/),
  );
  assert.throws(
    () => parseIdx(good.subarray(0, 6)),
    isFormatError(/cut off inside its header; expected 12 header bytes/),
  );
  assert.throws(
    () => parseIdx(good.subarray(0, 2)),
    isFormatError(/2 bytes long; expected at least a 4-byte IDX magic number/),
  );
  // A header that declares an enormous size is refused by length, before anything is allocated.
  assert.throws(() => parseIdx(idx(0x08, [0xffffffff, 0xffffffff, 0xffffffff], [])), isFormatError(/truncated/));
});

test('parseIdxHeader needs only the header bytes', () => {
  const h = parseIdxHeader(idx(0x08, [60000, 28, 28], []));
  assert.deepEqual(h.shape, [60000, 28, 28]);
  assert.equal(h.headerBytes, 16);
  assert.equal(h.totalBytes, 16 + 60000 * 784);
});

test('readIdxFile reads from disk, validates against the file size, and honours limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-idx-'));
  try {
    const good = join(dir, 'good-idx3-ubyte');
    writeFileSync(good, idx(0x08, [3, 1, 2], [1, 2, 3, 4, 5, 6]));
    const all = readIdxFile(good);
    assert.deepEqual(all.shape, [3, 1, 2]);
    assert.deepEqual(Array.from(all.data), [1, 2, 3, 4, 5, 6]);
    const two = readIdxFile(good, { limit: 2 });
    assert.deepEqual(two.shape, [2, 1, 2]);
    assert.deepEqual(Array.from(two.data), [1, 2, 3, 4]);
    const cut = join(dir, 'cut-idx3-ubyte');
    writeFileSync(cut, idx(0x08, [3, 1, 2], [1, 2, 3, 4, 5]));
    assert.throws(
      () => readIdxFile(cut, { limit: 1 }),
      isFormatError(/cut-idx3-ubyte is 21 bytes long \(truncated\); expected exactly 22/),
    );
    const tiny = join(dir, 'tiny');
    writeFileSync(tiny, Uint8Array.from([0, 0, 8]));
    assert.throws(() => readIdxFile(tiny), isFormatError(/tiny is 3 bytes long/));
    const headless = join(dir, 'headless');
    writeFileSync(headless, Uint8Array.from([0, 0, 8, 3, 0, 0]));
    assert.throws(() => readIdxFile(headless), isFormatError(/headless is 6 bytes long, cut off inside its header/));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
