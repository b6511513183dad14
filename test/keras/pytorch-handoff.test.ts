/**
 * The PyTorch hand-off: weights exchanged with hand-written PyTorch modules of the same layers
 * (test/fixtures/make_pytorch_handoff.py) — loaded through the layout conversion, the tessera
 * model gives PyTorch's outputs; exported back, the state dict has PyTorch's names and values.
 * When /usr/bin/python3 has torch, the generated model.py itself is run on the export.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BatchNormalization,
  Conv2D,
  Dense,
  Dropout,
  Embedding,
  exportPytorch,
  Flatten,
  fromPytorch,
  GRU,
  importPytorch,
  LayerNormalization,
  LSTM,
  MaxPooling2D,
  MultiHeadAttention,
  ReLU,
  Sequential,
  type Tensor,
  permute,
  tensor,
  toPytorch,
} from '../../src/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/gradcheck.js';
import type { Entry } from '../helpers/torch-state.js';

interface Case {
  input: Entry;
  state: Record<string, Entry>;
  output: Entry;
}
const fixture = loadFixture<{ cnn: Case; seq: Case }>('pytorch_handoff.json');

function cnn(): Sequential {
  return new Sequential([
    new Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', inputShape: [8, 8, 2] }),
    new BatchNormalization(),
    new ReLU(),
    new MaxPooling2D({ poolSize: 2 }),
    new Flatten(),
    new Dense({ units: 6, activation: 'relu' }),
    new Dropout(0.25),
    new Dense({ units: 3, activation: 'softmax' }),
  ]);
}

function seq(): Sequential {
  return new Sequential([
    new Embedding({ inputDim: 11, outputDim: 6, inputShape: [7] }),
    new LSTM({ units: 5, returnSequences: true }),
    new GRU({ units: 4 }),
    new LayerNormalization({ epsilon: 1e-3 }),
    new Dense({ units: 2 }),
  ]);
}

const fromEntry = (e: Entry): Tensor => tensor(e.values, { shape: e.shape });
const torchState = (c: Case): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, fromEntry(e)]));

function checkCase(model: Sequential, c: Case, input: Tensor, what: string): void {
  fromPytorch(model, torchState(c));
  assertClose(model.predict(input).dataSync(), c.output.values, 2e-5, 1e-4, `${what} outputs`);
  // Back to PyTorch: the same names, shapes and values as the hand-written module's state dict.
  const back = toPytorch(model).stateDict;
  assert.deepEqual(Object.keys(back).sort(), Object.keys(c.state).sort(), `${what} state-dict names`);
  for (const [name, e] of Object.entries(c.state)) {
    assert.deepEqual(back[name].shape, e.shape, `${what} ${name} shape`);
    assertClose(back[name].dataSync(), e.values, 1e-7, 1e-6, `${what} ${name}`);
  }
}

test('a CNN with padding, batch norm and Flatten → Dense takes PyTorch weights and gives PyTorch outputs', () => {
  const x = permute(fromEntry(fixture.cnn.input), [0, 2, 3, 1]); // NCHW → tessera's NHWC
  checkCase(cnn(), fixture.cnn, x, 'cnn');
});

test('Embedding → LSTM → GRU → LayerNorm → Dense takes PyTorch weights and gives PyTorch outputs', () => {
  checkCase(
    seq(),
    fixture.seq,
    tensor(fixture.seq.input.values, { shape: fixture.seq.input.shape, dtype: 'int32' }),
    'seq',
  );
});

test('the generated module names its layers as the state dict does and splits off the final softmax', () => {
  const { source, className } = toPytorch(cnn());
  assert.equal(className, 'TesseraModel');
  for (const line of [
    'self.conv0 = nn.Conv2d(2, 4, kernel_size=(3, 3), stride=(2, 2))',
    'self.bn1 = nn.BatchNorm2d(4, eps=0.001, momentum=0.01)',
    'self.dense5 = nn.Linear(16, 6)',
    'self.dropout6 = nn.Dropout(0.25)',
    'x = F.pad(x, (0, 1, 0, 1))',
    'x = torch.flatten(x, 1)',
    'def logits(self, x):',
    'return F.softmax(self.logits(x), dim=1)',
  ])
    assert.ok(source.includes(line), `model.py has ${line}:\n${source}`);
});

test('layers without a PyTorch form are named, with the layers that have one', () => {
  const model = new Sequential([new MultiHeadAttention({ numHeads: 2, dModel: 8 })]);
  model.build([null, 3, 8]);
  assert.throws(
    () => toPytorch(model),
    /layer 0 \(MultiHeadAttention\) has no PyTorch mapping; mapped layers: Dense, Conv2D/,
  );
  const dense = new Sequential([
    new Conv2D({ filters: 2, kernelSize: 1, inputShape: [4, 4, 1] }),
    new Dense({ units: 2 }),
  ]);
  assert.throws(() => toPytorch(dense), /layer 1 \(Dense on images \[null, 4, 4, 2\]\) has no PyTorch mapping/);
  const unbuilt = new Sequential([new Dense({ units: 2 })]);
  assert.throws(() => toPytorch(unbuilt), /exportPytorch: the model is not built/);
});

test('importPytorch refuses a state dict with names the model lacks or shapes that differ', () => {
  const state = torchState(fixture.seq);
  assert.throws(
    () => fromPytorch(seq(), { ...state, 'dense9.weight': tensor([1]) }),
    /dense9\.weight, which the model has no place for/,
  );
  const { 'dense4.bias': _, ...missing } = state;
  assert.throws(() => fromPytorch(seq(), missing), /missing keys \["4\.bias"\]/);
  assert.throws(() => fromPytorch(seq(), { ...state, 'dense4.bias': tensor([1, 2, 3]) }), /"4\.bias" has shape \[3\]/);
});

test('exportPytorch writes model.py, PyTorch weights and the tessera config; importPytorch reads them back', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const model = cnn();
  fromPytorch(model, torchState(fixture.cnn));
  const result = exportPytorch(model, dir);
  assert.equal(result.tensors, Object.keys(fixture.cnn.state).length);
  const again = importPytorch(dir);
  const x = permute(fromEntry(fixture.cnn.input), [0, 2, 3, 1]);
  assertClose(again.predict(x).dataSync(), model.predict(x).dataSync(), 0, 0, 'round trip outputs');
  assert.throws(() => importPytorch(join(dir, 'nope')), /importPytorch: cannot read .*tessera-model\.json \(ENOENT\)/);

  // The generated Python, run by PyTorch where it is installed (CI does not need it).
  const python = '/usr/bin/python3';
  if (!existsSync(python) || spawnSync(python, ['-c', 'import torch']).status !== 0) {
    t.diagnostic('PyTorch not installed: model.py not executed');
    return;
  }
  const script = [
    'import sys, json, torch',
    `sys.path.insert(0, ${JSON.stringify(dir)})`,
    'from model import TesseraModel, load_file',
    'm = TesseraModel(); m.load_state_dict(load_file(sys.argv[1])); m.eval()',
    'x = torch.tensor(json.loads(sys.argv[2])).reshape(3, 2, 8, 8)',
    'print(json.dumps(m(x).detach().reshape(-1).tolist()))',
  ].join('\n');
  const run = spawnSync(
    python,
    ['-c', script, join(dir, 'model.safetensors'), JSON.stringify(fixture.cnn.input.values)],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(run.status, 0, run.stderr);
  assertClose(JSON.parse(run.stdout), fixture.cnn.output.values, 2e-5, 1e-4, 'model.py outputs');
  assert.ok(readFileSync(join(dir, 'model.py'), 'utf8').includes('class TesseraModel(nn.Module):'));
});
