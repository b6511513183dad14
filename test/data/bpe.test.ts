import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ArgumentError,
  BpeTokenizer,
  CharTokenizer,
  DEFAULT_SPECIAL_TOKENS,
  FormatError,
  bpePieces,
  loadTokenizer,
  mobyDick,
  saveTokenizer,
} from '../../src/index.js';
import { wtf8Bytes, wtf8String } from '../../src/data/text/wtf8.js';

const plain = { specialTokens: [] as string[] };

test('BpeTokenizer.train: the merges of "aaabdaaabac" are the hand-computed ones (ties to smaller ids)', () => {
  // Pairs: aa ×4 → 256. Then (256,a) ×2 and (a,b) ×2 tie: the smaller ids (a,b) → 257. Then
  // (256,257) ×2 → 258; every pair left occurs once, under minFrequency 2.
  const tok = BpeTokenizer.train('aaabdaaabac', { vocabSize: 1000, ...plain });
  assert.deepEqual(tok.merges, [
    [97, 97],
    [97, 98],
    [256, 257],
  ]);
  assert.equal(tok.vocabSize, 259);
  assert.deepEqual([...tok.encode('aaabdaaabac')], [258, 100, 258, 97, 99]);
  assert.equal(tok.decode([258]), 'aaab');
});

test('BpeTokenizer.train: pairs are counted over word frequencies; vocabSize stops the merges', () => {
  // Words: "low" ×1, " low" ×2, " lower" ×1, " lowest" ×1. l-o and o-w both 5: (l,o) → 256;
  // (256,w) 5 → 257; (space,257) 4 → 258; (258,e) 2 → 259; the rest once.
  const text = 'low low low lower lowest';
  assert.deepEqual(bpePieces(text), ['low', ' low', ' low', ' lower', ' lowest']);
  const tok = BpeTokenizer.train(text, { vocabSize: 1000, ...plain });
  assert.deepEqual(tok.merges, [
    [108, 111],
    [256, 119],
    [32, 257],
    [258, 101],
  ]);
  assert.deepEqual([...tok.encode(' lowest')], [259, 115, 116]);
  const two = BpeTokenizer.train(text, { vocabSize: 258, ...plain });
  assert.deepEqual(two.merges, tok.merges.slice(0, 2));
  // With the default special tokens every id moves up by 5: [PAD]=0 … [MASK]=4, byte b = 5 + b.
  const withSpecials = BpeTokenizer.train(text, { vocabSize: 263 });
  assert.deepEqual(withSpecials.specialTokens, DEFAULT_SPECIAL_TOKENS);
  assert.deepEqual(withSpecials.merges[0], [113, 116]);
  assert.deepEqual(withSpecials.merges[1], [261, 124]);
  assert.equal(withSpecials.vocabSize, 263);
});

/** A seeded generator of awkward strings: ASCII, Latin, CJK, emoji (astral), combining marks, lone surrogates. */
function randomStrings(n: number, seed: number): string[] {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const pick = (): string => {
    const r = next();
    if (r < 0.35) return String.fromCharCode(32 + Math.floor(next() * 95));
    if (r < 0.45) return [' ', '  ', '\n', '\t', '\r\n', '\u00a0'][Math.floor(next() * 6)];
    if (r < 0.55) return String.fromCharCode(0xc0 + Math.floor(next() * 0x200));
    if (r < 0.65) return String.fromCharCode(0x4e00 + Math.floor(next() * 0x5000));
    if (r < 0.75) return String.fromCodePoint(0x1f300 + Math.floor(next() * 0x300));
    if (r < 0.8) return String.fromCodePoint(0x10000 + Math.floor(next() * 0xfffff));
    if (r < 0.85) return `e${String.fromCharCode(0x300 + Math.floor(next() * 0x70))}`;
    if (r < 0.9) return String.fromCharCode(0xd800 + Math.floor(next() * 0x800)); // a lone surrogate
    if (r < 0.95) return ["'s", "'ll", '[MASK]', '[PAD', '0123', 'Ishmael'][Math.floor(next() * 6)];
    return String.fromCharCode(Math.floor(next() * 32));
  };
  return Array.from({ length: n }, () => Array.from({ length: Math.floor(next() * 40) }, pick).join(''));
}

test('BpeTokenizer: decode(encode(s)) === s for 200 random strings, astral characters and lone surrogates included', () => {
  const tok = BpeTokenizer.train(mobyDick.loadText({ limit: 3 }), { vocabSize: 600 });
  const strings = randomStrings(200, 7);
  assert.ok(
    strings.some((x) => /[\ud800-\udbff](?![\udc00-\udfff])/.test(x)),
    'some strings hold a lone surrogate',
  );
  for (const s of strings) {
    assert.equal(bpePieces(s).join(''), s, 'the pre-tokenizer loses nothing');
    assert.equal(tok.decode(tok.encode(s)), s, JSON.stringify(s));
    assert.equal(tok.decode(tok.encode(s, { specialTokens: false })), s);
  }
  const all = strings.join('');
  assert.equal(tok.decode(tok.encode(all)), all);
});

test('wtf8: well-formed text gives the bytes of TextEncoder; lone surrogates are 3-byte sequences that come back', () => {
  for (const s of ['', 'abc', 'é', '€', '😀', 'naïve 日本 🐋\n'])
    assert.deepEqual(wtf8Bytes(s), [...new TextEncoder().encode(s)], s);
  assert.deepEqual(wtf8Bytes('\ud800'), [0xed, 0xa0, 0x80]);
  assert.deepEqual(wtf8Bytes('x\udfff'), [0x78, 0xed, 0xbf, 0xbf]);
  assert.equal(wtf8String([0xed, 0xa0, 0x80]), '\ud800');
  // Half a character, an overlong form and a stray continuation byte: U+FFFD, as TextDecoder reads them.
  for (const bytes of [
    [0xe2, 0x82],
    [0x61, 0xc0, 0xaf, 0x62],
    [0x80, 0x61],
    [0xf0, 0x9f, 0x98],
  ])
    assert.equal(wtf8String(bytes), new TextDecoder().decode(new Uint8Array(bytes)).replace(/\ufffd+/g, '\ufffd'));
});

test('BpeTokenizer: special tokens are single ids, never split and never learned from', () => {
  const tok = BpeTokenizer.train('[MASK] the cat [MASK] the hat [MASK] the mat\n'.repeat(20), { vocabSize: 300 });
  for (const [a, b] of tok.merges)
    assert.ok(!new TextDecoder().decode(tok.tokenBytes(a)).includes('[') && tok.tokenBytes(b)[0] !== 0x5b);
  const ids = [...tok.encode('[CLS] the cat[SEP][MASK][MASK]')];
  assert.equal(ids[0], tok.specialId('[CLS]'));
  assert.deepEqual(ids.slice(-3), [3, 4, 4]);
  assert.equal(tok.decode(ids), '[CLS] the cat[SEP][MASK][MASK]');
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), ' the cat');
  const asText = [...tok.encode('[MASK]', { specialTokens: false })];
  assert.ok(asText.length > 1 && asText.every((id) => id >= tok.byteOffset));
  // Longest first: a special token that contains another is matched whole.
  const nested = new BpeTokenizer([], { specialTokens: ['<s>', '<s>x'] });
  assert.deepEqual([...nested.encode('<s>x<s>')], [1, 0]);
});

test('BpeTokenizer.encodeBatch: padded ids and attention masks, truncation, [CLS]/[SEP], errors by name', async () => {
  const tok = BpeTokenizer.train('the cat sat on the mat\n'.repeat(10), { vocabSize: 280 });
  const texts = ['the cat', 'the cat sat on the mat', ''];
  const lengths = texts.map((t) => tok.encode(t).length);
  const longest = tok.encodeBatch(texts);
  assert.deepEqual(longest.ids.shape, [3, Math.max(...lengths)]);
  assert.equal(longest.ids.dtype, 'int32');
  assert.deepEqual(longest.lengths, lengths);
  const ids = (await longest.ids.toArray()) as number[][];
  const mask = (await longest.attentionMask.toArray()) as number[][];
  ids.forEach((row, i) => {
    assert.deepEqual(row.slice(0, lengths[i]), [...tok.encode(texts[i])]);
    assert.ok(
      row.slice(lengths[i]).every((id) => id === 0),
      'padded with [PAD] = 0',
    );
    assert.deepEqual(
      mask[i],
      row.map((_, j) => (j < lengths[i] ? 1 : 0)),
    );
  });
  const wrapped = tok.encodeBatch(texts, {
    maxLength: 4,
    padding: 'max_length',
    truncation: true,
    addSpecialTokens: true,
  });
  assert.deepEqual(wrapped.ids.shape, [3, 4]);
  const w = (await wrapped.ids.toArray()) as number[][];
  assert.deepEqual(w[1], [2, ...tok.encode(texts[1]).slice(0, 2), 3]);
  assert.deepEqual(w[2], [2, 3, 0, 0]);
  assert.deepEqual(await wrapped.attentionMask.toArray(), [
    [1, 1, 1, 1],
    [1, 1, 1, 1],
    [1, 1, 0, 0],
  ]);
  assert.throws(
    () => tok.encodeBatch(texts, { maxLength: 3 }),
    /encodeBatch: text 1 is \d+ tokens, more than maxLength=3/,
  );
  assert.throws(() => tok.encodeBatch(texts, { padding: 'max_length' }), /padding='max_length' without maxLength/);
  assert.throws(() => tok.encodeBatch([]), /expected a non-empty array of strings/);
  assert.throws(() => tok.encodeBatch(['a'], { pad: true } as never), /unknown option 'pad'/);
  assert.throws(
    () => new BpeTokenizer([], { specialTokens: ['[PAD]'] }).encodeBatch(['a'], { addSpecialTokens: true }),
    /no \[CLS\] and \[SEP\]/,
  );
});

test('saveTokenizer/loadTokenizer: a BPE and a character tokenizer come back as they were; bad files are named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bpe-'));
  try {
    const text = mobyDick.loadText({ limit: 1 });
    const bpe = BpeTokenizer.train(text, { vocabSize: 400 });
    saveTokenizer(bpe, join(dir, 'bpe.json'));
    const back = loadTokenizer(join(dir, 'bpe.json'));
    assert.ok(back instanceof BpeTokenizer);
    assert.deepEqual(back.toJSON(), bpe.toJSON());
    assert.deepEqual(back.encode(text), bpe.encode(text));
    const chars = CharTokenizer.fit(text);
    saveTokenizer(chars, join(dir, 'char.json'));
    assert.ok(loadTokenizer(join(dir, 'char.json')) instanceof CharTokenizer);
    writeFileSync(join(dir, 'bad.json'), '{"type":"BpeTokenizer","version":1,"specialTokens":[],"merges":[[300,1]]}');
    assert.throws(
      () => loadTokenizer(join(dir, 'bad.json')),
      (e: Error) => {
        return e instanceof FormatError && /bad\.json has bad merges.*merge 0 is \[300, ?1\]/.test(e.message);
      },
    );
    writeFileSync(join(dir, 'other.json'), '{"type":"WordPiece"}');
    assert.throws(() => loadTokenizer(join(dir, 'other.json')), /other\.json has type "WordPiece"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('BpeTokenizer: bad arguments are errors that say what was expected', () => {
  assert.throws(
    () => BpeTokenizer.train('abc', { vocabSize: 100 }),
    (e: Error) => {
      return e instanceof ArgumentError && /vocabSize=100; expected an integer from 261/.test(e.message);
    },
  );
  assert.throws(() => new BpeTokenizer([[5, 5]], { specialTokens: ['[PAD]', '[PAD]'] }), /listed twice/);
  const tok = new BpeTokenizer([]);
  assert.throws(
    () => tok.decode([0, 261]),
    /id 261 at position 1 is outside the vocabulary; expected integer ids in 0\.\.260/,
  );
  assert.throws(() => tok.encode(3 as never), /BpeTokenizer\.encode: got 3; expected a string/);
});

test('BpeTokenizer: 4,000 tokens learned on the whole of Moby Dick in seconds (time printed, not asserted)', (t) => {
  const text = mobyDick.loadText();
  const t0 = performance.now();
  const tok = BpeTokenizer.train(text, { vocabSize: 4000 });
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(tok.vocabSize, 4000);
  const part = text.slice(0, 200_000);
  const t1 = performance.now();
  const ids = tok.encode(part);
  const encodeSeconds = (performance.now() - t1) / 1000;
  assert.equal(tok.decode(ids), part);
  t.diagnostic(
    `BPE 4000 on Moby Dick (${text.length} chars): trained in ${seconds.toFixed(2)} s; ${(part.length / ids.length).toFixed(2)} chars/token, 200k chars encoded in ${encodeSeconds.toFixed(2)} s`,
  );
});
