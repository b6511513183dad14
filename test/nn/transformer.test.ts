/**
 * TransformerEncoderLayer, TransformerDecoderLayer, the stacks and the encoder–decoder Transformer:
 * PyTorch's values (forward and every gradient with the same weights, pre-LN and post-LN, with
 * masks), finite differences, dropout, errors, saving, and a tiny encoder that learns to reverse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  TransformerEncoderLayer,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerDecoder,
  Transformer,
  PositionalEmbedding,
  SinusoidalPositionalEncoding,
  LayerNormalization,
  Dense,
  Sequential,
  Module,
  type AnyModule,
  Parameter,
  Adam,
  type Tensor,
  tensor,
  randn,
  randint,
  zeros,
  manualSeed,
  noGrad,
  gather,
  sparseCategoricalCrossEntropy,
  layerToConfig,
  layerFromConfig,
  loadModel,
  ArgumentError,
  ShapeError,
} from '../../src/index.js';
import { loadFixture } from '../helpers/fixtures.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';
import { backprop, checkTorchGrads, type Entry, fromEntry, loadTorchParams, maskOf } from '../helpers/torch-state.js';
import { tempDir } from '../keras/util.js';

interface Common {
  name: string;
  normFirst: boolean;
  numHeads: number;
  dimFeedforward: number;
  params: Record<string, Entry>;
  w: number[];
  out: number[];
  grads: Record<string, number[]>;
}
interface EncoderCase extends Common {
  activation: 'relu' | 'gelu';
  causal: boolean;
  src: Entry;
  keyPaddingMask?: number[];
  dsrc: number[];
}
interface DecoderCase extends Common {
  activation: 'relu' | 'gelu';
  tgt: Entry;
  memory: Entry;
  memoryKeyPaddingMask?: number[];
  dtgt: number[];
  dmemory: number[];
}
interface TransformerCase extends Common {
  numEncoderLayers: number;
  numDecoderLayers: number;
  src: Entry;
  tgt: Entry;
  srcKeyPaddingMask: number[];
  dsrc: number[];
  dtgt: number[];
}
const fixture = loadFixture<{ encoder: EncoderCase[]; decoder: DecoderCase[]; transformer: TransformerCase[] }>(
  'attention.json',
);

/** Inputs with torch's gradients for them, and a name for messages. */
type Inputs = [Tensor, number[], string][];

/** Build for the first input, load torch's weights, run, and compare the output and every gradient. */
function compareWithTorch(c: Common, layer: AnyModule, inputs: Inputs, run: () => Tensor): void {
  layer.build(inputs[0][0].shape);
  loadTorchParams(layer, c.params);
  const out = run();
  assertClose(out.dataSync(), c.out, 2e-4, 1e-3, `${c.name} out`);
  backprop(out, c.w);
  for (const [x, expected, what] of inputs) assertClose(x.grad!.dataSync(), expected, 5e-4, 2e-3, `${c.name} ${what}`);
  checkTorchGrads(layer, c.grads, c.name, 5e-4);
}

test('TransformerEncoderLayer matches PyTorch (post-LN and pre-LN, relu and gelu, padding and causal masks)', () => {
  for (const c of fixture.encoder) {
    const layer = new TransformerEncoderLayer({
      numHeads: c.numHeads,
      dimFeedforward: c.dimFeedforward,
      dropout: 0,
      activation: c.activation,
      normFirst: c.normFirst,
      causal: c.causal,
    });
    const src = fromEntry(c.src, true);
    const keyPaddingMask = c.keyPaddingMask ? maskOf(c.keyPaddingMask, src.shape[0]) : undefined;
    compareWithTorch(c, layer, [[src, c.dsrc, 'dsrc']], () => layer.call(src, { keyPaddingMask }));
  }
});

test('TransformerDecoderLayer matches PyTorch (causal self-attention, cross-attention with memory padding)', () => {
  for (const c of fixture.decoder) {
    const layer = new TransformerDecoderLayer({
      numHeads: c.numHeads,
      dimFeedforward: c.dimFeedforward,
      dropout: 0,
      activation: c.activation,
      normFirst: c.normFirst,
    });
    const tgt = fromEntry(c.tgt, true);
    const memory = fromEntry(c.memory, true);
    const memoryKeyPaddingMask = c.memoryKeyPaddingMask ? maskOf(c.memoryKeyPaddingMask, tgt.shape[0]) : undefined;
    const inputs: Inputs = [
      [tgt, c.dtgt, 'dtgt'],
      [memory, c.dmemory, 'dmemory'],
    ];
    compareWithTorch(c, layer, inputs, () => layer.call(tgt, memory, { memoryKeyPaddingMask }));
  }
});

test('Transformer (2 encoder layers, 1 decoder layer, final norms) matches torch.nn.Transformer', () => {
  for (const c of fixture.transformer) {
    const model = new Transformer({
      numHeads: c.numHeads,
      dimFeedforward: c.dimFeedforward,
      dropout: 0,
      normFirst: c.normFirst,
      numEncoderLayers: c.numEncoderLayers,
      numDecoderLayers: c.numDecoderLayers,
    });
    const src = fromEntry(c.src, true);
    const tgt = fromEntry(c.tgt, true);
    const srcKeyPaddingMask = maskOf(c.srcKeyPaddingMask, src.shape[0]);
    const inputs: Inputs = [
      [src, c.dsrc, 'dsrc'],
      [tgt, c.dtgt, 'dtgt'],
    ];
    compareWithTorch(c, model, inputs, () => model.call(src, tgt, { srcKeyPaddingMask }));
  }
});

test('encoder and decoder layers pass finite-difference checks, pre-LN and post-LN, with masks', () => {
  manualSeed(81);
  const padding = tensor([
    [0, 0, 0, 1],
    [0, 0, 0, 0],
  ]).int();
  for (const normFirst of [false, true]) {
    const options = { numHeads: 2, dModel: 4, dimFeedforward: 6, dropout: 0, normFirst };
    const encoder = new TransformerEncoderLayer({ ...options, activation: 'gelu' });
    gradcheck((x) => encoder.call(x, { keyPaddingMask: padding, causal: true }), [randn([2, 4, 4])]);
    const decoder = new TransformerDecoderLayer(options);
    gradcheck((t, m) => decoder.call(t, m, { memoryKeyPaddingMask: padding }), [randn([2, 3, 4]), randn([2, 4, 4])]);
  }
});

test('the decoder is causal by default: a later target position never changes an earlier output', () => {
  manualSeed(82);
  const layer = new TransformerDecoderLayer({ numHeads: 2, dimFeedforward: 8, dropout: 0 });
  const memory = randn([1, 3, 4]);
  const tgt = randn([1, 4, 4]);
  const before = layer.call(tgt, memory).dataSync();
  const changed = tgt.dataSync().slice();
  changed[13] += 2; // position 3
  const after = layer.call(tensor(changed, { shape: [1, 4, 4] }), memory).dataSync();
  assertClose(after.subarray(0, 12), before.subarray(0, 12), 1e-6, 0, 'positions 0-2');
  const open = layer.call(tensor(changed, { shape: [1, 4, 4] }), memory, { causal: false }).dataSync();
  assert.ok(Math.abs(open[0] - before[0]) > 1e-5, 'causal: false lets position 0 see position 3');
});

test('dropout acts in training only', () => {
  manualSeed(83);
  const layer = new TransformerEncoderLayer({ numHeads: 2, dimFeedforward: 8, dropout: 0.3 });
  const x = randn([2, 5, 4]);
  const a = layer.call(x).dataSync();
  const b = layer.call(x).dataSync();
  assert.ok(
    a.some((v, i) => v !== b[i]),
    'two training passes draw different masks',
  );
  layer.eval();
  assert.deepEqual(layer.call(x).dataSync(), layer.call(x).dataSync());
});

test('layers refuse inputs of the wrong shape and unknown options, naming what they expected', () => {
  const layer = new TransformerDecoderLayer({ numHeads: 2, dModel: 4, dimFeedforward: 8 });
  assert.throws(() => layer.call(zeros([2, 3, 4]), zeros([3, 5, 4])), /expected the same batch size/);
  assert.throws(
    () => layer.call(zeros([2, 3, 4]), zeros([2, 5, 6])),
    /got memory shape \[2, 5, 6\]; expected \[batch, time, 4\]/,
  );
  assert.throws(
    () => layer.call(zeros([2, 3, 4]), zeros([2, 5, 4]), { memoryKeyPaddingMask: zeros([2, 3]) }),
    /keyPaddingMask of shape \[2, 3\]; expected \[2, 5\]/,
  );
  assert.throws(() => new TransformerEncoderLayer({ numHeads: 3, dModel: 4 }), /multiple of numHeads/);
  assert.throws(() => new TransformerEncoderLayer({ numHeads: 2, activation: 'tanh' as never }), /'relu' or 'gelu'/);
  assert.throws(
    () => new TransformerEncoderLayer({ numHeads: 2, norm_first: true } as never),
    /did you mean 'normFirst'/,
  );
  assert.throws(() => new Transformer({ numHeads: 2, numLayers: 2 } as never), ArgumentError);
  assert.throws(() => new TransformerEncoderLayer({ numHeads: 2 }).call(zeros([2, 4])), ShapeError);
});

test('PyTorch state-dict names: stacks, final norms and the encoder–decoder model', () => {
  const model = new Transformer({
    numHeads: 2,
    dModel: 4,
    dimFeedforward: 8,
    numEncoderLayers: 2,
    numDecoderLayers: 1,
  });
  const keys = Object.keys(model.stateDict());
  assert.equal(keys[0], 'encoder.layers.0.self_attn.in_proj_weight');
  assert.ok(keys.includes('encoder.layers.1.linear2.bias'));
  assert.ok(keys.includes('encoder.norm.weight'));
  assert.ok(keys.includes('decoder.layers.0.multihead_attn.out_proj.weight'));
  assert.equal(keys[keys.length - 1], 'decoder.norm.bias');
  assert.deepEqual(model.encoder.layers[0].linear1!.weight.shape, [8, 4], 'linear1.weight is [dimFeedforward, dModel]');
  assert.equal(new TransformerEncoder({ numLayers: 1, numHeads: 2 }).norm, null, 'post-LN stacks end without one');
  assert.ok(new TransformerEncoder({ numLayers: 1, numHeads: 2, normFirst: true }).norm instanceof LayerNormalization);
});

test('save and load: a Sequential with an encoder layer (model.save / loadModel), and the rest through the registry', async () => {
  manualSeed(84);
  const model = new Sequential([
    new SinusoidalPositionalEncoding({ inputShape: [6, 8] }),
    new TransformerEncoderLayer({ numHeads: 2, dimFeedforward: 16, normFirst: true }),
    new TransformerEncoder({ numLayers: 2, numHeads: 4, dimFeedforward: 8, activation: 'gelu' }),
    new Dense({ units: 3 }),
  ]);
  const x = randn([2, 6, 8]);
  const expected = model.predict(x).dataSync();
  const { dir, cleanup } = tempDir();
  try {
    await model.save(join(dir, 'encoder'));
    const loaded = loadModel(join(dir, 'encoder'));
    assertClose(loaded.predict(x).dataSync(), expected, 1e-6);
  } finally {
    cleanup();
  }
  const memory = randn([2, 5, 8]);
  const tgt = randn([2, 3, 8]);
  const layers = [
    [new TransformerDecoderLayer({ numHeads: 2, dimFeedforward: 8, activation: 'gelu' }), [tgt, memory]],
    [new TransformerDecoder({ numLayers: 2, numHeads: 2, dimFeedforward: 8, normFirst: true }), [tgt, memory]],
    [new Transformer({ numHeads: 2, dimFeedforward: 8, numEncoderLayers: 1, numDecoderLayers: 2 }), [memory, tgt]],
  ] as const;
  for (const [layer, inputs] of layers) {
    const run = (m: Module<[Tensor, Tensor], Tensor>): Float32Array =>
      noGrad(() => m.eval().call(inputs[0], inputs[1])).dataSync() as Float32Array;
    const out = run(layer as unknown as Module<[Tensor, Tensor], Tensor>);
    const back = layerFromConfig(JSON.parse(JSON.stringify(layerToConfig(layer))));
    assert.deepEqual(back.getConfig(), layer.getConfig());
    back.loadStateDict(layer.stateDict());
    assertClose(run(back as Module<[Tensor, Tensor], Tensor>), out, 1e-6, 0, layer.constructor.name);
  }
});

test('a one-layer encoder learns to reverse 4 tokens', () => {
  // Tokens come in through a local lookup table (gather on a Parameter); Embedding is another layer's.
  manualSeed(85);
  const vocab = 6,
    length = 4,
    d = 16;
  class Reverser extends Module {
    table = new Parameter(randn([vocab, d]).mul(0.5));
    positions = new PositionalEmbedding({ maxLength: length, dModel: d });
    encoder = new TransformerEncoderLayer({ numHeads: 2, dimFeedforward: 32, dropout: 0, normFirst: true });
    head = new Dense({ units: vocab });
    forward(ids: Tensor): Tensor {
      const x = gather(this.table, ids.reshape([ids.size]), 0).reshape([...ids.shape, d]);
      return this.head.call(this.encoder.call(this.positions.call(x)));
    }
  }
  const model = new Reverser();
  model.call(zeros([1, length]).int());
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const reversed = (ids: Tensor): Tensor => ids.gather([3, 2, 1, 0], 1);
  const loss = (ids: Tensor): Tensor =>
    sparseCategoricalCrossEntropy(model.call(ids).reshape([-1, vocab]), reversed(ids).reshape([-1]), {
      fromLogits: true,
    });
  let first = 0,
    last = 0;
  for (let step = 0; step < 150; step++) {
    const ids = randint(0, vocab, [32, length]);
    optimizer.zeroGrad();
    const l = loss(ids);
    l.backward();
    optimizer.step();
    if (step === 0) first = l.item();
    last = l.item();
  }
  const test = randint(0, vocab, [64, length]);
  const predicted = noGrad(() => model.eval().call(test)).argmax(-1);
  const right = predicted.eq(reversed(test)).float().mean().item();
  assert.ok(last < first / 4, `loss fell from ${first} to ${last}`);
  assert.ok(right > 0.95, `accuracy on unseen sequences ${right}`);
});
