/**
 * Backend selection: the default is the fastest WebAssembly build, TESSERA_BACKEND and
 * TESSERA_THREADS override it, setBackend / setThreads switch at run time, bad values are
 * refused with a clear error, and a program using worker threads still exits by itself.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import {
  ArgumentError,
  backendInfo,
  backendReady,
  conv2d,
  getBackend,
  matmul,
  portableBackend,
  randn,
  manualSeed,
  setBackend,
  setThreads,
  type Tensor,
} from '../../src/index.js';

const entry = new URL('../../src/index.js', import.meta.url).href;

/** Run a snippet in a fresh Node process with the given environment; returns its stdout. */
function runWith(
  env: Record<string, string>,
  body: string,
  prelude = '',
): { stdout: string; stderr: string; status: number | null } {
  const script = `${prelude}\nconst t = await import(${JSON.stringify(entry)});\n${body}`;
  // Without NODE_TEST_CONTEXT: under `node --test` it would make the child report to the runner.
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...inherited, TESSERA_BACKEND: '', TESSERA_THREADS: '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { stdout: r.stdout.trim(), stderr: r.stderr, status: r.status };
}

test('the default backend is a WebAssembly build with one thread per core; env vars override it', () => {
  const fallback = runWith({}, 'const i = t.backendInfo(); console.log(JSON.stringify(i));');
  assert.equal(fallback.status, 0, fallback.stderr);
  const info = JSON.parse(fallback.stdout) as { name: string; threads: number; fallbackReason: string | null };
  assert.match(info.name, /^wasm-(relaxed-)?simd \(\d+ threads?\)$/);
  assert.equal(info.fallbackReason, null);
  assert.equal(info.threads, availableParallelism());

  const portable = runWith({ TESSERA_BACKEND: 'portable' }, 'console.log(t.getBackend().name);');
  assert.equal(portable.stdout, 'portable', portable.stderr);

  const one = runWith({ TESSERA_THREADS: '1' }, 'console.log(t.getBackend().name);');
  assert.match(one.stdout, /^wasm-(relaxed-)?simd \(1 thread\)$/, one.stderr);

  const plainName = runWith({ TESSERA_BACKEND: 'wasm', TESSERA_THREADS: '3' }, 'console.log(t.getBackend().name);');
  assert.match(plainName.stdout, /\(3 threads\)$/, plainName.stderr);

  const bad = runWith({ TESSERA_BACKEND: 'cuda' }, 't.zeros([2]).add(1);');
  assert.notEqual(bad.status, 0);
  assert.match(
    bad.stderr,
    /TESSERA_BACKEND=cuda: got backend "cuda"; expected 'portable', 'wasm', 'wasm-simd' or 'webgpu'/,
  );

  const plainSimd = runWith({ TESSERA_BACKEND: 'wasm-simd' }, 'console.log(t.getBackend().name);');
  assert.match(plainSimd.stdout, /^wasm-simd \(\d+ threads?\)$/, plainSimd.stderr);

  const badThreads = runWith({ TESSERA_THREADS: 'many' }, 't.zeros([2]).add(1);');
  assert.notEqual(badThreads.status, 0);
  assert.match(badThreads.stderr, /TESSERA_THREADS: got "many"; expected a positive integer/);
});

test('without WebAssembly the portable backend takes over and the reason is recorded', () => {
  const r = runWith({}, 'console.log(JSON.stringify(t.backendInfo()));', 'delete globalThis.WebAssembly;');
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { name: string; fallbackReason: string | null };
  assert.equal(info.name, 'portable');
  assert.match(info.fallbackReason ?? '', /no WebAssembly/);
  const forced = runWith({ TESSERA_BACKEND: 'wasm' }, 't.zeros([2]).add(1);', 'delete globalThis.WebAssembly;');
  assert.notEqual(forced.status, 0);
  assert.match(forced.stderr, /TESSERA_BACKEND=wasm: the WebAssembly backend could not start/);
});

test('where synchronous compilation is refused (a browser main thread), backendReady() brings the wasm backend in', () => {
  // Chrome's main thread refuses new WebAssembly.Module / Instance for modules over 4 KiB.
  const refuse = [
    'const { Module, Instance } = WebAssembly;',
    'WebAssembly.Module = function () { throw new RangeError("WebAssembly.Module is disallowed on the main thread"); };',
    'WebAssembly.Instance = function () { throw new RangeError("WebAssembly.Instance is disallowed on the main thread"); };',
  ].join('\n');
  const r = runWith(
    {},
    [
      'const before = t.backendInfo();',
      'await t.backendReady();',
      'const c = t.matmul(t.ones([2, 3]), t.ones([3, 2]));',
      'console.log(JSON.stringify({ before, after: t.backendInfo(), c: Array.from(c.dataSync()) }));',
    ].join('\n'),
    refuse,
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    before: { name: string; fallbackReason: string };
    after: { name: string; fallbackReason: string | null };
    c: number[];
  };
  assert.equal(out.before.name, 'portable');
  assert.match(out.before.fallbackReason, /disallowed on the main thread/);
  assert.match(out.after.name, /^wasm-/);
  assert.equal(out.after.fallbackReason, null);
  assert.deepEqual(out.c, [3, 3, 3, 3]);
});

test('without SharedArrayBuffer (a browser page that is not cross-origin isolated) the private-memory build trains, agreeing with portable', () => {
  // Each backend runs the same seeded step: a conv layer, a dense product, their gradients and
  // an Adam update; the largest difference from the portable backend is printed.
  const r = runWith(
    { TESSERA_THREADS: '2' },
    [
      'const step = (name) => {',
      '  t.setBackend(name); t.manualSeed(3);',
      '  const x = t.randn([6, 12, 12, 4]), k = t.randn([3, 3, 4, 8]).requiresGrad_(), w = t.randn([800, 5]).requiresGrad_();',
      '  const y = t.matmul(t.reshape(t.relu(t.conv2d(x, k)), [6, 800]), w);',
      '  y.square().mean().backward();',
      '  new t.Adam([k, w], { lr: 0.01 }).step();',
      '  return [y, k, w].map((v) => Array.from(v.dataSync()));',
      '};',
      'const info = (t.setBackend("wasm"), t.backendInfo());',
      'const [p, q] = [step("portable"), step("wasm")];',
      'let worst = 0;',
      'p.forEach((a, i) => a.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - q[i][j]) / (1 + Math.abs(v))); }));',
      'console.log(JSON.stringify({ name: info.name, threads: info.threads, worst }));',
    ].join('\n'),
    'delete globalThis.SharedArrayBuffer;',
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { name: string; threads: number; worst: number };
  assert.match(
    out.name,
    /^wasm-(relaxed-)?simd \(1 thread\)$/,
    'private memory: one thread, even when two are asked for',
  );
  assert.equal(out.threads, 1);
  assert.ok(out.worst < 1e-4, `largest relative difference from portable: ${out.worst}`);
});

test('workers that fail to start are not counted: backendInfo says 1 thread and why, and products still run', () => {
  // Every worker fails: the constructor throws (as a CSP-refused blob: worker does) or the worker
  // reports an error event (as an unloadable script does).
  for (const how of ['throw', 'error event']) {
    const r = runWith(
      { TESSERA_THREADS: '3' },
      [
        'await t.backendReady();',
        'const a = t.rand([128, 128]);',
        'const product = a.matmul(a).sum().item();',
        'const i = t.backendInfo();',
        'console.log(JSON.stringify({ threads: i.threads, name: i.name, problem: i.threadProblem, finite: Number.isFinite(product) }));',
      ].join('\n'),
      how === 'throw'
        ? 'process.getBuiltinModule("node:worker_threads").Worker = class { constructor() { throw new Error("refused"); } };'
        : [
            'const { EventEmitter } = process.getBuiltinModule("node:events");',
            'process.getBuiltinModule("node:worker_threads").Worker = class extends EventEmitter {',
            '  constructor() { super(); setTimeout(() => { this.emit("error", new Error("no script")); this.emit("exit", 1); }, 1); }',
            '  unref() {} terminate() {}',
            '};',
          ].join('\n'),
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { threads: number; name: string; problem: string; finite: boolean };
    assert.equal(out.threads, 1, how);
    assert.match(out.name, /\(1 thread\)$/, how);
    assert.match(
      out.problem,
      how === 'throw' ? /a kernel worker failed: refused/ : /a kernel worker failed: no script/,
    );
    assert.ok(out.finite, how);
  }
});

test('a program that made tensors in the wasm heap gives pending finalizers one more turn before it exits', () => {
  // Node runs a FinalizationRegistry cleanup task still pending when the loop empties while it
  // frees the environment, where JavaScript may not run: "illegal access" on stderr and a failing
  // exit code (1 run in 75 of a test file). The heap keeps the loop alive one turn for it: a second
  // 'beforeExit', and a clean exit.
  const r = runWith(
    {},
    [
      'let turns = 0;',
      'process.on("beforeExit", () => { turns++; });',
      'process.on("exit", () => console.log(turns));',
      'const x = t.randn([64, 64]);',
      'for (let i = 0; i < 200; i++) t.relu(t.add(x, 1));',
    ].join('\n'),
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '2');
  assert.doesNotMatch(r.stderr, /illegal access/);
});

test('a program whose GEMMs ran on worker threads exits on its own', () => {
  const started = performance.now();
  const r = runWith(
    { TESSERA_THREADS: '2' },
    [
      'const a = t.randn([256, 256]);',
      'await t.backendReady();',
      'const c = t.matmul(a, a);',
      'console.log(t.backendInfo().threads, c.shape.join("x"));',
    ].join('\n'),
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '2 256x256');
  assert.ok(performance.now() - started < 15_000);
});

test('setBackend switches by name or object and refuses unknown names; setThreads validates', async () => {
  const before = getBackend();
  try {
    setBackend('portable');
    assert.equal(getBackend(), portableBackend);
    assert.equal(backendInfo().name, 'portable');
    setBackend('wasm');
    assert.match(getBackend().name, /^wasm-/);
    setThreads(2);
    await backendReady();
    assert.equal(backendInfo().threads, 2, backendInfo().threadProblem ?? '');
    setBackend(portableBackend);
    assert.equal(getBackend(), portableBackend);
    setBackend('wasm-simd');
    assert.match(getBackend().name, /^wasm-simd \(/);
    assert.equal(backendInfo().threads, 2, 'setThreads applies to the plain-SIMD build too');
    assert.throws(
      () => setBackend('gpu' as 'wasm'),
      (e: unknown) =>
        e instanceof ArgumentError && /expected 'portable', 'wasm', 'wasm-simd' or 'webgpu'/.test(e.message),
    );
    assert.throws(() => setThreads(0), ArgumentError);
    assert.throws(() => setThreads(1.5), ArgumentError);
  } finally {
    setBackend(before);
  }
});

/** Run fn under each backend and return the float data of the tensors it yields. */
function underBoth(fn: () => Tensor[]): [Float32Array[], Float32Array[]] {
  const before = getBackend();
  try {
    setBackend('portable');
    manualSeed(7);
    const p = fn().map((t) => Float32Array.from(t.dataSync()));
    setBackend('wasm');
    manualSeed(7);
    const w = fn().map((t) => Float32Array.from(t.dataSync()));
    return [p, w];
  } finally {
    setBackend(before);
  }
}

function assertNear(a: Float32Array[], b: Float32Array[], tol: number): void {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => {
    assert.equal(x.length, b[i].length);
    for (let j = 0; j < x.length; j++) {
      assert.ok(
        Math.abs(x[j] - b[i][j]) <= tol * (1 + Math.abs(x[j])),
        `tensor ${i}[${j}]: portable ${x[j]}, wasm ${b[i][j]}`,
      );
    }
  });
}

test('conv2d forward and both gradients, and batched matmul gradients, agree across backends', async () => {
  setThreads(2);
  await backendReady();
  const [p, w] = underBoth(() => {
    // The seed's first conv layer at batch 8, and a strided 'same' conv whose chunks are subarray views.
    const x = randn([8, 28, 28, 1]).requiresGrad_();
    const k = randn([3, 3, 1, 32]).requiresGrad_();
    const y = conv2d(x, k);
    y.square().sum().backward();
    const x2 = randn([3, 9, 9, 5]).requiresGrad_();
    const k2 = randn([3, 3, 5, 7]).requiresGrad_();
    const y2 = conv2d(x2, k2, { strides: 2, padding: 'same' });
    y2.mul(y2).sum().backward();
    const a = randn([4, 3, 17, 33]).requiresGrad_();
    const b = randn([33, 10]).requiresGrad_();
    const c = randn([4, 3, 10, 6]).requiresGrad_();
    const z = matmul(matmul(a, b), c);
    z.sum().backward();
    return [y, x.grad!, k.grad!, y2, x2.grad!, k2.grad!, z, a.grad!, b.grad!, c.grad!];
  });
  assertNear(p, w, 1e-4);
});
