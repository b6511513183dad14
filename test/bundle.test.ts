/**
 * The browser entry must bundle for a browser with mainstream bundlers and no configuration: no
 * externals, no polyfills. Each bundle is built from an app that imports 'tessera' (so the
 * "browser" export condition picks the entry) and re-exports everything (so nothing is shaken
 * off), then checked: no import of a Node built-in, `node:` or bare, and no import left
 * unresolved — static, dynamic or require(). The backend's `getBuiltinModule('node:…')` calls stay
 * in the output: they are run-time probes that return undefined in a browser, not imports.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { rollup, type Plugin, type RollupLog } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { repoRoot } from './helpers/fixtures.js';

let app: string;
let entry: string;

before(() => {
  // An app whose node_modules holds only tessera: a link to this repository.
  app = mkdtempSync(join(tmpdir(), 'tessera-bundle-'));
  writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true, "type": "module" }\n');
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(repoRoot, join(app, 'node_modules', 'tessera'), 'junction');
  entry = join(app, 'app.js');
  writeFileSync(entry, "export * from 'tessera';\n");
});

after(() => rmSync(app, { recursive: true, force: true }));

const BUILTIN = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]));
/** Module specifiers in import positions: `from '…'`, `import '…'`, `import('…')`, `require('…')`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"'\n]+)["']/g;

/** Node built-ins that the code imports or requires, e.g. `node:fs imported`. */
function nodeImportsIn(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(SPECIFIER)) {
    const spec = m[1];
    if (spec.startsWith('node:') || BUILTIN.has(spec) || BUILTIN.has(spec.split('/')[0])) found.add(spec);
  }
  return [...found].sort();
}

function sizes(code: string): string {
  const raw = Buffer.byteLength(code);
  return `${(raw / 1024).toFixed(0)} KiB raw, ${(gzipSync(code).length / 1024).toFixed(0)} KiB gzip`;
}

/**
 * Rollup drops unused code before it writes: a dynamic import of a Node-only module in dead code
 * leaves no trace in the output. This plugin lists every module of the whole graph that stayed
 * external (node-resolve makes built-ins external without a warning).
 */
function externalsOfGraph(found: string[]): Plugin {
  return {
    name: 'externals-of-graph',
    buildEnd() {
      for (const id of this.getModuleIds()) {
        const info = this.getModuleInfo(id);
        if (info?.isExternal)
          found.push(
            `${id} (imported by ${[...info.importers, ...info.dynamicImporters].map((f) => f.slice(repoRoot.length + 1)).join(', ')})`,
          );
      }
    },
  };
}

/**
 * Run the bundle in a fresh Node process: one training step works, and save() — without the Node
 * entry — says what to import instead (esbuild renames the class to _Sequential, hence no anchor).
 */
function runBundle(file: string): void {
  runScript(file, TRAIN_AND_SAVE);
}

const TRAIN_AND_SAVE = `
    const model = new t.Sequential([new t.Dense({ units: 1, inputShape: [2] })]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const h = await model.fit(t.tensor([[1, 2], [3, 4]]), t.tensor([[1], [2]]), { epochs: 1, verbose: 0 });
    if (!Number.isFinite(h.history.loss[0])) throw new Error('no loss');
    try { await model.save('unused'); throw new Error('save worked'); }
    catch (e) { if (!/Sequential.save: .*Node entry/.test(e.message)) throw e; }`;

/** Run `body` (with the bundle imported as `t`) in a fresh Node process; returns its stdout. */
function runScript(file: string, body: string, env: Record<string, string> = {}): string {
  const script = `const t = await import(${JSON.stringify(file)});\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `the bundle did not run:\n${r.stderr}`);
  return r.stdout;
}

test('esbuild bundles the browser entry for a browser, with no Node built-in and nothing external', async (t) => {
  const out = join(app, 'esbuild.js');
  const result = await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    metafile: true,
    logLevel: 'silent',
  });
  const external = Object.values(result.metafile.outputs).flatMap((o) =>
    o.imports.filter((i) => i.external).map((i) => `${i.path} (${i.kind})`),
  );
  assert.deepEqual(external, [], 'imports left unresolved');
  const code = readFileSync(out, 'utf8');
  assert.deepEqual(nodeImportsIn(code), []);
  t.diagnostic(`esbuild: ${sizes(code)}`);
  runBundle(out);
});

test('rollup with node-resolve bundles the browser entry, with no Node built-in and nothing unresolved', async (t) => {
  const warnings: string[] = [];
  const external: string[] = [];
  const bundle = await rollup({
    input: entry,
    plugins: [nodeResolve({ browser: true }), externalsOfGraph(external)],
    onLog: (level: string, log: RollupLog) => {
      if (level === 'warn') warnings.push(`${log.code}: ${log.message}`);
    },
  });
  const out = join(app, 'rollup.js');
  const { output } = await bundle.write({ file: out, format: 'es', inlineDynamicImports: true });
  await bundle.close();
  assert.deepEqual(
    warnings.filter((w) => /UNRESOLVED_IMPORT|MISSING_NODE_BUILTINS/.test(w)),
    [],
  );
  const [chunk] = output.filter((o) => o.type === 'chunk');
  assert.deepEqual(external, [], 'modules left external (anywhere in the graph, tree-shaken or not)');
  assert.deepEqual([...chunk.imports, ...chunk.dynamicImports], [], 'imports left external');
  assert.deepEqual(nodeImportsIn(chunk.code), []);
  const circular = warnings.filter((w) => w.startsWith('CIRCULAR_DEPENDENCY')).length;
  t.diagnostic(`rollup: ${sizes(chunk.code)}; ${circular} circular-import warnings`);
  runBundle(out);
});

test('the check finds Node built-ins in import positions, and only there', () => {
  assert.deepEqual(
    nodeImportsIn(`import { a } from "node:fs"; const p = require('path'); await import("worker_threads");`),
    ['node:fs', 'path', 'worker_threads'],
  );
  assert.deepEqual(nodeImportsIn(`getBuiltinModule("node:v8"); throw new Error("import from 'tessera'");`), []);
});

test('a minified esbuild bundle keeps the names users see: summary() types, error names', async (t) => {
  const out = join(app, 'esbuild.min.js');
  await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'browser', format: 'esm', minify: true });
  const code = readFileSync(out, 'utf8');
  // The check means something only if the minifier did rename the classes.
  assert.doesNotMatch(code, /class Conv2D\b/);
  t.diagnostic(`esbuild --minify (browser entry): ${sizes(code)}`);
  const stdout = runScript(
    out,
    `
    const model = new t.Sequential([
      new t.Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
      new t.MaxPooling2D({ poolSize: 2 }),
      new t.Flatten(),
      new t.Dense({ units: 2 }),
    ]);
    model.compile({ optimizer: 'adam', loss: 'mse' });
    let error;
    try { new t.Dense({ units: -1 }); } catch (e) { error = e; }
    console.log(JSON.stringify({ summary: model.summary({ print: false }), name: error?.name, message: error?.message,
      config: t.layerToConfig(model.layers[0]).className }));`,
    { TESSERA_THREADS: '1' },
  );
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, string>;
  for (const row of ['conv2d (Conv2D)', 'max_pooling2d (MaxPooling2D)', 'flatten (Flatten)', 'dense (Dense)'])
    assert.ok(r.summary.includes(row), `no "${row}" in\n${r.summary}`);
  assert.equal(r.name, 'ArgumentError');
  assert.match(r.message, /^Dense\b/);
  assert.equal(r.config, 'Conv2D');
});

test('a Node bundle (esbuild --platform=node) carries its worker threads, and they run', async () => {
  const out = join(app, 'esbuild-node.mjs');
  const result = await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    metafile: true,
    logLevel: 'silent',
    // The optional WebGPU binding is a native module: it stays a package import.
    external: ['webgpu'],
  });
  assert.ok(Object.keys(result.metafile.outputs).length === 1, 'one file: no worker script beside it');
  const stdout = runScript(
    out,
    `
    await t.backendReady();
    const a = t.rand([256, 256]);
    // On a busy machine the caller may claim every chunk of a product before a worker wakes up.
    for (let i = 0; i < 500 && t.getBackend().workerChunks === 0; i++) a.matmul(a).dataSync();
    const info = t.backendInfo();
    console.log(JSON.stringify({ threads: info.threads, problem: info.threadProblem, chunks: t.getBackend().workerChunks }));`,
    { TESSERA_THREADS: '2', TESSERA_BACKEND: '' },
  );
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    threads: number;
    problem: string | null;
    chunks: number;
  };
  assert.deepEqual({ threads: r.threads, problem: r.problem }, { threads: 2, problem: null });
  assert.ok(r.chunks > 0, 'the workers ran no chunk');
});
