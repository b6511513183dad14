/**
 * The library in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by
 * puppeteer-core) loads a page bundled from the browser entry with esbuild for a browser (a Node
 * built-in anywhere in it fails that build) and trains a few seed-CNN steps on it. On a
 * cross-origin-isolated page the wasm backend runs on 2 threads and the Web Workers take chunks
 * of the work; on a plain page it runs on one; neither logs a console error. Skipped, with the
 * reason, where Chromium or puppeteer-core is missing, unless TESSERA_REQUIRE_BROWSER=1. The
 * benchmark row built on the same helpers says so where Chromium is missing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumMissing, openChromium, type ChromiumSession } from '../../src/bench/chromium.js';
import { chromiumCnnCase } from '../../src/bench/chromium-cnn.js';
import { defaultSettings } from '../../src/bench/types.js';

const missing = await chromiumMissing();
if (missing && process.env.TESSERA_REQUIRE_BROWSER === '1')
  throw new Error(`TESSERA_REQUIRE_BROWSER=1 but the browser test cannot run: ${missing}`);
const skip = missing ? `skipped: ${missing}` : false;

let session: ChromiumSession | undefined;
before(async () => {
  if (!missing) session = await openChromium();
});
after(async () => {
  await session?.close();
});

const few = { steps: 2, warmup: 1, batch: 32 };

test('an isolated page trains the seed CNN on Web Worker threads, with no console error', { skip }, async () => {
  const { result, errors } = await session!.run(true, { ...few, threads: 2 });
  assert.deepEqual(errors, [], JSON.stringify(result));
  assert.equal(result.crossOriginIsolated, true);
  assert.match(result.backend, /^wasm-(relaxed-)?simd \(2 threads\)$/, result.threadProblem ?? '');
  assert.equal(result.threads, 2);
  assert.equal(result.threadProblem, null);
  assert.ok(result.workerChunks > 0, `the workers ran no chunk: ${JSON.stringify(result)}`);
  assert.ok(result.stepsPerSecond > 0);
});

test('a Web Worker of an isolated page trains on threads too (workers start workers)', { skip }, async () => {
  const { result, errors } = await session!.run(true, { ...few, threads: 2 }, true);
  assert.deepEqual(errors, [], JSON.stringify(result));
  assert.equal(result.crossOriginIsolated, true);
  assert.equal(result.threads, 2, result.threadProblem ?? '');
  assert.ok(result.workerChunks > 0, `the workers ran no chunk: ${JSON.stringify(result)}`);
});

test('a page that is not isolated trains on one thread and says why, with no console error', { skip }, async () => {
  const { result, errors } = await session!.run(false, few);
  assert.deepEqual(errors, [], JSON.stringify(result));
  assert.equal(result.crossOriginIsolated, false);
  assert.match(result.backend, /^wasm-(relaxed-)?simd \(1 thread\)$/);
  assert.equal(result.threads, 1);
  assert.match(result.threadProblem ?? '', /cross-origin isolated/);
  assert.equal(result.workerChunks, 0);
});

test("the benchmark's Chromium row says why when Chromium is missing, next to Node's figure", async () => {
  const saved = process.env.TESSERA_CHROMIUM;
  process.env.TESSERA_CHROMIUM = '/nonexistent/chromium';
  try {
    const rows = await chromiumCnnCase().run(defaultSettings(true));
    assert.equal(rows.length, 2);
    // Node's row names the backend this run uses (portable in CI's TESSERA_BACKEND=portable pass).
    assert.match(String(rows[0].backend), /^node: (wasm|portable)/);
    assert.ok((rows[0].stepsPerSecond as number) > 0);
    assert.match(String(rows[1].note), /^Chromium not run: no Chromium at \/nonexistent\/chromium/);
  } finally {
    if (saved === undefined) delete process.env.TESSERA_CHROMIUM;
    else process.env.TESSERA_CHROMIUM = saved;
  }
});
