/**
 * Memory stays flat with no dispose() on every backend: a long training loop
 * (flat-loop.ts) in a fresh process per backend, comparing retained memory after the warm-up
 * with the end. A leaked tensor per step (its object, shape and storage: ≥ 250 bytes) would add
 * ≥ 3.5 MiB of retained heap over the measured 15,000 steps, and a leaked batch tens of MiB; the
 * bound of 2 MiB leaves room for the ±1 MiB that V8's own heap drifts under load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { webgpuSkipReason } from '../helpers/webgpu.js';

const script = fileURLToPath(new URL('./flat-loop.js', import.meta.url));
const MiB = 1024 * 1024;

function loop(
  backend: string,
  steps: number,
): { start: { heap: number; rss: number }; end: { heap: number; rss: number }; backend: string } {
  const r = spawnSync(process.execPath, [script, String(steps)], {
    env: { ...process.env, TESSERA_BACKEND: backend },
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, `${backend}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/**
 * The default run checks every backend; a run on one backend (TESSERA_BACKEND, as .ci/run does for
 * each CPU build) checks that one. WebGPU runs 3,000 steps: on SwiftShader (a CPU emulating the GPU,
 * as on CI) a step takes ~14 ms, and a leak of one buffer per step shows as well in 3,000 steps (20,000 measured by hand: heap +0.25 MiB, RSS +11 MiB from step 5,000 to the end).
 */
const only = process.env.TESSERA_BACKEND;
const STEPS: Record<string, number> = { portable: 20000, wasm: 20000, 'wasm-simd': 20000, webgpu: 3000 };
for (const backend of only ? [only] : ['portable', 'wasm', 'webgpu']) {
  const steps = STEPS[backend] ?? 20000;
  test(`a ${steps.toLocaleString('en')}-step training loop stays flat on ${backend}`, (t) => {
    if (backend === 'webgpu') {
      const why = webgpuSkipReason();
      if (why) return t.skip(why);
    }
    const { start, end, backend: name } = loop(backend, steps);
    const heapGrowth = (end.heap - start.heap) / MiB;
    const rssGrowth = (end.rss - start.rss) / MiB;
    t.diagnostic(
      `${name}: retained heap ${(start.heap / MiB).toFixed(1)} → ${(end.heap / MiB).toFixed(1)} MiB, RSS ${(start.rss / MiB).toFixed(0)} → ${(end.rss / MiB).toFixed(0)} MiB`,
    );
    assert.ok(
      heapGrowth < 2,
      `${name}: retained heap grew by ${heapGrowth.toFixed(2)} MiB over the last ${((steps * 3) / 4).toLocaleString('en')} steps`,
    );
    assert.ok(
      rssGrowth < 32,
      `${name}: RSS grew by ${rssGrowth.toFixed(1)} MiB over the last ${((steps * 3) / 4).toLocaleString('en')} steps`,
    );
  });
}
