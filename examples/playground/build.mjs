/**
 * Bundles the playground (the page and its worker, each one ES module) into examples/playground/dist
 * with esbuild, beside its HTML and CSS. tessera comes from its built browser entry (dist/src/browser.js:
 * `npm run build` first), aliased as 'tessera' as an app would import it.
 *
 *   node examples/playground/build.mjs [--json]
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
export const playgroundDist = join(here, 'dist');

/** Build into `outdir` (default examples/playground/dist); returns the files written. */
export async function buildPlayground({ outdir = playgroundDist } = {}) {
  const entry = join(root, 'dist', 'src', 'browser.js');
  if (!existsSync(entry))
    throw new Error(`buildPlayground: ${entry} does not exist; expected tessera built first (npm run build)`);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: { main: join(here, 'main.ts'), worker: join(here, 'worker.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    alias: { tessera: entry },
    tsconfig: join(here, 'tsconfig.json'),
    metafile: true,
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'style.css']) copyFileSync(join(here, file), join(outdir, file));
  return { outdir, files: [...Object.keys(result.metafile.outputs), 'index.html', 'style.css'] };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { outdir, files } = await buildPlayground();
  if (process.argv.includes('--json')) console.log(JSON.stringify({ outdir, files }));
  else console.log(`tessera playground: built ${files.length} files into ${outdir}`);
}
