/**
 * `tessera report` end to end: a tiny seed CNN trained for 2 epochs on 200 images with a
 * validation split keeps its History and run settings in the model folder; the report's JSON and
 * PNGs are checked, its accuracy against model.evaluate on the same test images, and the page is
 * opened in headless Chromium (puppeteer-core): it renders with no console errors and its plots
 * and images present, and a screenshot is taken. Without Chromium that test is skipped with the
 * reason, unless TESSERA_REQUIRE_BROWSER=1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { decode } from 'fast-png';
import { loadModel, manualSeed, saveModel } from '../../src/index.js';
import { loadMnist, seedMnistCnn, trainMnist } from '../../src/zoo/index.js';
import { repoRoot } from '../helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'tessera-report-'));
const model = join(dir, 'mnist-tiny');
const TEST_IMAGES = 100;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

test.after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; json: Record<string, unknown>; stderr: string } {
  const r = spawnSync(process.execPath, [cli, 'report', ...args, '--json'], { encoding: 'utf8' });
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, `stdout holds only the JSON line under --json, got:\n${r.stdout}`);
  return { status: r.status, json: JSON.parse(lines[0]), stderr: r.stderr };
}

const trained = trainMnist({
  limit: 200,
  epochs: 2,
  batchSize: 32,
  validationSplit: 0.2,
  testLimit: 10,
  out: model,
  verbose: 0,
  seed: 3,
});

test('trainMnist keeps the History and the run settings in the model folder', async () => {
  await trained;
  const h = JSON.parse(readFileSync(join(model, 'history.json'), 'utf8'));
  assert.deepEqual(h.epoch, [0, 1]);
  for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) assert.equal(h.history[key].length, 2, key);
  const r = h.run;
  assert.equal(r.epochs, 2);
  assert.equal(r.batchSize, 32);
  assert.equal(r.limit, 200);
  assert.equal(r.seed, 3);
  assert.equal(r.trainSamples, 160, '200 images less the 20 % held out');
  assert.equal(typeof r.backend, 'string');
  assert.ok(r.seconds > 0 && Math.abs(r.samplesPerSecond - (160 * 2) / r.seconds) < 1e-6);
  assert.ok(!Number.isNaN(Date.parse(r.date)));
});

let reportFile = '';

test('report --png --json: the page, the PNGs, and numbers that agree with evaluate', async () => {
  await trained;
  reportFile = join(dir, 'out', 'report.html');
  const r = run([model, '--limit', String(TEST_IMAGES), '--worst', '6', '--png', '--out', reportFile]);
  assert.equal(r.status, 0, r.stderr);
  const j = r.json;
  assert.deepEqual(Object.keys(j).sort(), ['classes', 'epochs', 'file', 'pngs', 'testAccuracy', 'worst']);
  assert.equal(j.file, reportFile);
  assert.equal(j.epochs, 2);
  const classes = j.classes as { class: string; support: number; precision: number | null; recall: number | null }[];
  assert.equal(classes.length, 10);
  assert.equal(
    classes.reduce((a, c) => a + c.support, 0),
    TEST_IMAGES,
  );
  // The accuracy the model itself reports on the same test images.
  const { xTest, yTest } = loadMnist({ limit: 1, testLimit: TEST_IMAGES });
  const logs = loadModel(model).evaluate(xTest, yTest, { batchSize: 50 });
  assert.ok(Math.abs((j.testAccuracy as number) - logs.accuracy) < 1e-6, `${j.testAccuracy} vs ${logs.accuracy}`);
  const worst = j.worst as { labelProbability: number }[];
  assert.equal(worst.length, 6);
  for (let k = 1; k < worst.length; k++) assert.ok(worst[k - 1].labelProbability <= worst[k].labelProbability);
  const pngs = j.pngs as string[];
  assert.deepEqual(pngs.map((p) => p.slice(join(dir, 'out').length + 1)).sort(), [
    'report-accuracy.png',
    'report-confusion.png',
    'report-loss.png',
  ]);
  for (const p of pngs) assert.ok(decode(readFileSync(p)).width > 100, p);
  const html = readFileSync(reportFile, 'utf8');
  assert.ok(html.includes('class="confusion"') && !html.includes('<script'));
});

test('report of a folder without a history says how to get one', () => {
  const bare = join(dir, 'untrained');
  manualSeed(0);
  saveModel(seedMnistCnn(), bare);
  const r = run([bare, '--limit', '10']);
  assert.equal(r.status, 2);
  assert.match(
    String(r.json.error),
    /tessera report: .*untrained holds a model but no training history \(history\.json\)/,
  );
  assert.match(String(r.json.error), /tessera train mnist --out .*untrained --overwrite/);
  const none = run([join(dir, 'nothing-here')]);
  assert.equal(none.status, 2);
  assert.match(String(none.json.error), /does not exist/);
});

test('the report renders in headless Chromium: no console errors, plots and images present', async (t) => {
  const required = process.env.TESSERA_REQUIRE_BROWSER === '1';
  if (!existsSync(CHROMIUM)) {
    if (required) assert.fail(`TESSERA_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);
    t.skip(
      `no Chromium at ${CHROMIUM} (install chromium or set CHROMIUM_PATH; TESSERA_REQUIRE_BROWSER=1 makes this a failure)`,
    );
    return;
  }
  assert.ok(reportFile !== '' && existsSync(reportFile), 'the report test wrote the page');
  const { launch } = await import('puppeteer-core');
  const browser = await launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(pathToFileURL(reportFile).href, { waitUntil: 'load' });
    // Runs in the page (this project compiles without the DOM types, hence a string).
    const seen = (await page.evaluate(`(() => ({
      charts: [...document.querySelectorAll('svg.chart')].map((s) => s.getBoundingClientRect().width),
      lines: document.querySelectorAll('svg.chart polyline.series').length,
      confusionCells: document.querySelectorAll('svg.confusion rect[fill^="rgb"]').length,
      images: [...document.querySelectorAll('figure.worst-image img')].map((i) => i.naturalWidth),
      accuracy: document.getElementById('test-accuracy')?.textContent ?? '',
    }))()`)) as { charts: number[]; lines: number; confusionCells: number; images: number[]; accuracy: string };
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.deepEqual(errors, [], 'no console errors');
    assert.equal(seen.charts.length, 2, 'loss and accuracy charts');
    for (const w of seen.charts) assert.ok(w > 100, `a chart is laid out (${w} px wide)`);
    assert.equal(seen.lines, 4, 'training and validation curves in both charts');
    assert.equal(seen.confusionCells, 100);
    assert.deepEqual(seen.images, [112, 112, 112, 112, 112, 112], 'the worst images decode (28 × 4 pixels)');
    assert.match(seen.accuracy, /^\d+\.\d\d %$/);
    const png = decode(readFileSync(shot));
    assert.ok(png.width >= 1280 && png.height > 900 && statSync(shot).size > 10_000, 'a full-page screenshot');
  } finally {
    await browser.close();
  }
});
