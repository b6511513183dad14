/**
 * The browser playground (examples/playground), end to end in Debian's Chromium driven by
 * puppeteer-core: it is built and served (cross-origin isolated), trains the seed CNN on MNIST in
 * its worker with a falling loss, stops, predicts a '1' drawn by synthesised mouse strokes with
 * class probabilities and a heat map, shows the backend and its threads, keeps the model in
 * IndexedDB and as downloaded files and loads it back, and says so when the canvas is empty; a
 * screenshot is saved, and the page logs no console error. Skipped when there is no Chromium,
 * unless TESSERA_REQUIRE_BROWSER=1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'puppeteer-core';
import { repoRoot } from '../helpers/fixtures.js';

const chromium = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium';
const required = process.env.TESSERA_REQUIRE_BROWSER === '1';
const noBrowser = existsSync(chromium)
  ? null
  : `no Chromium at ${chromium} (apt-get install chromium, or set TESSERA_CHROMIUM)`;
const playground = join(repoRoot, 'examples', 'playground');

/** The page's window.playground, as main.ts keeps it. */
interface PageState {
  ready: boolean;
  training: boolean;
  busy: boolean;
  step: number;
  curve: { step: number; loss: number; accuracy: number }[];
  prediction: null | { id: number; digit: number; probabilities: number[]; method: string };
  backend: string;
  threads: number;
}

const state = (page: Page): Promise<PageState> =>
  page.evaluate(() => (globalThis as unknown as { playground: PageState }).playground);

/** Wait for the page's state to satisfy `condition` (a function body over `s`). */
async function until(page: Page, condition: string, timeout = 30_000): Promise<PageState> {
  await page.waitForFunction(`((s) => ${condition})(globalThis.playground)`, { timeout, polling: 50 });
  return state(page);
}

// Code run in the page is passed as strings: these tests compile without the DOM's types.
const text = (page: Page, selector: string): Promise<string> =>
  page.evaluate(`document.querySelector(${JSON.stringify(selector)}).innerText`) as Promise<string>;

/** Wait for the model status line to start with `prefix`. */
const modelStatus = (page: Page, prefix: string): Promise<unknown> =>
  page.waitForFunction(`document.getElementById('model-status').textContent.startsWith(${JSON.stringify(prefix)})`, {
    timeout: 30_000,
  });

test('the playground type-checks against the browser entry (DOM types, no Node types)', () => {
  const r = spawnSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-p', join(playground, 'tsconfig.json')], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `tsc found errors:\n${r.stdout}${r.stderr}`);
});

test('the server: cross-origin isolation headers, MIME types, the MNIST files as binary, nothing outside its folder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-playground-serve-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  writeFileSync(join(dir, 'kernels.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(tmpdir(), 'tessera-outside.txt'), 'secret');
  const { startPlaygroundServer } = await import(pathToFileURL(join(playground, 'serve.mjs')).href);
  const server = await startPlaygroundServer({ port: 0, root: dir });
  try {
    const get = (path: string, method = 'GET'): Promise<Response> => fetch(new URL(path, server.url), { method });
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.equal((await get('/kernels.wasm')).headers.get('content-type'), 'application/wasm');
    const labels = await get('/data/t10k-labels-idx1-ubyte');
    assert.equal(labels.headers.get('content-type'), 'application/octet-stream');
    const bytes = new Uint8Array(await labels.arrayBuffer());
    assert.equal(bytes.length, 8 + 10_000);
    assert.deepEqual([...bytes.subarray(0, 4)], [0, 0, 8, 1]);
    const head = await get('/data/train-images-idx3-ubyte', 'HEAD');
    assert.equal(head.headers.get('content-length'), String(16 + 60_000 * 784));
    for (const path of [
      '/missing.js',
      '/data/package.json',
      '/../tessera-outside.txt',
      '/%2e%2e/tessera-outside.txt',
      '/..%2ftessera-outside.txt',
    ])
      assert.equal((await get(path)).status, 404, path);
    assert.equal((await get('/', 'POST')).status, 405);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(tmpdir(), 'tessera-outside.txt'), { force: true });
  }
});

test('required browser: TESSERA_REQUIRE_BROWSER=1 fails without Chromium', { skip: !required }, () => {
  assert.equal(noBrowser, null, `TESSERA_REQUIRE_BROWSER=1 but ${noBrowser}`);
});

test('the playground trains on MNIST, predicts and explains a drawn digit, keeps the model, and refuses an empty canvas', {
  skip: noBrowser ?? false,
  timeout: 120_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-playground-'));
  const { buildPlayground } = await import(pathToFileURL(join(playground, 'build.mjs')).href);
  const { startPlaygroundServer } = await import(pathToFileURL(join(playground, 'serve.mjs')).href);
  const { outdir } = await buildPlayground({ outdir: join(dir, 'site') });
  const server = await startPlaygroundServer({ port: 0, root: outdir });
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const errors: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page: ${(e as Error).message}`));
    page.on('requestfailed', (r) => errors.push(`request: ${r.url()} ${r.failure()?.errorText}`));
    await page.setViewport({ width: 1200, height: 1000 });
    await page.goto(server.url);

    // The backend and its threads, shown once the worker is up; the page is cross-origin isolated.
    const ready = await until(page, 's.ready');
    const backendLine = await text(page, '#backend');
    assert.match(backendLine, /backend: wasm\S* .*threads: \d+/);
    assert.match(backendLine, /cross-origin isolated: yes/);
    assert.ok(ready.threads >= 1);
    t.diagnostic(backendLine);
    assert.match(await text(page, '#prediction'), /canvas is empty/);

    // Training: a few dozen steps on real MNIST, with a falling loss, then stop (and test).
    await page.click('#train');
    const trained = await until(page, 's.step >= 80 && s.curve.length >= 3', 60_000);
    await page.click('#stop');
    const stopped = await until(page, '!s.training');
    const first = trained.curve[0];
    const last = stopped.curve[stopped.curve.length - 1];
    assert.ok(
      last.loss < first.loss,
      `loss did not fall: ${first.loss} at step ${first.step}, ${last.loss} at ${last.step}`,
    );
    const testLine = await text(page, '#test-accuracy');
    assert.match(testLine, /Test accuracy: [\d.]+%/);
    t.diagnostic(
      `loss ${first.loss.toFixed(3)} (step ${first.step}) → ${last.loss.toFixed(3)} (step ${last.step}); ${testLine}`,
    );

    // A '1' drawn with the mouse: one stroke down the middle of the pad.
    const pad = await page.$('#pad');
    const box = await pad!.boundingBox();
    assert.ok(box);
    await page.mouse.move(box.x + 145, box.y + 40);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + 145 - i * 0.5, box.y + 40 + i * 10);
    await page.mouse.up();
    const drawn = await until(page, 's.prediction !== null && !s.busy');
    const p = drawn.prediction!;
    assert.equal(p.probabilities.length, 10);
    assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    assert.equal(p.digit, p.probabilities.indexOf(Math.max(...p.probabilities)));
    assert.match(await text(page, '#prediction'), new RegExp(`Prediction: ${p.digit} \\(`));
    assert.equal((await page.$$('#probabilities .row')).length, 10);
    t.diagnostic(`drawn '1' predicted as ${p.digit} (${(100 * p.probabilities[p.digit]).toFixed(1)}%)`);
    assert.equal(p.digit, 1, `the drawn '1' was predicted as ${p.digit}: ${p.probabilities.map((v) => v.toFixed(3))}`);

    // The heat map: an upscaled 28×28 picture with more than a handful of colours.
    const heat = (await page.evaluate(`(() => {
        const canvas = document.getElementById('heatmap');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        const colours = new Set();
        for (let i = 0; i < data.length; i += 4) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        return { width: canvas.width, height: canvas.height, colours: colours.size };
      })()`)) as { width: number; height: number; colours: number };
    assert.deepEqual([heat.width, heat.height], [224, 224]);
    assert.ok(heat.colours > 10, `the heat map has ${heat.colours} colours`);
    await page.select('#method', 'saliency');
    await until(page, "s.prediction.method === 'saliency' && !s.busy");
    // Kept after the test (the rest of its folder is removed), for a person or CI to look at.
    const shots = process.env.TESSERA_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'tessera-playground-screenshot-'));
    const screenshot = join(shots, 'playground.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    t.diagnostic(`screenshot: ${screenshot}`);

    // Kept in IndexedDB and loaded back: the same probabilities.
    await page.click('#store');
    await modelStatus(page, 'Saved in this browser');
    const shown = (await state(page)).prediction!;
    await page.click('#restore');
    await modelStatus(page, 'Loaded the model saved');
    const restored = await until(page, `s.prediction.id > ${shown.id} && !s.busy`);
    assert.deepEqual(restored.prediction!.probabilities, p.probabilities);

    // Downloaded as .safetensors + config and uploaded back.
    const downloads = join(dir, 'downloads');
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await page.click('#download');
    const files = ['mnist-cnn.config.json', 'mnist-cnn.safetensors'];
    for (let i = 0; i < 100 && files.some((f) => !existsSync(join(downloads, f))); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(readdirSync(downloads).sort(), files);
    const before = (await state(page)).prediction!;
    const upload = await page.$('#upload');
    await (upload as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(
      ...files.map((f) => join(downloads, f)),
    );
    await modelStatus(page, 'Loaded mnist-cnn.safetensors');
    const uploaded = await until(page, `s.prediction.id > ${before.id} && !s.busy`);
    assert.deepEqual(uploaded.prediction!.probabilities, before.probabilities);

    // Bad input: an empty canvas is said to be empty, not predicted.
    await page.click('#clear');
    await until(page, 's.prediction === null && !s.busy');
    assert.match(await text(page, '#prediction'), /canvas is empty/);
    assert.equal((await page.$$('#probabilities .row')).length, 0);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
