/**
 * The seed CNN trained in headless Chromium (Debian's /usr/bin/chromium, or TESSERA_CHROMIUM)
 * driven by puppeteer-core, both devDependencies of the benchmark and the browser test, imported
 * dynamically and typed here structurally. The page (chromium-page.ts, bundled with esbuild for a
 * browser) is served twice by scripts/serve-static.mjs: cross-origin isolated (SharedArrayBuffer,
 * so the wasm backend's Web Worker threads) and not (one thread).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CnnSteps, CnnStepsOptions } from './cnn-steps.js';

/** dist/src/bench → the repository root. */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function chromiumPath(): string {
  return process.env.TESSERA_CHROMIUM || '/usr/bin/chromium';
}

interface Page {
  on(event: 'console', listener: (message: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', listener: (error: Error) => void): void;
  goto(url: string): Promise<unknown>;
  waitForFunction(expression: string, options?: { timeout?: number }): Promise<unknown>;
  evaluate<T>(fn: (arg: CnnStepsOptions) => Promise<T>, arg: CnnStepsOptions): Promise<T>;
  close(): Promise<void>;
}
interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
interface Puppeteer {
  launch(options: { executablePath: string; headless: boolean; args: string[] }): Promise<Browser>;
}
interface Server {
  url: string;
  close(): Promise<void>;
}
interface Esbuild {
  build(options: Record<string, unknown>): Promise<unknown>;
}

/** One page run: what cnnSteps returned, and the page's console errors and uncaught exceptions. */
export interface PageRun {
  result: CnnSteps;
  errors: string[];
}

export interface ChromiumSession {
  /**
   * Train the seed CNN on the isolated or the plain page (a fresh page each time), on its main
   * thread or in a Web Worker it starts.
   */
  run(isolated: boolean, options: CnnStepsOptions, inWorker?: boolean): Promise<PageRun>;
  close(): Promise<void>;
}

/** Why Chromium cannot be driven here (the reason), or null when it can. */
export async function chromiumMissing(): Promise<string | null> {
  if (!existsSync(chromiumPath())) return `no Chromium at ${chromiumPath()} (set TESSERA_CHROMIUM)`;
  try {
    await import(/* a devDependency */ 'puppeteer-core' as string);
  } catch {
    return 'puppeteer-core is not installed (a devDependency: npm install)';
  }
  return null;
}

// The page is long-running compute: no background throttling of its timers or workers.
const ARGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-timer-throttling'];

export async function openChromium(): Promise<ChromiumSession> {
  const esbuild = (await import('esbuild' as string)) as Esbuild;
  const puppeteer = ((await import('puppeteer-core' as string)) as { default: Puppeteer }).default;
  const serve = (await import(pathToFileURL(join(root, 'scripts', 'serve-static.mjs')).href)) as {
    serveStatic(o: { root: string; isolated: boolean }): Promise<Server>;
  };
  const dir = mkdtempSync(join(tmpdir(), 'tessera-chromium-'));
  const servers: Server[] = [];
  let browser: Browser | null = null;
  const close = async (): Promise<void> => {
    await browser?.close();
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // platform 'browser' fails the build on any Node built-in the page would import.
    await esbuild.build({
      entryPoints: [join(root, 'dist', 'src', 'bench', 'chromium-page.js')],
      outfile: join(dir, 'page.js'),
      bundle: true,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
    });
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="page.js"></script>\n',
    );
    const isolated = await serve.serveStatic({ root: dir, isolated: true });
    servers.push(isolated);
    const plain = await serve.serveStatic({ root: dir, isolated: false });
    servers.push(plain);
    browser = await puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: ARGS });
    const b = browser;
    return {
      close,
      async run(onIsolated, options, inWorker = false) {
        const page = await b.newPage();
        const errors: string[] = [];
        page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
        page.on('pageerror', (e) => void errors.push(String(e)));
        try {
          await page.goto((onIsolated ? isolated : plain).url);
          await page.waitForFunction('globalThis.tesseraCnnSteps !== undefined', { timeout: 30_000 });
          type Steps = (o: CnnStepsOptions) => Promise<CnnSteps>;
          type Entry = { tesseraCnnSteps: Steps; tesseraCnnStepsInWorker: Steps };
          const result = inWorker
            ? await page.evaluate((o) => (globalThis as unknown as Entry).tesseraCnnStepsInWorker(o), options)
            : await page.evaluate((o) => (globalThis as unknown as Entry).tesseraCnnSteps(o), options);
          return { result, errors };
        } finally {
          await page.close();
        }
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
