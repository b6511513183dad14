/**
 * Every floor's entry (dist/src/<floor>/index.js) works when imported on its own, in a fresh
 * process: nothing in it may lean on a module that only some other entry loads. Tensor methods are
 * the trap: `x.add(y)` is attached by ops/methods.js and `loss.backward()` by autograd/methods.js,
 * as side effects of the ops and autograd entries, so code in nn, optim, keras … that calls them
 * works under the root entry and breaks under its own (keras's fit once failed with "loss.backward
 * is not a function"). Each child imports the entry under test plus, for its inputs, the entries of
 * floors below it — never one above — runs a small call, and prints what it got as JSON; it also
 * reports whether the fluent methods were attached, which for the floors that import neither the
 * ops nor the autograd entry proves the call ran without them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers/fixtures.js';

const entry = (floor: string): string => pathToFileURL(join(repoRoot, 'dist', 'src', floor, 'index.js')).href;

/**
 * Run `body` (an async function body given `imp(floor)` and the tensor entry as `T`) in a fresh
 * node; its JSON result.
 */
function runAlone(body: string): { result: unknown; fluent: string; backward: string } {
  const script = `
    const imp = (floor) => import(${JSON.stringify(entry('FLOOR'))}.replace('/FLOOR/', '/' + floor + '/'));
    const T = await imp('tensor');
    const result = await (async () => { ${body} })();
    process.stdout.write(JSON.stringify({ result, fluent: typeof T.Tensor.prototype.add, backward: typeof T.Tensor.prototype.backward }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(child.status, 0, `the child failed:\n${child.stderr}`);
  return JSON.parse(child.stdout);
}

/** What a floor's small call must give, and whether it may see the fluent methods. */
const FLOORS: [floor: string, body: string, expected: unknown, methods: 'none' | 'ops' | 'both' | 'any'][] = [
  [
    'tensor',
    `return T.tensor([[1, 2], [3, 4]]).toArray();`,
    [
      [1, 2],
      [3, 4],
    ],
    'none',
  ],
  [
    'ops',
    `const ops = await imp('ops'); const x = T.tensor([[1, 2], [3, 4]]); return ops.sum(ops.matmul(x, x)).item();`,
    54,
    'ops',
  ],
  [
    'autograd',
    `const ops = await imp('ops'); const ag = await imp('autograd');
    const x = T.tensor([1, 2, 3], { requiresGrad: true });
    ops.sum(ops.mul(x, x)).backward();
    return [x.grad.toFlatArray(), ag.grad((a) => ops.sum(ops.mul(a, 3)))(x)[0].toFlatArray()];`,
    [
      [2, 4, 6],
      [3, 3, 3],
    ],
    'both',
  ],
  [
    'nn',
    `const nn = await imp('nn');
    const dense = new nn.Dense({ units: 1, kernelInitializer: 'ones', inputShape: [2] });
    return [dense.call(T.tensor([[1, 2]])).item(), nn.meanSquaredError(T.tensor([1, 2]), T.tensor([1, 4])).item()];`,
    [3, 2],
    'none',
  ],
  [
    'optim',
    `const optim = await imp('optim');
    const p = T.tensor([1, 2], { requiresGrad: true });
    p.grad = T.tensor([1, 1]);
    new optim.SGD([p], { lr: 0.5 }).step();
    return p.toFlatArray();`,
    [0.5, 1.5],
    'none',
  ],
  [
    'io',
    `const io = await imp('io'); return io.parseSafetensors(io.serializeSafetensors({ a: T.tensor([1, 2]) })).tensors.a.toFlatArray();`,
    [1, 2],
    'none',
  ],
  [
    'data',
    `const data = await imp('data');
    const loader = new data.DataLoader(new data.TensorDataset(T.tensor([[1], [2], [3]]), T.tensor([0, 1, 0], { dtype: 'int32' })), { batchSize: 2, shuffle: false });
    return [...loader].map(([xb]) => xb.toFlatArray());`,
    [[1, 2], [3]],
    'none',
  ],
  [
    'keras',
    `const nn = await imp('nn'); const keras = await imp('keras');
    T.manualSeed(0);
    const x = T.tensor([[1, 0], [0, 1], [1, 0], [0, 1]]), y = T.tensor([0, 1, 0, 1], { dtype: 'int32' });
    const model = new keras.Sequential([new nn.Dense({ units: 4, activation: 'relu', inputShape: [2] }), new nn.Dense({ units: 2, activation: 'softmax' })]);
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
    const logs = model.evaluate(x, y);
    return [Object.keys(history.history).sort(), Object.keys(logs).sort(), Number.isFinite(logs.loss), model.predict(x).shape];`,
    [['accuracy', 'loss'], ['accuracy', 'loss'], true, [4, 2]],
    'none',
  ],
  [
    'explain',
    `const nn = await imp('nn'); const ex = await imp('explain');
    const dense = new nn.Dense({ units: 2, kernelInitializer: 'ones', inputShape: [2] });
    const x = T.tensor([[1, 2]]);
    return [ex.saliency(dense, x, { target: 0 }).attributions.toFlatArray(), ex.integratedGradients(dense, x, { target: 0, steps: 4 }).attributions.toFlatArray()];`,
    [
      [1, 1],
      [1, 2],
    ],
    'none',
  ],
  [
    'zoo',
    `const zoo = await imp('zoo');
    const r = zoo.trainSeedLinearRegression({ epochs: 2 });
    return [r.theta.length, r.epochs, Number.isFinite(r.prediction), typeof zoo.seedMnistCnn];`,
    [2, 2, true, 'function'],
    'any',
  ],
];

for (const [floor, body, expected, methods] of FLOORS) {
  test(`dist/src/${floor}/index.js works imported on its own`, () => {
    const got = runAlone(body);
    assert.deepEqual(got.result, expected);
    if (methods === 'none')
      assert.deepEqual(
        [got.fluent, got.backward],
        ['undefined', 'undefined'],
        'no fluent method was attached, so none was relied on',
      );
    if (methods === 'ops') assert.deepEqual([got.fluent, got.backward], ['function', 'undefined']);
    if (methods === 'both') assert.deepEqual([got.fluent, got.backward], ['function', 'function']);
  });
}
