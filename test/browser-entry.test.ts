/**
 * The core must run in a browser unchanged: nothing reachable by imports, static or dynamic, from
 * the browser entry may import a Node built-in (a bundler follows both). Node's built-ins are
 * reached at run time through `process.getBuiltinModule` instead (backend/wasm/node.ts).
 * test/bundle.test.ts checks the same with real bundlers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve, join } from 'node:path';
import { builtinModules } from 'node:module';
import { repoRoot } from './helpers/fixtures.js';

const IMPORT =
  /^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
const builtins = new Set(builtinModules);

function nodeImportsReachableFrom(entry: string): string[] {
  const seen = new Set<string>();
  const offending: string[] = [];
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith('node:') || builtins.has(spec.split('/')[0]))
        offending.push(`${file.slice(repoRoot.length + 1)} imports ${spec}`);
      else if (spec.startsWith('.')) stack.push(resolve(dirname(file), spec));
    }
  }
  assert.ok(seen.size > 20, `only ${seen.size} modules reached: is the entry right?`);
  return offending;
}

test('the browser entry reaches no Node built-in through static or dynamic imports', () => {
  assert.deepEqual(nodeImportsReachableFrom(join(repoRoot, 'dist', 'src', 'browser.js')), []);
});

test('the check sees Node imports where they are (the Node entry has some)', () => {
  assert.ok(nodeImportsReachableFrom(join(repoRoot, 'dist', 'src', 'index.js')).length > 0);
});
