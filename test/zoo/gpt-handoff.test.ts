/**
 * The zoo GPT's PyTorch hand-off, against a GPT written by hand in PyTorch with the names the
 * export gives (test/fixtures/make_gpt_handoff.py): its weights loaded into tessera give its
 * logits; exported back they have its names and values; the files round-trip; and where
 * /usr/bin/python3 has torch, the generated model.py itself gives those logits.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportPytorch, fromPytorch, importPytorch, noGrad, tensor, toPytorch, type Tensor } from '../../src/index.js';
import { GPT, type GPTConfig } from '../../src/zoo/gpt.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/gradcheck.js';
import { fromEntry, type Entry } from '../helpers/torch-state.js';

interface Fixture {
  config: Pick<GPTConfig, 'vocabSize' | 'context' | 'layers' | 'heads' | 'width'>;
  state: Record<string, Entry>;
  ids: Entry;
  logits: Entry;
}
const fixture = loadFixture<Fixture>('gpt_handoff.json');
const torchState = (): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(fixture.state).map(([name, e]) => [name, fromEntry(e)]));
const ids = (): Tensor => tensor(fixture.ids.values, { shape: fixture.ids.shape, dtype: 'int32' });
const logits = (model: GPT): number[] => noGrad(() => model.eval().call(ids())).toFlatArray();

test("PyTorch's GPT weights loaded into tessera give its logits; exported back, its names and values", () => {
  const model = new GPT(fixture.config);
  fromPytorch(model, torchState());
  assertClose(logits(model), fixture.logits.values, 1e-4, 1e-4, 'logits');
  const back = toPytorch(model);
  assert.equal(back.className, 'GPT');
  assert.deepEqual(Object.keys(back.stateDict), Object.keys(fixture.state), 'names, in PyTorch order');
  for (const [name, e] of Object.entries(fixture.state))
    assert.deepEqual(back.stateDict[name].toFlatArray(), fromEntry(e).toFlatArray(), name);
});

test('an untied GPT exports its head as lm_head.weight; unknown names are refused', () => {
  const untied = new GPT({ ...fixture.config, tied: false });
  const names = Object.keys(toPytorch(untied).stateDict);
  assert.ok(names.includes('lm_head.weight') && !names.includes('lm_head'));
  assert.match(toPytorch(untied).source, /self\.lm_head = nn\.Linear\(width, vocab_size, bias=False\)/);
  assert.throws(
    () => fromPytorch(new GPT(fixture.config), { ...torchState(), 'blocks.9.linear1.weight': tensor([1]) }),
    /importPytorch: the state dict has blocks\.9\.linear1\.weight, which the model has no place for/,
  );
  const { 'ln_f.bias': _, ...missing } = torchState();
  assert.throws(() => fromPytorch(new GPT(fixture.config), missing), /missing keys \["ln_f\.bias"\]/);
});

test('exportPytorch writes a GPT model.py and weights; importPytorch gives the GPT back', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gpt-pt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const model = new GPT(fixture.config);
  fromPytorch(model, torchState());
  const result = exportPytorch(model, dir);
  assert.equal(result.className, 'GPT');
  assert.equal(result.tensors, Object.keys(fixture.state).length);
  const saved = JSON.parse(readFileSync(join(dir, 'tessera-model.json'), 'utf8'));
  assert.equal(saved.className, 'GPT');
  const again = importPytorch<GPT>(dir);
  assert.ok(again instanceof GPT);
  assert.deepEqual(again.config, model.config);
  assert.deepEqual(logits(again), logits(model), 'round trip logits');
  const source = readFileSync(join(dir, 'model.py'), 'utf8');
  assert.ok(source.includes('class GPT(nn.Module):') && source.includes('nn.MultiheadAttention(width, heads'));

  // The generated Python, run by PyTorch where it is installed (CI does not need it).
  const python = '/usr/bin/python3';
  if (!existsSync(python) || spawnSync(python, ['-c', 'import torch']).status !== 0) {
    t.diagnostic('PyTorch not installed: model.py not executed');
    return;
  }
  const script = [
    'import sys, json, torch',
    `sys.path.insert(0, ${JSON.stringify(dir)})`,
    'from model import GPT, load_file',
    'm = GPT(); m.load_state_dict(load_file(sys.argv[1])); m.eval()',
    `ids = torch.tensor(json.loads(sys.argv[2])).reshape(${fixture.ids.shape.join(', ')})`,
    'with torch.no_grad(): print(json.dumps(m(ids).reshape(-1).tolist()))',
  ].join('\n');
  const run = spawnSync(python, ['-c', script, join(dir, 'model.safetensors'), JSON.stringify(fixture.ids.values)], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assertClose(JSON.parse(run.stdout), fixture.logits.values, 1e-4, 1e-4, 'model.py logits');
});
