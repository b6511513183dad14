#!/usr/bin/env node
// Sizes of minified browser bundles of the library (esbuild, platform browser, ESM), raw and
// gzipped: the whole browser entry, a small app that trains a CNN, and tensors alone. Run after
// `npm run build`. Prints a line per bundle, then one JSON object as its last line.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'browser.js');
const apps = {
  'browser entry, everything': `export * from ${JSON.stringify(entry)};`,
  'CNN training app': `import { Sequential, Conv2D, MaxPooling2D, Flatten, Dense, rand, randint, backendReady } from ${JSON.stringify(entry)};
    await backendReady();
    const m = new Sequential([new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      new MaxPooling2D({ poolSize: 2 }), new Flatten(), new Dense({ units: 10, activation: 'softmax' })]);
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy' });
    await m.fit(rand([8, 28, 28, 1]), randint(0, 10, [8]), { epochs: 1 });`,
  'tensors only': `import { tensor, backendReady } from ${JSON.stringify(entry)};
    await backendReady();
    console.log(tensor([1, 2]).add(1).dataSync());`,
};
const sizes = {};
for (const [name, contents] of Object.entries(apps)) {
  const result = await build({
    stdin: { contents, resolveDir: dirname(entry), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
  });
  const code = result.outputFiles[0].contents;
  const kernels = Object.entries(result.metafile.outputs)[0][1].inputs;
  const kernelBytes = Object.entries(kernels)
    .filter(([path]) => path.includes('generated/'))
    .reduce((sum, [, v]) => sum + v.bytesInOutput, 0);
  sizes[name] = {
    rawKiB: +(code.length / 1024).toFixed(1),
    gzipKiB: +(gzipSync(code).length / 1024).toFixed(1),
    kernelsRawKiB: +(kernelBytes / 1024).toFixed(1),
  };
  console.log(
    `${name}: ${sizes[name].rawKiB} KiB raw, ${sizes[name].gzipKiB} KiB gzip (kernels and worker: ${sizes[name].kernelsRawKiB} KiB raw)`,
  );
}
console.log(JSON.stringify(sizes));
