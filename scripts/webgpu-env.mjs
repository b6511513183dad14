// Points Vulkan, and so Dawn's `webgpu` package, at SwiftShader's software Vulkan driver on a
// machine without a GPU, so that the WebGPU tests run instead of skipping. Debian's chromium
// package ships the driver but no ICD manifest for the Vulkan loader, so this writes one into a
// cache folder and prints the shell line that uses it:
//   eval "$(node scripts/webgpu-env.mjs)"
// Prints nothing (and says why on stderr) where no SwiftShader driver is installed
// (apt-get install -y chromium libvulkan1); the WebGPU tests then skip with a reason.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const DRIVERS = [
  '/usr/lib/chromium/libvk_swiftshader.so',
  '/usr/lib/chromium-browser/libvk_swiftshader.so',
  '/opt/google/chrome/libvk_swiftshader.so',
];

const driver = DRIVERS.find((path) => existsSync(path));
if (driver === undefined) {
  console.error(
    `webgpu-env: no SwiftShader Vulkan driver at ${DRIVERS.join(', ')}; install one with: apt-get install -y chromium libvulkan1`,
  );
  process.exit(0);
}
const cache = process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), '.cache') : tmpdir());
const dir = join(cache, 'tessera');
mkdirSync(dir, { recursive: true });
const manifest = join(dir, 'swiftshader_icd.json');
writeFileSync(
  manifest,
  JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: driver, api_version: '1.0.5' } }) + '\n',
);
console.log(`export VK_ICD_FILENAMES='${manifest}'`);
