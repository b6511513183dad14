#!/usr/bin/env node
/**
 * Where a GPT training step's time goes: builds the `tessera pretrain gpt` default model (4 pre-LN
 * blocks × 4 heads, width 128, context 128, batch 32, tied head, AdamW, gradient clipping) on the
 * active backend, runs a few warm-up steps, then times N steps in all and, with --ops, per backend
 * kernel (each call of a Backend method timed, keyed by method and shape). The per-kernel timing
 * adds a little overhead of its own; the step total is taken without it first.
 *
 * CPU time (worker threads included) is reported too: on a loaded machine it is the steadier
 * measure.
 *
 *   node scripts/profile-gpt-step.mjs [--steps 10] [--ops [--cpu-clock]] [--dropout 0] [--threads 2] [--json]
 * (run `npm run build` first: it imports dist/). TESSERA_BACKEND picks the backend as usual.
 */
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    ops: { type: 'boolean', default: false },
    /** Time each kernel by the process's CPU time instead of wall time (with --threads 1 on a busy machine). */
    'cpu-clock': { type: 'boolean', default: false },
    dropout: { type: 'string', default: '0' },
    threads: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});
const dist = new URL('../dist/src/', import.meta.url);
const load = (path) => import(new URL(path, dist).href);
const { getBackend, setThreads, backendReady } = await load('backend/index.js');
const { manualSeed } = await load('tensor/random.js');
const { backward } = await load('autograd/backward.js');
const { sequenceCrossEntropy } = await load('nn/losses.js');
const { AdamW } = await load('optim/adam.js');
const { clipGradNorm } = await load('optim/clip.js');
const { paramGroupsWithoutDecay } = await load('optim/param-groups.js');
const { WindowSampler } = await load('data/text/windows.js');
const { GPT } = await load('zoo/gpt.js');

setThreads(Number(a.threads));
await backendReady();
manualSeed(0);
const vocabSize = 81;
const config = { vocabSize, context: 128, layers: 4, heads: 4, width: 128, tied: true, dropout: Number(a.dropout) };
const batchSize = 32;
const model = new GPT(config);
const optimizer = new AdamW(paramGroupsWithoutDecay(model), { lr: 1e-3, weightDecay: 0.1 });
const ids = new Int32Array(200_000);
let seed = 12345;
for (let i = 0; i < ids.length; i++) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  ids[i] = (seed >>> 16) % vocabSize;
}
const sampler = new WindowSampler(ids, { batchSize, context: config.context, seed: 1, vocabSize });
const params = model.parameters();
model.train();
let lastLoss = 0;
const step = () => {
  const { inputs, targets } = sampler.next();
  const loss = sequenceCrossEntropy(model.call(inputs), targets);
  optimizer.zeroGrad();
  backward(loss);
  clipGradNorm(params, 1);
  optimizer.step();
  lastLoss = loss.item();
};

const warmup = Number(a.warmup);
const steps = Number(a.steps);
for (let i = 0; i < warmup; i++) step();
const times = [];
// CPU time (this process, its worker threads included) as well as wall time: on a machine shared
// with other work the wall time says more about the neighbours than about the step.
const cpu0 = process.cpuUsage();
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  step();
  times.push(performance.now() - t0);
}
const cpu = process.cpuUsage(cpu0);
times.sort((x, y) => x - y);
const median = times[Math.floor(times.length / 2)];
const mean = times.reduce((s, t) => s + t, 0) / times.length;
const tokens = batchSize * config.context;
const be = getBackend();
const result = {
  backend: be.name,
  msPerStepMedian: +median.toFixed(2),
  msPerStepMean: +mean.toFixed(2),
  msPerStepMin: +times[0].toFixed(2),
  cpuMsPerStep: +((cpu.user + cpu.system) / 1000 / steps).toFixed(2),
  tokensPerSecond: Math.round(tokens / (median / 1000)),
  loss: +lastLoss.toFixed(6),
  load: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)),
};

if (a.ops) {
  // Time every Backend method call, keyed by method and (for the big ones) the shape.
  const stats = new Map();
  const shapeKey = (name, args) => {
    if (name === 'matmul') {
      const m = args[3];
      return `${m.batch}x[${m.m}x${m.k}x${m.n}]${m.transA ? ' tA' : ''}${m.transB ? ' tB' : ''}`;
    }
    if (name === 'unary') return args[0] + ' ' + args[1].length;
    if (name === 'binary') return `${args[0]} [${args[5].join(',')}]`;
    if (name === 'reduce') return `${args[0]} ${args[2]}x${args[3]}x${args[4]}`;
    if (name === 'copyStrided') return `[${args[6].join(',')}]`;
    if (name === 'where') return `[${args[6].join(',')}]`;
    if (name === 'allocate') return '';
    const n = args.find((x) => ArrayBuffer.isView(x));
    return n ? String(n.length) : '';
  };
  const clock = a['cpu-clock']
    ? () => {
        const c = process.cpuUsage();
        return (c.user + c.system) / 1000;
      }
    : () => performance.now();
  const originals = {};
  for (const name of Object.keys(be)) {
    const f = be[name];
    if (typeof f !== 'function' || name === 'sizeOf') continue;
    originals[name] = f;
    be[name] = function (...args) {
      const t0 = clock();
      const r = f.apply(this, args);
      const dt = clock() - t0;
      const key = `${name} ${shapeKey(name, args)}`;
      const s = stats.get(key) ?? { calls: 0, ms: 0 };
      s.calls++;
      s.ms += dt;
      stats.set(key, s);
      return r;
    };
  }
  const t0 = clock();
  for (let i = 0; i < steps; i++) step();
  const total = (clock() - t0) / steps;
  Object.assign(be, originals);
  const rows = [...stats].map(([key, s]) => ({ key, calls: s.calls / steps, ms: s.ms / steps }));
  rows.sort((x, y) => y.ms - x.ms);
  const kernels = rows.reduce((s, r) => s + r.ms, 0);
  const byMethod = new Map();
  for (const r of rows) {
    const m = r.key.split(' ')[0];
    byMethod.set(m, (byMethod.get(m) ?? 0) + r.ms);
  }
  result.profiled = {
    msPerStep: +total.toFixed(2),
    kernelsMs: +kernels.toFixed(2),
    outsideKernelsMs: +(total - kernels).toFixed(2),
  };
  result.byMethod = Object.fromEntries([...byMethod].sort((x, y) => y[1] - x[1]).map(([k, v]) => [k, +v.toFixed(2)]));
  result.top = rows
    .slice(0, 40)
    .map((r) => `${r.ms.toFixed(2).padStart(7)} ms ${String(r.calls).padStart(4)}× ${r.key}`);
}
if (!a.json) {
  for (const [k, v] of Object.entries(result)) {
    if (k === 'top') console.log(v.join('\n'));
    else console.log(k, typeof v === 'object' ? JSON.stringify(v) : v);
  }
}
console.log(JSON.stringify(result));
process.exit(0);
