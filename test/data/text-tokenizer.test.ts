import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArgumentError,
  CharTokenizer,
  FormatError,
  ShapeError,
  loadCharTokenizer,
  saveCharTokenizer,
  tensor,
} from '../../src/index.js';
import { random } from '../helpers/seeded.js';

/** A random string of code points from every kind: ASCII, Latin, CJK, combining marks, astral (emoji,
 * math letters), controls, and lone surrogates (which a UTF-16-unit tokenizer would also get right
 * but a code-point one must keep as they are). */
function randomText(rand: () => number, length: number): string {
  const ranges: [number, number][] = [
    [0x00, 0x7f],
    [0xa0, 0x24f],
    [0x300, 0x36f],
    [0x4e00, 0x4e80],
    [0xd800, 0xdfff],
    [0xfff0, 0xffff],
    [0x1f300, 0x1f64f],
    [0x1d400, 0x1d7ff],
    [0x10000, 0x10ffff],
  ];
  let s = '';
  for (let i = 0; i < length; i++) {
    const [lo, hi] = ranges[Math.floor(rand() * ranges.length)];
    s += String.fromCodePoint(lo + Math.floor(rand() * (hi - lo + 1)));
  }
  return s;
}

test('CharTokenizer: one token per code point, ids in code-point order, astral characters whole', () => {
  const text = 'ab🐳a\u{1D54F}b\n';
  const tok = CharTokenizer.fit(text);
  assert.deepEqual(tok.vocab, ['\n', 'a', 'b', '\u{1D54F}', '🐳']);
  assert.equal(tok.vocabSize, 5);
  assert.deepEqual(Array.from(tok.encode(text)), [1, 2, 4, 1, 3, 2, 0]);
  assert.equal(tok.decode([4, 3]), '🐳\u{1D54F}');
  assert.equal(tok.idOf('🐳'), 4);
  assert.equal(tok.idOf('z'), undefined);
  assert.equal(tok.encode('').length, 0);
  assert.equal(tok.decode([]), '');
});

test('CharTokenizer property: decode(encode(s)) === s for 200 random Unicode strings (astral, lone surrogates)', () => {
  const rand = random(20261203);
  for (let k = 0; k < 200; k++) {
    const s = randomText(rand, Math.floor(rand() * 60));
    const tok = CharTokenizer.fit(s);
    const ids = tok.encode(s);
    assert.equal(ids.length, [...s].length, 'one id per code point');
    assert.equal(tok.decode(ids), s);
    assert.equal(tok.decode(Array.from(ids)), s);
    // A tokenizer fitted on several texts encodes each of them, and survives a JSON round trip.
    const other = randomText(rand, 20);
    const both = CharTokenizer.fromJSON(JSON.stringify(CharTokenizer.fit([s, other]).toJSON()));
    assert.equal(both.decode(both.encode(other)), other);
    assert.equal(both.decode(both.encode(s)), s);
  }
});

test('CharTokenizer: encode to an int32 tensor, decode a rank-1 int32 tensor', async () => {
  const tok = CharTokenizer.fit('hello, wörld 🌍');
  const t = tok.encodeTensor('wörld 🌍');
  assert.equal(t.dtype, 'int32');
  assert.deepEqual(t.shape, [7]);
  assert.equal(tok.decode(t), 'wörld 🌍');
  assert.equal(await tok.decodeAsync(t), 'wörld 🌍');
  assert.equal(await tok.decodeAsync([0]), tok.vocab[0]);
  await assert.rejects(tok.decodeAsync([99]), /CharTokenizer\.decodeAsync: id 99 at position 0 is outside/);
  assert.throws(() => tok.decode(tensor([[0, 1]], { dtype: 'int32' })), ShapeError);
  assert.throws(() => tok.decode(tensor([0, 1])), /CharTokenizer\.decode: got a float32 tensor; expected int32/);
});

test('CharTokenizer: unseen characters are an error that names each of them', () => {
  const tok = CharTokenizer.fit('abc');
  assert.throws(
    () => tok.encode('abxcé🐳x'),
    (e: Error) =>
      e instanceof ArgumentError &&
      e.message.startsWith('CharTokenizer.encode: the text has 3 characters the tokenizer never saw: ') &&
      e.message.includes('"x" (U+0078) first at character 2') &&
      e.message.includes('"é" (U+00E9) first at character 4') &&
      e.message.includes('"🐳" (U+1F433) first at character 5') &&
      e.message.includes('3-character vocabulary'),
  );
  const many = CharTokenizer.fit('a');
  assert.throws(() => many.encode('bcdefghijklmn'), /the text has 13 characters .* and 3 more; expected/);
});

test('CharTokenizer { unknown }: unseen characters encode to the unknown id', () => {
  const tok = CharTokenizer.fit('abc', { unknown: '\uFFFD' });
  assert.deepEqual(tok.vocab, ['a', 'b', 'c', '\uFFFD']);
  assert.equal(tok.unknown, '\uFFFD');
  assert.equal(tok.decode(tok.encode('a🐳c')), 'a\uFFFDc');
  const back = CharTokenizer.fromJSON(tok.toJSON());
  assert.equal(back.decode(back.encode('zb')), '\uFFFDb');
  assert.throws(() => CharTokenizer.fit('a', { unknown: 'ab' }), /got unknown="ab"; expected one character/);
  assert.throws(() => CharTokenizer.fit('a', { unkown: '?' } as never), /unknown option 'unkown'/);
});

test('CharTokenizer.decode: ids outside the vocabulary are an error with the id, position and range', () => {
  const tok = CharTokenizer.fit('abc');
  assert.throws(
    () => tok.decode([0, 2, 3]),
    /^ArgumentError: CharTokenizer\.decode: id 3 at position 2 is outside the vocabulary; expected integer ids in 0\.\.2$/,
  );
  assert.throws(() => tok.decode([-1]), /id -1 at position 0/);
  assert.throws(() => tok.decode([1.5]), /id 1\.5 at position 0/);
  assert.throws(() => tok.decode('ab' as never), ArgumentError);
});

test('CharTokenizer: a bad vocabulary is refused', () => {
  assert.throws(() => new CharTokenizer(['a', 'a']), /vocab entries 0 and 1 are both "a" \(U\+0061\)/);
  assert.throws(() => new CharTokenizer(['ab']), /vocab entry 0 is "ab"; expected one character/);
  assert.doesNotThrow(() => new CharTokenizer(['🐳', '\uD800']));
  assert.throws(() => CharTokenizer.fromJSON('{"type":"CharTokenizer","version":2,"vocab":[]}'), FormatError);
  assert.throws(() => CharTokenizer.fromJSON('not json', 'tok.json'), /tok\.json is not valid JSON/);
  assert.throws(() => CharTokenizer.fromJSON({ type: 'CharTokenizer', version: 1, vocab: ['a', 'a'] }), FormatError);
});

test('saveCharTokenizer / loadCharTokenizer: a JSON file, written atomically, read back exactly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-tok-'));
  try {
    const text = 'Call me Ishmael — 🐳\u{1F40B}\uDC00 “whale”\n';
    const tok = CharTokenizer.fit(text);
    const path = join(dir, 'nested', 'tokenizer.json');
    saveCharTokenizer(tok, path);
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['tokenizer.json'], 'no temporary file left');
    const json = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(json.type, 'CharTokenizer');
    const back = loadCharTokenizer(path);
    assert.deepEqual(back.vocab, tok.vocab);
    assert.equal(back.decode(tok.encode(text)), text);
    writeFileSync(path, '{"type":"Other"}');
    assert.throws(
      () => loadCharTokenizer(path),
      (e: Error) => e instanceof FormatError && e.message.includes(path),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
