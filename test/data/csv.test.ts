import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv, parseNumericCsv, parseNumber, bostonHousing, FormatError } from '../../src/index.js';

const isFormatError = (pattern: RegExp) => (e: unknown) => e instanceof FormatError && pattern.test(e.message);

test('header, plain rows, CRLF line ends, a BOM and a trailing newline', () => {
  const t = parseCsv('\ufeffa, b ,c\r\n1,2,3\r\n4,5,6\r\n');
  assert.deepEqual(t.header, ['a', 'b', 'c']);
  assert.deepEqual(t.rows, [
    ['1', '2', '3'],
    ['4', '5', '6'],
  ]);
  assert.deepEqual(t.lines, [2, 3]);
});

test('quoted fields hold commas, doubled quotes and newlines; empty fields stay empty', () => {
  const t = parseCsv('name,note,x\n"Smith, J.","said ""hi""\nthen left",\n"",,"3"\n\nlast,"",4');
  assert.deepEqual(t.rows, [
    ['Smith, J.', 'said "hi"\nthen left', ''],
    ['', '', '3'],
    ['last', '', '4'],
  ]);
  // The multi-line record starts on line 2, so the next one starts on line 4 and the last on 6.
  assert.deepEqual(t.lines, [2, 4, 6]);
});

test('a different delimiter', () => {
  assert.deepEqual(parseCsv('a;b\n1;"x;y"', { delimiter: ';' }).rows, [['1', 'x;y']]);
});

test('malformed rows are refused with the file and line number', () => {
  assert.throws(
    () => parseCsv('a,b\n1,2\n3\n', { source: 'f.csv' }),
    isFormatError(/f\.csv line 3 has 1 fields; expected 2 like the header \(a, b\)/),
  );
  assert.throws(() => parseCsv('a,b\n1,2,3'), isFormatError(/line 2 has 3 fields; expected 2/));
  assert.throws(() => parseCsv('a,b\n1,"open\n\n'), isFormatError(/line 2: a quoted field is never closed/));
  assert.throws(() => parseCsv('a,b\n1,2\n3,"x"y\n'), isFormatError(/line 3: found "y" right after a closing quote/));
  assert.throws(() => parseCsv('a,b\n1,2\n3,x"y\n'), isFormatError(/line 3: a " inside an unquoted field/));
  assert.throws(() => parseCsv('\n\n'), isFormatError(/is empty; expected a header row/));
});

test('numeric conversion accepts numbers in every notation and refuses words with the cell named', () => {
  assert.deepEqual(['1', '-2.5', '+.5', '1e3', '2.E-2', ' 7 ', '0'].map(parseNumber), [1, -2.5, 0.5, 1000, 0.02, 7, 0]);
  assert.ok(Number.isNaN(parseNumber('NaN')));
  assert.equal(parseNumber('-inf'), -Infinity);
  assert.deepEqual(['', 'abc', '1,5', '0x10', '1e', '--1'].map(parseNumber), [null, null, null, null, null, null]);
  const { header, values, rows } = parseNumericCsv('x,y\n1,2\n3.5,-4\n');
  assert.deepEqual([header, Array.from(values), rows], [['x', 'y'], [1, 2, 3.5, -4], 2]);
  assert.throws(
    () => parseNumericCsv('x,y\n1,2\n3,\n', { source: 'd.csv' }),
    isFormatError(/d\.csv line 3, column "y": got ""; expected a number/),
  );
  assert.throws(() => parseNumericCsv('x,y\n1,2\n3,four\n'), isFormatError(/line 3, column "y": got "four"/));
});

test('Boston housing: 506 rows of 13 features and the medv target, first row as published', () => {
  const { features, targets, featureNames, targetName } = bostonHousing.loadData();
  assert.deepEqual(features.shape, [506, 13]);
  assert.deepEqual(targets.shape, [506]);
  assert.equal(features.dtype, 'float32');
  assert.equal(targets.dtype, 'float32');
  assert.deepEqual(featureNames, [
    'crim',
    'zn',
    'indus',
    'chas',
    'nox',
    'rm',
    'age',
    'dis',
    'rad',
    'tax',
    'ptratio',
    'b',
    'lstat',
  ]);
  assert.equal(targetName, 'medv');
  // Harrison & Rubinfeld's first town, as printed in every copy of the data set.
  const first = [0.00632, 18, 2.31, 0, 0.538, 6.575, 65.2, 4.09, 1, 296, 15.3, 396.9, 4.98];
  assert.deepEqual(Array.from(features.dataSync().subarray(0, 13)), first.map(Math.fround));
  assert.equal(targets.dataSync()[0], 24);
  // The well-known mean median value 22.5328 and range 5..50 of medv.
  let sum = 0;
  for (const v of targets.dataSync()) sum += v;
  assert.ok(Math.abs(sum / 506 - 22.5328) < 1e-4, `mean medv ${sum / 506}`);
  assert.deepEqual([Math.min(...targets.dataSync()), Math.max(...targets.dataSync())], [5, 50]);
});

test('Boston loader refuses a CSV without the target column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-csv-'));
  try {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'a,b\n1,2\n');
    assert.throws(
      () => bostonHousing.loadData({ path }),
      isFormatError(/bad\.csv has columns a, b; expected a "medv" target column/),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
