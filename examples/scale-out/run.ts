/**
 * The scale-out path, end to end: train in tessera, hand the model to PyTorch, continue training
 * there with DistributedDataParallel on several processes, and bring the result back.
 *
 *   node dist/examples/scale-out/run.js [--limit 6000] [--epochs 1] [--ddp-epochs 2] [--processes 2] [--json]
 *
 * 1. tessera trains the seed CNN on `--limit` MNIST images and saves it (runs/scale-out/tessera);
 * 2. `exportPytorch` writes runs/scale-out/pytorch (model.py, PyTorch-named weights), and the
 *    training images go to a safetensors file PyTorch reads (channels first, as PyTorch wants);
 * 3. `torchrun --nproc_per_node=P examples/scale-out/ddp_train.py` checks that the exported model
 *    computes tessera's outputs, trains it with DDP (gloo on CPUs; nccl on GPUs) and saves it;
 * 4. `importPytorch` loads those weights into tessera, which must reproduce PyTorch's outputs, and
 *    the test accuracy before and after is reported.
 * Needs PyTorch (`torchrun` on the PATH, e.g. Debian's python3-torch); steps 1–2 run without it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  exportPytorch,
  importPytorch,
  loadSafetensors,
  manualSeed,
  permute,
  saveModel,
  saveSafetensors,
  sliceAxis,
  sub,
  abs,
  max,
} from '../../src/index.js';
import { loadMnist, seedMnistCnn } from '../../src/zoo/mnist-cnn.js';

const { values } = parseArgs({
  options: {
    limit: { type: 'string', default: '6000' },
    epochs: { type: 'string', default: '1' },
    'ddp-epochs': { type: 'string', default: '2' },
    processes: { type: 'string', default: '2' },
    out: { type: 'string', default: 'runs/scale-out' },
    json: { type: 'boolean', default: false },
  },
});
const log = (line: string): boolean => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
const out = resolve(values.out as string);
const here = dirname(fileURLToPath(import.meta.url));
// dist/examples/scale-out → the source folder, where the Python script lives.
const ddpScript = resolve(here, '../../../examples/scale-out/ddp_train.py');

manualSeed(0);
const data = loadMnist({ limit: Number(values.limit) });
const model = seedMnistCnn();
await model.fit(data.xTrain, data.yTrain, { epochs: Number(values.epochs), batchSize: 64, verbose: 0 });
const before = model.evaluate(data.xTest, data.yTest, { batchSize: 256 });
log(`tessera: ${data.xTrain.shape[0]} images, test accuracy ${(before.accuracy * 100).toFixed(2)}%`);
saveModel(model, join(out, 'tessera'));
const exportDir = join(out, 'pytorch');
exportPytorch(model, exportDir);

// PyTorch reads images channels first; the probe batch checks outputs across the hand-off.
const nchw = (x: typeof data.xTrain) => permute(x, [0, 3, 1, 2]);
const probe = sliceAxis(data.xTest, 0, 0, 32);
const dataFile = join(out, 'data.safetensors');
saveSafetensors(dataFile, {
  x_train: nchw(data.xTrain),
  y_train: data.yTrain,
  x_probe: nchw(probe),
  tessera_probe: model.predict(probe),
});
log(`exported to ${exportDir} (model.py, model.safetensors); data for PyTorch in ${dataFile}`);

const torchrun = spawnSync('torchrun', ['--help'], { stdio: 'ignore' });
if (torchrun.error || torchrun.status !== 0) {
  log('torchrun not found: install PyTorch to run the DistributedDataParallel part');
  if (values.json) console.log(JSON.stringify({ exported: exportDir, torch: false, accuracyBefore: before.accuracy }));
  process.exit(0);
}
const run = spawnSync(
  'torchrun',
  [
    // Stderr teed to the console: torch 1.13's torchrun cannot parse its own default ("0") for these
    // two options on Python >= 3.11 (its Std flag enum no longer lists NONE), so name them.
    '--redirects',
    '2',
    '--tee',
    '2',
    '--standalone',
    `--nproc_per_node=${values.processes}`,
    ddpScript,
    '--export',
    exportDir,
    '--data',
    dataFile,
    '--epochs',
    String(values['ddp-epochs']),
  ],
  { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, stdio: ['ignore', 'pipe', 'inherit'] },
);
if (run.status !== 0) {
  console.error(`torchrun failed with status ${run.status}`);
  process.exit(1);
}
const ddp = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as {
  exportMaxDiff: number;
  losses: number[];
  processes: number;
};
log(
  `PyTorch: exported model vs tessera, max |Δ| = ${ddp.exportMaxDiff.toExponential(2)}; DDP losses ${ddp.losses.map((l) => l.toFixed(4)).join(' → ')}`,
);

const trained = importPytorch(exportDir, { weights: join(exportDir, 'trained.safetensors') });
const torchProbe = loadSafetensors(join(exportDir, 'trained_probe.safetensors')).tensors.probe;
const importMaxDiff = max(abs(sub(trained.predict(probe), torchProbe))).item();
trained.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
const after = trained.evaluate(data.xTest, data.yTest, { batchSize: 256 });
saveModel(trained, join(out, 'tessera-after-ddp'));
log(
  `back in tessera: outputs vs PyTorch max |Δ| = ${importMaxDiff.toExponential(2)}; test accuracy ${(after.accuracy * 100).toFixed(2)}%`,
);
if (!existsSync(join(out, 'tessera-after-ddp', 'model.safetensors'))) process.exit(1);
if (values.json)
  console.log(
    JSON.stringify({
      exported: exportDir,
      torch: true,
      processes: ddp.processes,
      exportMaxDiff: ddp.exportMaxDiff,
      ddpLosses: ddp.losses,
      importMaxDiff,
      accuracyBefore: before.accuracy,
      accuracyAfter: after.accuracy,
    }),
  );
