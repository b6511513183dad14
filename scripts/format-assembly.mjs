// Formats the AssemblyScript kernels in assembly/ with Biome, which biome.jsonc leaves out of
// `biome check`: AssemblyScript puts decorators on functions (`@inline function f`), which is no
// TypeScript, so Biome reports each one as a parse error and a check of the folder always fails.
// Fed through standard input with `--format-with-errors`, Biome formats everything else and keeps
// each decorator as written, on a line of its own. Any other parse error stops this script, since
// it would mean Biome misread more than a decorator.
//
//   node scripts/format-assembly.mjs           rewrites the files that are not formatted
//   node scripts/format-assembly.mjs --check   only lists them, and exits 1 if there are any
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');

/** The .ts files under dir, generated/ left out (the build writes it), sorted. */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      if (e.isDirectory()) return e.name === 'generated' ? [] : sources(join(dir, e.name));
      return e.name.endsWith('.ts') ? [join(dir, e.name)] : [];
    })
    .sort();
}

const unformatted = [];
for (const file of sources(join(root, 'assembly'))) {
  const name = relative(root, file);
  const text = readFileSync(file, 'utf8');
  // A path outside assembly/ (which biome.jsonc ignores, so Biome would echo the input unchanged)
  // that still ends in .ts: the root configuration's TypeScript settings apply.
  const result = spawnSync(
    process.execPath,
    [
      biome,
      'format',
      '--format-with-errors=true',
      '--colors=off',
      `--stdin-file-path=assembly-${name.replaceAll('/', '-')}`,
    ],
    { cwd: root, input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const errors = [...result.stderr.matchAll(/^\s*× (.*)$/gm)].map((m) => m[1]);
  const unexpected = errors.filter((e) => e !== 'Decorators are not valid here.');
  if (result.status !== 0 || unexpected.length > 0 || (result.stdout === '' && text !== '')) {
    console.error(result.stderr);
    console.error(`format-assembly: Biome could not format ${name} (exit ${result.status}); see above`);
    process.exit(1);
  }
  if (result.stdout === text) continue;
  unformatted.push(name);
  if (!check) writeFileSync(file, result.stdout);
}

if (check && unformatted.length > 0) {
  console.error(`format-assembly: not formatted (run \`npm run format\`):\n  ${unformatted.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `format-assembly: ${unformatted.length === 0 ? 'all files formatted' : `${check ? 'would format' : 'formatted'} ${unformatted.join(', ')}`}`,
);
