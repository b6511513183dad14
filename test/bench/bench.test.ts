import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';
import { getBackend } from '../../src/index.js';
import { measure, median } from '../../src/bench/timing.js';
import { addRatios, formatTable } from '../../src/bench/format.js';
import { gemmRows } from '../../src/bench/gemm.js';
import { convFlop, convRows } from '../../src/bench/conv.js';
import { cnnRows } from '../../src/bench/cnn.js';
import { elementwiseCaseName, elementwiseRows } from '../../src/bench/elementwise.js';
import { memoryBench } from '../../src/bench/memory.js';
import { gptGenerateRows, gptMemoryBench, gptTrainRows } from '../../src/bench/gpt.js';
import { lstmCaseName, lstmRows } from '../../src/bench/lstm.js';
import { bertTrainCaseName, bertTrainingStep, bertTrainRows } from '../../src/bench/bert.js';
import {
  caseTimings,
  coreTypeForFlags,
  findTorchPython,
  runPytorch,
  threadConfigs,
  torchEnvironments,
} from '../../src/bench/pytorch.js';
import { runBench, standardCases } from '../../src/bench/run.js';
import { addPeakShares, peakRows, PEAK_CASE } from '../../src/bench/peak.js';
import { defaultSettings, type BenchSettings, type Row } from '../../src/bench/types.js';

const tiny: BenchSettings = {
  ...defaultSettings(true),
  timing: { warmup: 1, warmupMs: 0, minRuns: 2, maxRuns: 3, budgetMs: 0, capMs: 1000 },
  slowTiming: { warmup: 0, warmupMs: 0, minRuns: 1, maxRuns: 1, budgetMs: 0, capMs: 0 },
  stepTiming: { warmup: 1, warmupMs: 0, minRuns: 1, maxRuns: 2, budgetMs: 0, capMs: 1000 },
  quick: false,
  peers: ['tfjs-cpu', 'tfjs-wasm'],
};
const missing: BenchSettings = {
  ...tiny,
  tfjsModule: '@tensorflow/not-installed-for-this-test',
  pythonCandidates: ['/nonexistent/python3'],
};

const ENGINES = ['tessera', 'tfjs-cpu', 'tfjs-wasm', 'pytorch'];
const FIGURES = ['gflops', 'samplesPerSecond', 'tokensPerSecond', 'ms', 'peakRssMiB', 'ratio'];

/** Every row names its case and engine, and has finite positive figures or says why not. */
function assertWellFormed(rows: readonly Row[], caseName: string): void {
  assert.ok(rows.length > 0);
  for (const row of rows) {
    assert.equal(row.case, caseName);
    assert.ok(ENGINES.includes(row.engine), `engine ${row.engine}`);
    const figures = FIGURES.filter((k) => row[k] !== undefined);
    for (const k of figures)
      assert.ok(Number.isFinite(row[k]) && (row[k] as number) > 0, `${row.engine} ${k} = ${row[k]}`);
    assert.ok(
      figures.length > 0 || (typeof row.note === 'string' && row.note.length > 0),
      `${row.engine}: no figures and no note`,
    );
  }
}

function byEngine(rows: readonly Row[], engine: string): Row {
  const row = rows.find((r) => r.engine === engine);
  assert.ok(row, `no ${engine} row`);
  return row;
}

test('measure: warm-up (a count and a time), then runs between minRuns and maxRuns; a call slower than the cap is timed once', async () => {
  let calls = 0;
  const fast = await measure(() => void calls++, {
    warmup: 2,
    warmupMs: 0,
    minRuns: 3,
    maxRuns: 5,
    budgetMs: 0,
    capMs: 1000,
  });
  assert.equal(fast.runs, 3);
  assert.equal(calls, 5);
  assert.ok(fast.ms >= 0 && fast.peakRssMiB > 0);
  const wait = (ms: number): void => {
    const end = performance.now() + ms;
    while (performance.now() < end);
  };
  calls = 0;
  const slow = await measure(
    () => {
      calls++;
      wait(15);
    },
    { warmup: 2, warmupMs: 1000, minRuns: 5, maxRuns: 10, budgetMs: 0, capMs: 10 },
  );
  assert.equal(slow.runs, 1);
  assert.equal(calls, 1, 'the slow warm-up call is the timed run');
  assert.ok(slow.ms >= 15);
  // Warm-up by time: calls of ~2 ms go on untimed until 30 ms have passed, past the count of 1.
  calls = 0;
  const began = performance.now();
  const warmed = await measure(
    () => {
      calls++;
      wait(2);
    },
    { warmup: 1, warmupMs: 30, minRuns: 2, maxRuns: 2, budgetMs: 0, capMs: 1000 },
  );
  assert.equal(warmed.runs, 2);
  assert.ok(performance.now() - began >= 30 + 2 * 2, 'at least 30 ms of warm-up, then the two timed calls');
  // Each call takes at least 2 ms, so at most 16 fit in the warm-up (fewer on a busy machine).
  assert.ok(
    calls >= 2 + 2 && calls <= 2 + 16,
    `${calls} calls: warm-up calls of 2 ms past the count of 1, then 2 timed`,
  );
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('GEMM rows at a tiny size: tessera and both TensorFlow.js backends, with ratios', async () => {
  const rows = addRatios(await gemmRows({ m: 8, k: 16, n: 4 }, tiny));
  assertWellFormed(rows, 'gemm 8x16x4');
  assert.deepEqual(
    rows.map((r) => r.engine),
    ['tessera', 'tfjs-cpu', 'tfjs-wasm'],
  );
  for (const row of rows) assert.ok(row.gflops !== undefined, `${row.engine}: ${row.note}`);
  const t = byEngine(rows, 'tessera'),
    cpu = byEngine(rows, 'tfjs-cpu');
  assert.ok(
    Math.abs((cpu.ratio as number) - (t.gflops as number) / (cpu.gflops as number)) <= 0.01 * (cpu.ratio as number),
  );
});

test('conv rows at a tiny size; a backend that cannot do the backward pass gets a note', async () => {
  const shape = { x: [2, 6, 5, 3], kernel: [3, 2, 3, 4] } as const;
  assert.equal(convFlop(shape), 3 * 2 * (2 * 4 * 4) * (3 * 2 * 3) * 4);
  const rows = await convRows(shape, tiny);
  assertWellFormed(rows, 'conv fwd+bwd x[2,6,5,3] k[3,2,3,4]');
  assert.ok(byEngine(rows, 'tessera').gflops !== undefined);
  assert.ok(byEngine(rows, 'tfjs-cpu').gflops !== undefined);
  const wasm = byEngine(rows, 'tfjs-wasm');
  if (wasm.gflops === undefined) assert.match(String(wasm.note), /^cannot run this case: .*Conv2DBackprop/);
  const quick = await convRows(shape, { ...tiny, quick: true, peers: ['tfjs-cpu'] });
  assert.match(String(byEngine(quick, 'tfjs-cpu').note), /skipped under --quick/);
});

test('elementwise rows: tessera against its own TypeScript loop (portable) and the peers; the backend is restored', async () => {
  const before = getBackend();
  for (const op of ['relu', 'exp', 'tanh', 'add', 'sum', 'softmax'] as const) {
    const shape = { op, shape: [16, 12] };
    const rows = addRatios(await elementwiseRows(shape, tiny));
    assertWellFormed(rows, elementwiseCaseName(shape));
    assert.deepEqual(
      rows.map((r) => r.engine),
      ['tessera', 'tfjs-cpu', 'tfjs-wasm'],
    );
    const t = byEngine(rows, 'tessera');
    assert.ok(typeof t.typescriptLoopMs === 'number' && t.typescriptLoopMs > 0, `${op}: loop ms ${t.typescriptLoopMs}`);
    const expected = (t.typescriptLoopMs as number) / (t.ms as number);
    assert.ok(
      Math.abs((t.vsTypescriptLoop as number) - expected) <= 0.02 * expected + 0.01,
      `${op}: ${t.vsTypescriptLoop} vs ${expected}`,
    );
    for (const peer of rows.slice(1)) assert.ok(peer.ms !== undefined, `${peer.engine} ${op}: ${peer.note}`);
    assert.equal(getBackend(), before);
  }
  assert.equal(elementwiseCaseName({ op: 'softmax', shape: [32, 10] }), 'softmax last axis [32,10]');
});

test('the seed CNN trains and predicts through the Keras API (batch 2); tfjs-wasm inference runs', async () => {
  const train = await cnnRows('train', 2, { ...tiny, peers: [] });
  assertWellFormed(train, 'mnist cnn training batch 2');
  assert.ok((byEngine(train, 'tessera').samplesPerSecond as number) > 0);
  const infer = await cnnRows('infer', 2, { ...tiny, peers: ['tfjs-wasm'] });
  assertWellFormed(infer, 'mnist cnn inference batch 2');
  assert.ok(byEngine(infer, 'tfjs-wasm').samplesPerSecond !== undefined, String(byEngine(infer, 'tfjs-wasm').note));
});

test('memory benchmark row: RSS and heap at start and end, a trace, the peak', () => {
  const row = memoryBench(60);
  assert.equal(row.case, 'memory 60 training steps');
  assert.equal(row.steps, 60);
  assert.equal(row.rssTraceMiB.length, 20);
  for (const k of ['rssStartMiB', 'rssEndMiB', 'peakRssMiB', 'heapStartMiB', 'heapEndMiB', 'stepsPerSecond'] as const) {
    assert.ok(Number.isFinite(row[k]) && row[k] > 0, `${k} = ${row[k]}`);
  }
});

const TINY_GPT = { vocabSize: 11, context: 20, layers: 1, heads: 2, width: 8 };

test('GPT rows at a tiny size: training and KV-cached generation tokens/second, peak RSS', async () => {
  const train = await gptTrainRows(TINY_GPT, 2, tiny);
  const trainName = 'gpt training (1 layers, 2 heads, width 8, context 20, batch 2)';
  assertWellFormed(train, trainName);
  const t = byEngine(train, 'tessera');
  assert.ok((t.tokensPerSecond as number) > 0 && (t.peakRssMiB as number) > 0, JSON.stringify(t));
  // One timed call is one step of batch × context tokens.
  const expected = (2 * 20) / ((t.ms as number) / 1000);
  assert.ok(
    Math.abs((t.tokensPerSecond as number) - expected) <= 0.02 * expected,
    `${t.tokensPerSecond} vs ${expected}`,
  );
  const gen = await gptGenerateRows(TINY_GPT, tiny);
  assertWellFormed(
    gen,
    'gpt generation batch 1, KV cache (1 layers, 2 heads, width 8, context 20; 16-token prompt + 4 tokens)',
  );
  const g = byEngine(gen, 'tessera');
  const perCall = 4 / ((g.ms as number) / 1000);
  assert.ok(Math.abs((g.tokensPerSecond as number) - perCall) <= 0.02 * perCall, `${g.tokensPerSecond} vs ${perCall}`);
});

const TINY_BERT = { vocabSize: 12, context: 16, layers: 1, heads: 2, width: 16 };

test('BERT pre-training row at a tiny size: tokens/second over every position of the batch, the parameter count', async () => {
  const rows = await bertTrainRows(TINY_BERT, 2, tiny);
  const name = 'bert pre-training (1 layers, 2 heads, width 16, context 16, vocab 12, batch 2)';
  assert.equal(bertTrainCaseName(TINY_BERT, 2), name);
  assertWellFormed(rows, name);
  const t = byEngine(rows, 'tessera');
  const expected = (2 * 16) / ((t.ms as number) / 1000);
  assert.ok(
    Math.abs((t.tokensPerSecond as number) - expected) <= 0.02 * expected,
    `${t.tokensPerSecond} vs ${expected}`,
  );
  assert.equal(t.params, bertTrainingStep(TINY_BERT, 2).model.numParameters());
  assert.match(formatTable(rows), / parameters/);
});

test('the BERT step learns: its masked-token loss starts near ln(vocab) and falls towards ln(7 regular tokens)', () => {
  // The recipe's 200 warm-up steps would leave the learning rate near 0 here: a short schedule instead.
  const { step } = bertTrainingStep(TINY_BERT, 4, { lr: 1e-2, warmupSteps: 1, steps: 100 });
  const losses = Array.from({ length: 40 }, step);
  for (const l of losses) assert.ok(Number.isFinite(l), `loss ${l}`);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(losses.slice(0, 3));
  const last = mean(losses.slice(-10));
  assert.ok(Math.abs(first - Math.log(12)) < 0.3, `first losses ${first} vs ln 12`);
  // Special ids are never targets: learning that alone takes the loss from ln 12 to ln 7.
  assert.ok(last < first - 0.2, `losses ${losses.map((l) => l.toFixed(2)).join(' ')}`);
});

test('GPT memory row: RSS at the start and the end of the training steps, the growth, tokens/second', () => {
  const row = gptMemoryBench(TINY_GPT, 2, 40);
  assert.equal(row.case, 'gpt memory 40 training steps (1 layers, 2 heads, width 8, context 20, batch 2)');
  assert.equal(row.steps, 40);
  for (const k of ['rssStartMiB', 'rssEndMiB', 'peakRssMiB', 'tokensPerSecond', 'stepsPerSecond'])
    assert.ok(Number.isFinite(row[k]) && (row[k] as number) > 0, `${k} = ${row[k]}`);
  assert.ok(
    Math.abs((row.rssGrowthMiB as number) - ((row.rssEndMiB as number) - (row.rssStartMiB as number))) <= 1,
    'the growth, to the rounding of the two figures',
  );
  assert.match(formatTable([row]), /RSS [\d.]+ -> [\d.]+ MiB/);
});

test('LSTM training rows at a tiny size: tessera and both TensorFlow.js backends; tfjs-cpu waits for the full run under --quick', async () => {
  const shape = { batch: 2, time: 3, features: 4, units: 5, classes: 3 };
  const name = lstmCaseName(shape);
  assert.equal(name, 'lstm training batch 2, 3 steps × 4 features, 5 units, dense 3 on the last output');
  const rows = addRatios(await lstmRows(shape, tiny));
  assertWellFormed(rows, name);
  assert.deepEqual(
    rows.map((r) => r.engine),
    ['tessera', 'tfjs-cpu', 'tfjs-wasm'],
  );
  for (const row of rows)
    assert.ok(row.samplesPerSecond !== undefined && row.peakRssMiB !== undefined, `${row.engine}: ${row.note}`);
  assert.ok((byEngine(rows, 'tfjs-wasm').ratio as number) > 0);
  const quick = await lstmRows(shape, { ...tiny, quick: true, peers: ['tfjs-cpu'] });
  assert.match(String(byEngine(quick, 'tfjs-cpu').note), /skipped under --quick/);
});

test('the standard cases include the GPT, BERT and LSTM rows, with PyTorch specs of the pretrain-gpt and pretrain-bert models', () => {
  const cases = standardCases(defaultSettings(true));
  const gpt = cases.filter((c) => c.name.includes('gpt'));
  assert.deepEqual(
    gpt.map((c) => c.torch?.kind ?? null),
    ['gpt-train', 'gpt-generate', null],
  );
  assert.deepEqual(gpt[0].torch, {
    kind: 'gpt-train',
    gpt: { vocabSize: 81, context: 128, layers: 4, heads: 4, width: 128 },
    batch: 32,
  });
  assert.match(gpt[2].name, /^gpt memory 300 training steps/);
  assert.match(
    standardCases(defaultSettings(false)).find((c) => c.name.startsWith('gpt memory'))!.name,
    /^gpt memory 3k/,
  );
  const lstm = cases.filter((c) => c.name.includes('lstm'));
  assert.deepEqual(lstm[0].torch, { kind: 'lstm-train', batch: 32, time: 64, features: 64, units: 256, classes: 10 });
  const settings = defaultSettings(false);
  assert.equal(caseTimings(gpt[0].torch!, settings).timing, settings.stepTiming);
  assert.equal(caseTimings(gpt[0].torch!, settings).screen, settings.stepScreenTiming);
  assert.equal(caseTimings(lstm[0].torch!, settings).timing, settings.timing);
  const bert = cases.filter((c) => c.name.includes('bert'));
  assert.deepEqual(
    bert.map((c) => c.name),
    ['bert pre-training (2 layers, 4 heads, width 128, context 128, vocab 4000, batch 32)'],
  );
  assert.deepEqual(bert[0].torch, {
    kind: 'bert-train',
    bert: { vocabSize: 4000, context: 128, layers: 2, heads: 4, width: 128 },
    batch: 32,
  });
  assert.equal(caseTimings(bert[0].torch!, settings).timing, settings.stepTiming);
  assert.equal(caseTimings(bert[0].torch!, settings).screen, settings.stepScreenTiming);
});

test('a missing peer gives a row with a note, not a throw', async () => {
  const rows = await gemmRows({ m: 4, k: 4, n: 4 }, missing);
  assert.ok(byEngine(rows, 'tessera').gflops !== undefined);
  for (const engine of ['tfjs-cpu', 'tfjs-wasm']) {
    const row = byEngine(rows, engine);
    assert.equal(row.gflops, undefined);
    assert.match(String(row.note), /^not available: .*not-installed-for-this-test/);
  }
  const torch = runPytorch([{ case: 'gemm 4x4x4', spec: { kind: 'gemm', m: 4, k: 4, n: 4 } }], missing);
  assert.equal(torch.length, 1);
  assert.equal(torch[0].engine, 'pytorch');
  assert.match(String(torch[0].note), /^not available: no python with torch \(\/nonexistent\/python3: /);
});

test('ratios are tessera over peer on the shared speed figure; the table groups rows under their case', () => {
  const rows = addRatios([
    { case: 'a', engine: 'tessera', gflops: 10, ms: 2, backend: 'portable', runs: 3 },
    { case: 'a', engine: 'pytorch', gflops: 40, ms: 0.5, threads: 2 },
    { case: 'a', engine: 'tfjs-wasm', note: 'cannot run this case: no kernel' },
    { case: 'b', engine: 'tessera', samplesPerSecond: 300 },
    { case: 'b', engine: 'tfjs-cpu', samplesPerSecond: 1.5 },
    { case: 'c', engine: 'pytorch', ms: 4 },
  ]);
  assert.equal(rows[1].ratio, 0.25);
  assert.equal(rows[2].ratio, undefined);
  assert.equal(rows[4].ratio, 200);
  assert.equal(rows[5].ratio, undefined, 'no tessera row, no ratio');
  const table = formatTable(rows, ['footer line']);
  const lines = table.split('\n');
  assert.match(lines[0], /^\s+engine\s+GFLOP\/s\s+samples\/s\s+ms\s+tessera\/peer\s+note$/);
  assert.doesNotMatch(lines[0], /tokens\/s|peak MiB/, 'columns no row uses are left out');
  assert.deepEqual(
    lines.filter((l) => !l.startsWith(' ')),
    ['a', 'b', 'c', 'footer line'],
  );
  assert.match(table, /\n {2}tessera +10 +2 +portable, 3 runs\n/);
  assert.match(table, /\n {2}pytorch +40 +0\.5 +0\.25x +2 threads\n/);
  assert.match(table, /\n {2}tfjs-wasm +cannot run this case: no kernel\n/);
  assert.match(table, /\n {2}tfjs-cpu +1\.5 +200x\n/);
});

test('runBench runs the selected cases in order, writes the JSON file, and refuses an --only that matches nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  try {
    const order: string[] = [];
    const fake = (name: string, speed: number) => ({
      name,
      run: async (): Promise<Row[]> => {
        order.push(name);
        return [
          { case: name, engine: 'tfjs-cpu', gflops: 1 },
          { case: name, engine: 'tessera', gflops: speed },
        ];
      },
    });
    const out = join(dir, 'r.json');
    const lines: string[] = [];
    const report = await runBench({
      cases: [fake('one', 2), fake('two', 3), fake('three', 4)],
      only: 't',
      outFile: out,
      log: (l) => lines.push(l),
      settings: { peers: [] },
    });
    assert.deepEqual(order, ['two', 'three']);
    assert.deepEqual(
      report.rows.map((r) => `${r.case}/${r.engine}/${r.ratio ?? ''}`),
      ['two/tessera/', 'two/tfjs-cpu/3', 'three/tessera/', 'three/tfjs-cpu/4'],
    );
    const saved = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(saved.rows, report.rows);
    assert.ok(lines.some((l) => l.includes(report.table)));
    await assert.rejects(
      runBench({ cases: [fake('one', 1)], only: 'zzz', outFile: null, log: () => {} }),
      /--only "zzz" matches no case; expected part of one of: one/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tessera bench --json prints one object holding the rows as its last line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  try {
    const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
    const r = spawnSync(
      process.execPath,
      [
        cli,
        'bench',
        '--quick',
        '--json',
        '--only',
        'gemm 32x576x64',
        '--peers',
        'tfjs-wasm',
        '--out',
        join(dir, 'r.json'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const { rows } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { rows: Row[] };
    assert.deepEqual(
      rows.map((row) => row.engine),
      ['tessera', 'tfjs-wasm'],
    );
    assertWellFormed(rows, 'gemm 32x576x64 (dense at batch 32)');
    assert.match(r.stderr, /gemm 32x576x64/, 'the table goes to stderr under --json');
    const bad = spawnSync(process.execPath, [cli, 'bench', '--peers', 'numpy', '--json'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(JSON.parse(bad.stdout.trim()).error, /--peers got "numpy"; expected a comma-separated list/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the PyTorch peer is tried in the environment as given, with the kernel variables unset, and with the family the CPU flags call for', () => {
  const info = (flags: string): string => `processor\t: 0\nflags\t\t: fpu sse2 ${flags}\n`;
  const avx512 = info('avx avx2 fma avx512f avx512dq avx512bw avx512vl');
  assert.equal(coreTypeForFlags(avx512), 'SkylakeX');
  assert.equal(coreTypeForFlags(info('avx avx2 fma')), 'Haswell');
  assert.equal(coreTypeForFlags(info('sse4_2')), null);
  assert.equal(coreTypeForFlags(null), null);
  const plain = torchEnvironments({ PATH: '/bin' }, avx512);
  assert.deepEqual(
    plain.map((e) => e.how),
    ['auto-detected', 'OPENBLAS_CORETYPE=SkylakeX from the CPU flags'],
  );
  assert.deepEqual(plain[1].env, { PATH: '/bin', OPENBLAS_CORETYPE: 'SkylakeX' });
  // A user's (or a machine's) choice is one candidate among three, not the only one.
  const haswell = torchEnvironments(
    { PATH: '/bin', OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '1048576' },
    avx512,
  );
  assert.deepEqual(
    haswell.map((e) => e.how),
    [
      'OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=1048576 as set',
      'auto-detected',
      'OPENBLAS_CORETYPE=SkylakeX from the CPU flags',
    ],
  );
  assert.deepEqual(haswell[1].env, { PATH: '/bin' });
  assert.deepEqual(haswell[2].env, { PATH: '/bin', OPENBLAS_CORETYPE: 'SkylakeX' });
  assert.deepEqual(
    torchEnvironments({ OPENBLAS_CORETYPE: 'SkylakeX' }, avx512).map((e) => e.how),
    ['OPENBLAS_CORETYPE=SkylakeX as set', 'auto-detected'],
  );
  assert.deepEqual(
    torchEnvironments({}, info('sse4_2')).map((e) => e.how),
    ['auto-detected'],
  );
});

test('PyTorch thread configurations: BLAS × torch threads where a case calls BLAS and OpenBLAS can be told, torch threads alone otherwise', () => {
  const openblas = { library: 'OpenBLAS', version: '0.3.21', kernel: 'SkylakeX' };
  assert.deepEqual(threadConfigs({ kind: 'gemm', m: 4, k: 4, n: 4 }, openblas, 2), [
    { blasThreads: 1, torchThreads: 1 },
    { blasThreads: 1, torchThreads: 2 },
    { blasThreads: 2, torchThreads: 1 },
    { blasThreads: 2, torchThreads: 2 },
  ]);
  assert.deepEqual(threadConfigs({ kind: 'elementwise', op: 'exp', shape: [2] }, openblas, 2), [
    { blasThreads: null, torchThreads: 1 },
    { blasThreads: null, torchThreads: 2 },
  ]);
  assert.deepEqual(threadConfigs({ kind: 'cnn-train', batch: 2 }, { library: 'MKL' }, 2), [
    { blasThreads: null, torchThreads: 1 },
    { blasThreads: null, torchThreads: 2 },
  ]);
  assert.deepEqual(threadConfigs({ kind: 'gemm', m: 4, k: 4, n: 4 }, openblas, 1), [
    { blasThreads: 1, torchThreads: 1 },
  ]);
});

/**
 * A stand-in for python with torch, speaking pytorch_bench.py's protocol: OpenBLAS whose kernel is
 * OPENBLAS_CORETYPE (else "Prescott", as old OpenBLAS detects a CPU it does not know). A GEMM is
 * fastest with SkylakeX kernels and 2 BLAS threads; the CNN step with 1 BLAS thread and 2 torch
 * threads; exp with 1 torch thread. Every call is appended to FAKE_LOG.
 */
const FAKE_PYTHON = String.raw`
const { appendFileSync, readFileSync } = require('node:fs');
if (process.argv[2] === '-c') process.exit(0);
const request = JSON.parse(readFileSync(0, 'utf8'));
const kernel = process.env.OPENBLAS_CORETYPE ?? 'Prescott';
appendFileSync(process.env.FAKE_LOG, JSON.stringify({ kernel, screen: !!request.screen, cases: (request.cases ?? []).map((c) => c.case + ':' + c.configs.length), capMs: (request.cases ?? []).map((c) => c.timing.capMs) }) + '\n');
const speed = { SkylakeX: 4, Haswell: 2, Prescott: 1 }[kernel];
const msOf = (spec, c) => spec.kind === 'gemm' ? 100 / (speed * c.blasThreads) : spec.kind === 'cnn-train' ? 10 / c.torchThreads + 5 * (c.blasThreads - 1) : c.torchThreads;
const rows = (request.cases ?? []).map((item) => {
  if (request.screen) return { case: item.case, engine: 'pytorch', candidates: item.configs.map((c) => ({ ...c, ms: msOf(item.spec, c) })) };
  const c = item.configs[0], ms = msOf(item.spec, c);
  return { case: item.case, engine: 'pytorch', gflops: 1000 / ms, ms, runs: 5, torchThreads: c.torchThreads, ...(c.blasThreads === null ? {} : { blasThreads: c.blasThreads }), peakRssMiB: 300 };
});
console.log('torch noise on stdout');
console.log(JSON.stringify({ blas: { library: 'OpenBLAS', version: '0.3.21', kernel }, rows }));
`;

test('the PyTorch peer runs each case in the fastest configuration it tried, and labels the row with what ran (fake python)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-torch-'));
  try {
    const python = join(dir, 'python3');
    writeFileSync(python, `#!${process.execPath}\n${FAKE_PYTHON}`, { mode: 0o755 });
    const logFile = join(dir, 'calls.jsonl');
    const base: NodeJS.ProcessEnv = { ...process.env, FAKE_LOG: logFile };
    delete base.OPENBLAS_CORETYPE;
    // The user's Haswell, OpenBLAS's own (Prescott) and the flags' SkylakeX; SkylakeX twice is run once.
    const environments = [
      { how: 'OPENBLAS_CORETYPE=Haswell as set', env: { ...base, OPENBLAS_CORETYPE: 'Haswell' } },
      { how: 'auto-detected', env: base },
      { how: 'OPENBLAS_CORETYPE=SkylakeX from the CPU flags', env: { ...base, OPENBLAS_CORETYPE: 'SkylakeX' } },
      { how: 'again', env: { ...base, OPENBLAS_CORETYPE: 'SkylakeX' } },
    ];
    const requests = [
      { case: 'g', spec: { kind: 'gemm', m: 8, k: 8, n: 8 } as const },
      { case: 'c', spec: { kind: 'cnn-train', batch: 2 } as const },
      { case: 'e', spec: { kind: 'elementwise', op: 'exp', shape: [4] } as const },
    ];
    const rows = runPytorch(requests, { ...tiny, pythonCandidates: [python] }, { environments, cores: 2 });
    const [g, c, e] = rows;
    assert.equal(g.blas, 'OpenBLAS 0.3.21 SkylakeX kernels (OPENBLAS_CORETYPE=SkylakeX from the CPU flags)');
    assert.equal(g.blasThreads, 2);
    assert.equal(g.gflops, 80);
    assert.equal(g.configs, 12, '3 kernel families × 2 BLAS × 2 torch thread counts');
    assert.equal((g.candidates as unknown[]).length, 12);
    assert.equal(c.blasThreads, 1);
    assert.equal(c.torchThreads, 2);
    assert.match(
      String(c.blas),
      /^OpenBLAS 0\.3\.21 Haswell kernels \(OPENBLAS_CORETYPE=Haswell as set\)$/,
      'a tie goes to the first tried',
    );
    assert.equal(e.blas, 'no BLAS call');
    assert.equal(e.blasThreads, undefined);
    assert.equal(e.torchThreads, 1);
    assert.equal(e.configs, 2, 'no BLAS call: torch threads only, in the first environment only');
    const calls = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kernel: string; screen: boolean; cases: string[] });
    assert.deepEqual(
      calls.map(
        (k) => `${k.kernel} ${k.screen ? 'screen' : k.cases.length ? 'measure' : 'probe'} ${k.cases.join(',')}`,
      ),
      [
        'Haswell probe ',
        'Prescott probe ',
        'SkylakeX probe ',
        'SkylakeX probe ',
        'Haswell screen g:4,c:4,e:2',
        'Prescott screen g:4,c:4',
        'SkylakeX screen g:4,c:4',
        'Haswell measure c:1,e:1',
        'SkylakeX measure g:1',
      ],
    );
    const table = formatTable(rows);
    assert.match(
      table,
      /SkylakeX kernels \(OPENBLAS_CORETYPE=SkylakeX from the CPU flags\), 2 BLAS threads, 1 torch thread, fastest of 12 configurations tried, 5 runs/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the PyTorch peer times a GPT training step with the step timings, both screening and measuring (fake python)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-torch-'));
  try {
    const python = join(dir, 'python3');
    writeFileSync(python, `#!${process.execPath}\n${FAKE_PYTHON}`, { mode: 0o755 });
    const logFile = join(dir, 'calls.jsonl');
    const env: NodeJS.ProcessEnv = { ...process.env, FAKE_LOG: logFile, OPENBLAS_CORETYPE: 'Haswell' };
    const timing = (capMs: number) => ({ warmup: 0, warmupMs: 0, minRuns: 1, maxRuns: 1, budgetMs: 0, capMs });
    const settings: BenchSettings = {
      ...tiny,
      pythonCandidates: [python],
      screenTiming: timing(11),
      stepScreenTiming: timing(22),
      timing: timing(33),
      stepTiming: timing(44),
    };
    const rows = runPytorch(
      [
        {
          case: 'gpt',
          spec: { kind: 'gpt-train', gpt: { vocabSize: 5, context: 4, layers: 1, heads: 1, width: 4 }, batch: 2 },
        },
        { case: 'g', spec: { kind: 'gemm', m: 8, k: 8, n: 8 } },
      ],
      settings,
      { environments: [{ how: 'as set', env }], cores: 2 },
    );
    assert.deepEqual(
      rows.map((r) => r.case),
      ['gpt', 'g'],
    );
    const calls = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { screen: boolean; capMs: number[] });
    assert.deepEqual(
      calls.map((c) => c.capMs),
      [[], [22, 11], [44, 33]],
      'probe, then screening and measuring with each case its own timing',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const torchPython = findTorchPython(defaultSettings(true).pythonCandidates);

test('the real PyTorch peer, where python imports torch (CI has none: skipped there)', {
  skip: 'reason' in torchPython && torchPython.reason,
}, () => {
  const rows = runPytorch(
    [
      { case: 'gemm 64x64x64', spec: { kind: 'gemm', m: 64, k: 64, n: 64 } },
      { case: 'exp', spec: { kind: 'elementwise', op: 'exp', shape: [8, 8] } },
      { case: 'gpt train', spec: { kind: 'gpt-train', gpt: TINY_GPT, batch: 2 } },
      { case: 'gpt generate', spec: { kind: 'gpt-generate', gpt: TINY_GPT, prompt: 16, tokens: 4 } },
      { case: 'lstm', spec: { kind: 'lstm-train', batch: 2, time: 3, features: 4, units: 5, classes: 3 } },
      { case: 'bert', spec: { kind: 'bert-train', bert: TINY_BERT, batch: 2 } },
    ],
    { ...tiny, screenTiming: tiny.timing, stepScreenTiming: tiny.timing },
    { cores: 2 },
  );
  const [g, e, train, gen, lstm, bert] = rows;
  for (const row of [train, gen, bert]) assert.ok((row.tokensPerSecond as number) > 0, JSON.stringify(row));
  // The same encoder on both sides: as many parameters as tessera's BERT.
  assert.equal(bert.params, bertTrainingStep(TINY_BERT, 2).model.numParameters(), JSON.stringify(bert));
  assert.ok((lstm.samplesPerSecond as number) > 0, JSON.stringify(lstm));
  assert.ok((g.gflops as number) > 0, String(g.note));
  assert.ok(g.blas && g.torchThreads, JSON.stringify(g));
  if (String(g.blas).startsWith('OpenBLAS')) assert.ok([1, 2].includes(g.blasThreads as number), JSON.stringify(g));
  assert.equal(e.blas, 'no BLAS call');
  assert.ok((e.ms as number) > 0, String(e.note));
});

test("GFLOP/s rows as a share of the run's own wasm fma peak", () => {
  const rows = addPeakShares([
    { case: PEAK_CASE, engine: 'tessera', gflops: 50 },
    { case: 'g', engine: 'tessera', gflops: 30 },
    { case: 'g', engine: 'pytorch', gflops: 300 },
    { case: 'c', engine: 'tessera', samplesPerSecond: 3 },
  ]);
  assert.deepEqual(
    rows.map((r) => r.wasmPeakPercent),
    [undefined, 60, 600, undefined],
  );
  assert.match(formatTable(rows), /60% of wasm fma peak/);
  assert.equal(addPeakShares([{ case: 'g', engine: 'tessera', gflops: 30 }])[0].wasmPeakPercent, undefined);
});

test('the WebAssembly FMA ceiling row: one thread timed, times the thread count', () => {
  const [row] = peakRows();
  assert.equal(row.case, PEAK_CASE);
  assert.equal(row.engine, 'tessera');
  if (row.gflops === undefined) {
    assert.match(String(row.note), /not available/);
    return;
  }
  assert.ok(typeof row.gflops === 'number' && row.gflops > 0.1, `gflops ${row.gflops}`);
  assert.match(String(row.note), /GFLOP\/s on one thread × \d+/);
});
