/**
 * 'seed CNN training in Chromium': the seed CNN's training steps/s in headless Chromium, on a
 * cross-origin-isolated page (Web Worker threads; on its main thread and in a Web Worker of its
 * own) and on a plain one (one thread), next to Node's
 * in this same process, timed by the same code (cnn-steps.ts) with the same thread count.
 * Measurements alternate over a few rounds and each keeps its best, so a burst of load from
 * another process skews one side less. Where Chromium or puppeteer-core is missing, the row says so.
 */
import { backendInfo } from '../backend/registry.js';
import { cnnSteps, type CnnSteps } from './cnn-steps.js';
import { chromiumMissing, openChromium } from './chromium.js';
import type { BenchCase, BenchSettings, Row } from './types.js';

const BATCH = 32;
export const CHROMIUM_CNN_CASE = `seed CNN training in Chromium batch ${BATCH}`;

function row(where: string, r: CnnSteps, node?: number): Row {
  return {
    case: CHROMIUM_CNN_CASE,
    engine: 'tessera',
    backend: `${where}: ${r.backend}`,
    samplesPerSecond: Math.round(r.stepsPerSecond * r.batch),
    stepsPerSecond: r.stepsPerSecond,
    ...(node === undefined ? {} : { vsNode: Math.round((r.stepsPerSecond / node) * 100) / 100 }),
    ...(r.workerChunks > 0 ? { workerChunks: r.workerChunks } : {}),
  };
}

async function chromiumCnnRows(settings: BenchSettings): Promise<Row[]> {
  const missing = await chromiumMissing();
  const options = {
    steps: settings.quick ? 10 : 40,
    warmup: settings.quick ? 10 : 20,
    batch: BATCH,
    threads: backendInfo().threads,
  };
  const rounds = settings.quick ? 1 : 3;
  const best = (a: CnnSteps | undefined, b: CnnSteps) => (a && a.stepsPerSecond >= b.stepsPerSecond ? a : b);
  let node: CnnSteps | undefined;
  if (missing) {
    for (let i = 0; i < rounds; i++) node = best(node, await cnnSteps(options));
    return [row('node', node!), { case: CHROMIUM_CNN_CASE, engine: 'tessera', note: `Chromium not run: ${missing}` }];
  }
  const session = await openChromium();
  let isolated: CnnSteps | undefined, inWorker: CnnSteps | undefined, plain: CnnSteps | undefined;
  const errors: string[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      node = best(node, await cnnSteps(options));
      const a = await session.run(true, options);
      const w = await session.run(true, options, true);
      const b = await session.run(false, options);
      isolated = best(isolated, a.result);
      inWorker = best(inWorker, w.result);
      plain = best(plain, b.result);
      errors.push(...a.errors, ...w.errors, ...b.errors);
    }
  } finally {
    await session.close();
  }
  const n = node!.stepsPerSecond;
  const rows = [
    row('node', node!),
    row('chromium isolated, main thread', isolated!, n),
    row('chromium isolated, in a Web Worker', inWorker!, n),
    row('chromium not isolated, main thread', plain!, n),
  ];
  if (errors.length > 0) rows[1].consoleErrors = errors.slice(0, 3).join(' | ');
  return rows;
}

export function chromiumCnnCase(): BenchCase {
  return { name: CHROMIUM_CNN_CASE, run: chromiumCnnRows };
}
