/**
 * ONNX mappings of the recurrent layers, each one ONNX op: SimpleRNN → RNN, LSTM → LSTM, GRU → GRU,
 * and Bidirectional → the same op with direction 'bidirectional'.
 *
 * The weights are PyTorch's (nn/recurrent.ts) and ONNX stacks the same blocks in another order:
 * LSTM gates i, f, g, o become ONNX's i, o, f, c; GRU's r, z, n become z, r, h, with
 * linear_before_reset = 1, which is PyTorch's (and tessera's) n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)).
 * The ops run time-major [time, batch, features], so the input is transposed in and the output
 * back. goBackwards is ONNX's direction 'reverse'; tessera then returns the outputs in the order
 * it computed them (last step first), so a returned sequence is reversed along time.
 * Masks, initial states and returnState are not exported (the exporter refuses calls with them,
 * and outputs that are not one tensor).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { GRU, LSTM, SimpleRNN, type Bidirectional, type RecurrentLayer } from '../../nn/recurrent.js';
import { concat, sliceAxis, stack } from '../../ops/movement.js';
import { attr, type OnnxGraph, type OnnxValue } from './graph.js';
import { registerOnnxMapping, unsupported, type OnnxSite } from './registry.js';
import type { OnnxAttributeValue } from './proto.js';
import { classNameOf } from '../../util/class-names.js';

/** A recurrent layer of either output form (the exporter refuses returnState's list). */
type AnyRecurrent = RecurrentLayer<Tensor | Tensor[]>;

interface RecurrentOp {
  opType: 'RNN' | 'LSTM' | 'GRU';
  /** tessera's gate blocks in ONNX's order. */
  order: readonly number[];
  attributes?: Record<string, OnnxAttributeValue>;
}

/** How a recurrent layer is written; null for a class that is none of the three. */
function opOf(layer: AnyRecurrent): RecurrentOp | null {
  if (layer instanceof LSTM) return { opType: 'LSTM', order: [0, 3, 1, 2] };
  if (layer instanceof GRU)
    return { opType: 'GRU', order: [1, 0, 2], attributes: { linear_before_reset: attr.int(1) } };
  if (layer instanceof SimpleRNN)
    return {
      opType: 'RNN',
      order: [0],
      attributes: { activations: attr.strings([layer.activation === 'relu' ? 'Relu' : 'Tanh']) },
    };
  return null;
}

/** The gate blocks of `w` (stacked on axis 0, `units` rows each) in the order `order`. */
function reorder(w: Tensor, units: number, order: readonly number[]): Tensor {
  return concat(
    order.map((gate) => sliceAxis(w, 0, gate * units, (gate + 1) * units)),
    0,
  );
}

/**
 * One ONNX recurrent node over x [batch, time, features] for the layers of each direction (one,
 * or forward and backward); returns its outputs Y [time, directions, batch, units] and Y_h
 * [directions, batch, units].
 */
function runOp(
  op: RecurrentOp,
  layers: readonly AnyRecurrent[],
  x: OnnxValue,
  g: OnnxGraph,
  p: string,
  direction: 'forward' | 'reverse' | 'bidirectional',
): [string, string] {
  const units = layers[0].units;
  // Each weight: [directions, gates·units, …], the directions stacked.
  const stacked = (pick: (l: AnyRecurrent) => Tensor): Tensor =>
    stack(
      layers.map((l) => reorder(pick(l), units, op.order)),
      0,
    );
  const inputs = [
    g.transpose(x.name, [1, 0, 2], `${p}.timeMajor`),
    g.weight(
      stacked((l) => l.weight_ih_l0!),
      `${p}.W`,
    ),
    g.weight(
      stacked((l) => l.weight_hh_l0!),
      `${p}.R`,
    ),
  ];
  if (layers[0].bias_ih_l0) {
    // B: [directions, 2·gates·units], the input biases (Wb) then the recurrent ones (Rb), each reordered.
    const both = layers.map((l) =>
      concat([reorder(l.bias_ih_l0!, units, op.order), reorder(l.bias_hh_l0!, units, op.order)]),
    );
    inputs.push(g.weight(stack(both, 0), `${p}.B`));
  }
  const [y, yH] = g.node(
    op.opType,
    inputs,
    { hidden_size: attr.int(units), direction: attr.string(direction), ...op.attributes },
    { outputs: 2, hint: `${p}.${op.opType.toLowerCase()}` },
  );
  return [y, yH];
}

function recurrent(layer: AnyRecurrent, [x]: readonly OnnxValue[], g: OnnxGraph, site: OnnxSite): string {
  const p = site.path;
  const op = opOf(layer);
  if (op === null)
    throw unsupported(site, 'is a recurrent layer other than SimpleRNN, LSTM or GRU, which have ONNX ops');
  const [y, yH] = runOp(op, [layer], x, g, p, layer.goBackwards ? 'reverse' : 'forward');
  if (!layer.returnSequences) return g.op('Squeeze', [yH, g.int64s([0], `${p}.axes`)], {}, p); // [1, N, H] → [N, H]
  let steps = g.op('Squeeze', [y, g.int64s([1], `${p}.axes`)], {}, `${p}.steps`); // [T, 1, N, H] → [T, N, H]
  if (layer.goBackwards) {
    const bound = (v: number | bigint, hint: string) => g.int64s([v], `${p}.${hint}`);
    steps = g.op(
      'Slice',
      [steps, bound(-1, 'starts'), bound(-(2n ** 63n), 'ends'), bound(0, 'axes'), bound(-1, 'steps')],
      {},
      `${p}.reversed`,
    );
  }
  return g.transpose(steps, [1, 0, 2], p);
}

registerOnnxMapping<SimpleRNN>('SimpleRNN', recurrent);
registerOnnxMapping<LSTM>('LSTM', recurrent);
registerOnnxMapping<GRU>('GRU', recurrent);

/**
 * Bidirectional: one node with direction 'bidirectional', the backward layer's weights stacked
 * after the forward one's. ONNX returns the backward direction's steps in input order, as
 * Bidirectional puts them before merging; its final states are [forward's, backward's].
 */
registerOnnxMapping<Bidirectional>('Bidirectional', (layer, [x], g, site) => {
  const fwd = layer.forwardLayer;
  const op = opOf(fwd);
  if (op === null || fwd.goBackwards)
    throw unsupported(
      site,
      `wraps ${classNameOf(fwd)}${fwd.goBackwards ? ' with goBackwards' : ''}; its ONNX mapping takes a SimpleRNN, LSTM or GRU running forwards`,
    );
  const p = site.path;
  const [y, yH] = runOp(op, [fwd, layer.backwardLayer], x, g, p, 'bidirectional');
  // One direction's output: sequences from Y [T, 2, N, H] as [N, T, H]; the last from Y_h [2, N, H] as [N, H].
  const direction = (i: number, what: string): string => {
    const index = g.int64s([i], `${p}.${what}`);
    if (!fwd.returnSequences)
      return g.op('Squeeze', [g.op('Gather', [yH, index], { axis: attr.int(0) }), g.int64s([0])], {}, `${p}.${what}`);
    const steps = g.op('Squeeze', [g.op('Gather', [y, index], { axis: attr.int(1) }), g.int64s([1])]);
    return g.transpose(steps, [1, 0, 2], `${p}.${what}`);
  };
  const a = direction(0, 'forward');
  const b = direction(1, 'backward');
  switch (layer.mergeMode) {
    case 'concat':
      return g.op('Concat', [a, b], { axis: attr.int(-1) }, p);
    case 'sum':
      return g.op('Add', [a, b], {}, p);
    case 'mul':
      return g.op('Mul', [a, b], {}, p);
    case 'ave':
      return g.op('Mul', [g.op('Add', [a, b]), g.scalar(0.5)], {}, p);
  }
});
