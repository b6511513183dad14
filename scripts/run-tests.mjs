// Runs every compiled test file under dist/test with node's built-in runner.
// Node 20's `--test` does not expand globs itself, so the file list is built here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) found.push(...collect(full));
    else if (name.endsWith('.test.js')) found.push(full);
  }
  return found;
}

const filter = process.argv[2];
const files = collect('dist/test').filter((f) => !filter || f.includes(filter));
if (files.length === 0) {
  console.error(`run-tests: no test files found under dist/test${filter ? ` matching "${filter}"` : ''}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
