#!/usr/bin/env node
// A tiny static file server (node:http only) for pages that run tessera: with `isolated` it sends
// the two headers that make a page cross-origin isolated (COOP same-origin, COEP require-corp),
// which browsers require before they offer SharedArrayBuffer, and so the wasm backend's Web Worker
// threads. Used by the Chromium test and benchmark; usable by any example.
//
//   node scripts/serve-static.mjs <dir> [--port 8080] [--not-isolated]
//
// As a module: `const server = await serveStatic({ root, isolated: true })` → { url, close() }.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
  '.bin': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
};

/** The headers of a cross-origin-isolated page (and of every resource it loads from here). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * Serve the files under `root` on 127.0.0.1 (`port` 0: any free port). `/` serves index.html.
 * Resolves to { url, port, close }.
 */
export async function serveStatic({ root, port = 0, isolated = true, host = '127.0.0.1' }) {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    const headers = { 'Cache-Control': 'no-store', ...(isolated ? ISOLATION_HEADERS : {}) };
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file = normalize(join(base, path));
      if (file !== base && !file.startsWith(base + sep)) throw Object.assign(new Error('outside'), { code: 'ENOENT' });
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      const missing = err?.code === 'ENOENT' || err?.code === 'EISDIR' || err?.code === 'ENOTDIR';
      res.writeHead(missing ? 404 : 500, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(missing ? 'not found\n' : `error: ${err?.message ?? err}\n`);
    }
  });
  await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, done);
  });
  const actual = server.address().port;
  return {
    url: `http://${host}:${actual}/`,
    port: actual,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const root = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--port') ?? '.';
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args[portAt + 1]) : 8080;
  const isolated = !args.includes('--not-isolated');
  const { url } = await serveStatic({ root, port, isolated });
  console.log(`serving ${resolve(root)} at ${url}${isolated ? ' (cross-origin isolated)' : ''}`);
}
