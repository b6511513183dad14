// Writes the protocol both sides share (op codes, argument blocks, thread tasks) from
// scripts/wasm-protocol.mjs into assembly/generated/ and src/backend/wasm/generated/ (see
// scripts/generate-protocol.mjs); then compiles the AssemblyScript kernels in assembly/ into the
// four WebAssembly builds the wasm backend chooses from — {plain SIMD, relaxed SIMD} × {private
// memory, shared memory for threads} — and writes them as base64 strings into
// src/backend/wasm/generated/kernels.ts. A TypeScript module (rather than .wasm files read at run
// time) keeps the backend free of Node-only APIs: bundlers and browsers load it like any other
// module.
//
// The output records a hash of the sources, the compiler version and the flags; when nothing
// changed the build is skipped, so `npm test` (which runs this first) stays fast.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { writeProtocol } from './generate-protocol.mjs';
import { buildWorker } from './build-worker.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'assembly');
const outFile = join(root, 'src', 'backend', 'wasm', 'generated', 'kernels.ts');
/** Shared memory must declare a maximum: 2 GiB in 64 KiB pages. */
const SHARED_MAX_PAGES = 32768;

const common = [
  'assembly/index.ts',
  '-o',
  'kernels.wasm',
  '-O3',
  '--noAssert',
  '--runtime',
  'stub',
  '--importMemory',
  '--initialMemory',
  '1',
];
const builds = {
  simd: ['--enable', 'simd'],
  relaxedSimd: ['--enable', 'simd,relaxed-simd'],
  simdShared: ['--enable', 'simd,threads', '--sharedMemory', '--maximumMemory', String(SHARED_MAX_PAGES)],
  relaxedSimdShared: [
    '--enable',
    'simd,relaxed-simd,threads',
    '--sharedMemory',
    '--maximumMemory',
    String(SHARED_MAX_PAGES),
  ],
};

for (const path of writeProtocol(root)) console.log(`build-wasm: wrote ${path}`);
const worker = await buildWorker(root);
if (worker) console.log(`build-wasm: wrote ${worker.path} (${worker.bytes} bytes)`);

/** The .ts files under dir (generated/ included), as paths relative to it, sorted. */
function sources(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? sources(dir, join(prefix, e.name)) : e.name.endsWith('.ts') ? [join(prefix, e.name)] : [],
    )
    .sort();
}

const ascVersion = createRequire(import.meta.url)('assemblyscript/package.json').version;
const hash = createHash('sha256');
/** Bump when the generated file's shape changes, so existing outputs are rewritten. */
const OUTPUT_FORMAT = 3;
hash.update(`asc ${ascVersion}\nformat ${OUTPUT_FORMAT}\n${JSON.stringify({ common, builds })}\n`);
for (const name of sources(sourceDir)) {
  hash.update(`${name}\n`);
  hash.update(readFileSync(join(sourceDir, name)));
}
const digest = hash.digest('hex').slice(0, 16);

if (existsSync(outFile) && readFileSync(outFile, 'utf8').includes(`sourceHash = '${digest}'`)) {
  console.log(`build-wasm: kernels up to date (${digest})`);
  process.exit(0);
}

const { default: asc } = await import('assemblyscript/asc');
const encoded = {};
for (const [name, flags] of Object.entries(builds)) {
  const files = {};
  const errors = [];
  const { error } = await asc.main([...common, ...flags], {
    baseDir: root,
    writeFile: (file, contents) => {
      files[file] = contents;
    },
    stdout: { write: (s) => void process.stdout.write(s) },
    stderr: { write: (s) => void errors.push(String(s)) },
  });
  const bytes = files['kernels.wasm'];
  if (error || !bytes) {
    console.error(errors.join(''));
    console.error(`build-wasm: compiling the ${name} build failed: ${error?.message ?? 'no output'}`);
    process.exit(1);
  }
  encoded[name] = Buffer.from(bytes).toString('base64');
  console.log(`build-wasm: ${name} ${bytes.length} bytes`);
}

/**
 * A shared-memory build differs from its private twin only in the memory import (flags and a
 * maximum), so it is written as an edit of the twin: bytes [start, end) replaced by `bytes`. A
 * browser bundle thus carries two builds, not four (some 34 KiB less gzipped). The edit is
 * computed from the compiled builds, so it is exact whatever differs; a large one is refused.
 */
function editFrom(privateB64, sharedB64) {
  const a = Buffer.from(privateB64, 'base64');
  const b = Buffer.from(sharedB64, 'base64');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let tail = 0;
  while (tail < a.length - start && tail < b.length - start && a[a.length - 1 - tail] === b[b.length - 1 - tail])
    tail++;
  const bytes = b.subarray(start, b.length - tail);
  if (bytes.length > 64) {
    console.error(
      `build-wasm: the shared build differs from the private one in ${bytes.length} bytes; expected only the memory import`,
    );
    process.exit(1);
  }
  return { start, end: a.length - tail, bytes: bytes.toString('hex') };
}
const edits = {
  simd: editFrom(encoded.simd, encoded.simdShared),
  relaxedSimd: editFrom(encoded.relaxedSimd, encoded.relaxedSimdShared),
};

const lines = [
  '// Generated by scripts/build-wasm.mjs from assembly/ (generated/ included): do not edit, do not commit.',
  `export const sourceHash = '${digest}';`,
  '/** Pages (64 KiB) the shared-memory builds may grow to. */',
  `export const sharedMaxPages = ${SHARED_MAX_PAGES};`,
  // Typed as strings, not `as const`: literal types would copy each build into kernels.d.ts.
  '/** The two private-memory builds as base64. */',
  "export const kernelBuilds: Readonly<Record<'simd' | 'relaxedSimd', string>> = {",
  `  simd: '${encoded.simd}',`,
  `  relaxedSimd: '${encoded.relaxedSimd}',`,
  '};',
  '/** Each shared-memory build as an edit of its private twin: bytes [start, end) become `bytes` (hex). */',
  "export const sharedEdits: Readonly<Record<'simd' | 'relaxedSimd', { start: number; end: number; bytes: string }>> = {",
  ...Object.entries(edits).map(([name, e]) => `  ${name}: { start: ${e.start}, end: ${e.end}, bytes: '${e.bytes}' },`),
  '};',
  '',
];
mkdirSync(dirname(outFile), { recursive: true });
const tmp = `${outFile}.tmp`;
writeFileSync(tmp, lines.join('\n'));
renameSync(tmp, outFile);
console.log(`build-wasm: wrote ${outFile} (${digest})`);
