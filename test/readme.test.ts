/** The README's and examples' code is real: run it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers/fixtures.js';

/**
 * The README's ```ts blocks, type-checked as a user's TypeScript would be (strict, against the
 * package's own declarations in dist), then run. The compiler is the `tsc` binary: TypeScript 7
 * (the native compiler this repo builds with) has no stable JavaScript API, and tsc is the
 * compiler users run. It also strips the types, giving the JavaScript that is run.
 */
test('every ts code block in the README type-checks in strict mode and runs', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length > 0, 'README has no ts code blocks');
  const entry = pathToFileURL(join(repoRoot, 'dist', 'src', 'index.js')).href;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-readme-'));
  try {
    const names = blocks.map((code, i) => {
      writeFileSync(join(dir, `block${i}.ts`), code);
      return `block${i}.ts`;
    });
    const compilerOptions = {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022'],
      types: ['node'],
      typeRoots: [join(repoRoot, 'node_modules', '@types')],
      strict: true,
      skipLibCheck: true,
      outDir: join(dir, 'out'),
      // `import … from 'tessera'` resolves to the declarations the package ships.
      paths: { tessera: [join(repoRoot, 'dist', 'src', 'index.d.ts')] },
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: names }));
    const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], {
      encoding: 'utf8',
    });
    assert.equal(tsc.status, 0, `README blocks fail a strict type check:\n${tsc.stdout}${tsc.stderr}`);
    names.forEach((name, i) => {
      const js = readFileSync(join(dir, 'out', name.replace(/\.ts$/, '.js')), 'utf8');
      const file = join(dir, `block${i}.mjs`);
      writeFileSync(file, js.replaceAll(`from 'tessera'`, `from '${entry}'`));
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `README block ${i} failed:\n${r.stderr}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("examples/linear-regression prints the seed's prediction ≈ 15", () => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'examples', 'linear-regression.js')], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const m = r.stdout.match(/prediction for \[\[5, 10\]\] tensor\(\[([\d.]+)\]/);
  assert.ok(m, r.stdout);
  assert.ok(Math.abs(Number(m![1]) - 15) < 0.01, r.stdout);
});
