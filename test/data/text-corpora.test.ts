import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArgumentError,
  CharTokenizer,
  MOBY_DICK_SEPARATOR,
  SOTU_SEPARATOR,
  bigramBaseline,
  mobyDick,
  sotu,
  splitTokens,
} from '../../src/index.js';

test('mobyDick: the first sections, in reading order, with their headings', () => {
  const sections = mobyDick.loadSections({ limit: 2 });
  assert.deepEqual(
    sections.map((s) => [s.chapter, s.title]),
    [
      ['1', 'Loomings.'],
      ['2', 'The Carpet-Bag.'],
    ],
  );
  assert.ok(sections[0].text.startsWith('CHAPTER 1. Loomings.\n\nCall me Ishmael. Some years ago—never mind how long'));
  const text = mobyDick.loadText({ limit: 2 });
  assert.equal(text, sections[0].text + MOBY_DICK_SEPARATOR + sections[1].text);
  const front = mobyDick.loadSections({ frontMatter: true, limit: 4 });
  assert.deepEqual(
    front.map((s) => s.chapter),
    ['Contents', 'Etymology', 'Extracts', '1'],
  );
  assert.throws(() => mobyDick.loadText({ limit: 0 }), /mobyDick\.loadText: got limit=0; expected a positive integer/);
  assert.throws(() => mobyDick.loadText({ chapters: 3 } as never), /unknown option 'chapters'/);
});

test('mobyDick: the whole book, 136 sections ending with the epilogue; its bigram baseline is 2.4146 nats/char', () => {
  const sections = mobyDick.loadSections();
  assert.equal(sections.length, 136);
  assert.equal(sections[135].chapter, 'Epilogue');
  const text = mobyDick.loadText();
  assert.equal(text.length, 1191160);
  assert.ok(text.endsWith('only found another orphan.\n'));
  const tok = CharTokenizer.fit(text);
  assert.equal(tok.vocabSize, 81);
  const ids = tok.encode(text);
  assert.equal(tok.decode(ids), text);
  const { validationLoss, uniformLoss } = bigramBaseline(splitTokens(ids), tok);
  // The number a character-level GPT trained on this split must beat (uniform guessing: log 81 = 4.39).
  assert.ok(Math.abs(validationLoss - 2.414622610702093) < 1e-9, String(validationLoss));
  assert.ok(validationLoss < uniformLoss);
});

test('sotu: addresses by year with president and party; the text joins them one per line', () => {
  const speeches = sotu.loadSpeeches({ limit: 3 });
  assert.deepEqual(
    speeches.map((s) => [s.year, s.name, s.party]),
    [
      [1790, 'George Washington', 'none'],
      [1791, 'George Washington', 'none'],
      [1792, 'George Washington', 'none'],
    ],
  );
  assert.ok(speeches[0].text.startsWith('Fellow-Citizens of the Senate and House of Representatives:'));
  assert.equal(SOTU_SEPARATOR, '\n');
  const text = sotu.loadText({ limit: 3 });
  assert.deepEqual(text.split('\n'), [...speeches.map((s) => s.text), '']);
  assert.equal(sotu.loadText({ limit: 2, separator: '\n\n' }), `${speeches[0].text}\n\n${speeches[1].text}\n\n`);
  assert.deepEqual(
    sotu.loadSpeeches({ from: 1953, to: 1954 }).map((s) => [s.year, s.name]),
    [
      [1953, 'Dwight D Eisenhower'],
      [1953, 'Harry S Truman'],
      [1954, 'Dwight D Eisenhower'],
    ],
  );
  assert.throws(() => sotu.loadSpeeches({ from: 2000, to: 1990 }), /from=2000 after to=1990/);
  assert.throws(() => sotu.loadSpeeches({ from: 1700, to: 1780 }), ArgumentError);
  assert.throws(
    () => sotu.loadSpeeches({ separator: '\n' } as never),
    /sotu\.loadSpeeches: unknown option 'separator'/,
  );
});

test('sotu: all 233 addresses 1790–2021, none containing the separator', () => {
  const speeches = sotu.loadSpeeches();
  assert.equal(speeches.length, 233);
  assert.deepEqual([speeches[0].year, speeches[232].year], [1790, 2021]);
  assert.ok(speeches.every((s) => !s.text.includes(SOTU_SEPARATOR)));
});
