/**
 * Whether the WebGPU backend can run here, for the tests that need it. On machines without a GPU
 * Dawn (the `webgpu` package) finds SwiftShader's Vulkan driver when VK_ICD_FILENAMES names an
 * ICD file pointing at it: scripts/webgpu-env.mjs writes one from Debian's chromium package, and
 * .ci/run exports it. CI sets TESSERA_REQUIRE_WEBGPU=1, so there a missing adapter fails the
 * tests instead of skipping them.
 */
import { spawnSync } from 'node:child_process';

let reason: string | null | undefined;

const probe = `
const pkg = 'webgpu';
const { create, globals } = await import(pkg);
Object.assign(globalThis, globals);
const adapter = await create([]).requestAdapter();
if (!adapter) { console.log('no WebGPU adapter found'); process.exit(3); }
console.log('ok');`;

/** null when a WebGPU adapter is available, else why not (checked once, in a child process). */
export function webgpuSkipReason(): string | null {
  if (reason === undefined) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8', timeout: 60_000 });
    const said = (r.stdout + r.stderr)
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const why =
      said.find((l) => /error|no webgpu|cannot|not found/i.test(l)) ?? said[said.length - 1] ?? `exit ${r.status}`;
    reason = r.status === 0 ? null : `WebGPU unavailable: ${why} (set VK_ICD_FILENAMES, see scripts/webgpu-env.mjs)`;
    if (reason !== null && process.env.TESSERA_REQUIRE_WEBGPU === '1')
      throw new Error(`TESSERA_REQUIRE_WEBGPU=1 but ${reason}`);
  }
  return reason;
}
