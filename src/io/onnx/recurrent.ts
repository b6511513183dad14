/**
 * ONNX mappings of the recurrent layers, each one ONNX op: SimpleRNN → RNN, LSTM → LSTM, GRU → GRU.
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
import type { GRU, LSTM, RecurrentLayer, SimpleRNN } from '../../nn/recurrent.js';
import { concat, sliceAxis, unsqueeze } from '../../ops/movement.js';
import { attr, type OnnxGraph, type OnnxValue } from './graph.js';
import { registerOnnxMapping, type OnnxSite } from './registry.js';
import type { OnnxAttributeValue } from './proto.js';

/** The gate blocks of `w` (stacked on axis 0, `units` rows each) in the order `order`. */
function reorder(w: Tensor, units: number, order: readonly number[]): Tensor {
  return concat(
    order.map((gate) => sliceAxis(w, 0, gate * units, (gate + 1) * units)),
    0,
  );
}

interface RecurrentOp {
  opType: 'RNN' | 'LSTM' | 'GRU';
  /** tessera's gate blocks in ONNX's order. */
  order: readonly number[];
  attributes?: Record<string, OnnxAttributeValue>;
}

function recurrent(op: RecurrentOp) {
  return (layer: RecurrentLayer, [x]: readonly OnnxValue[], g: OnnxGraph, site: OnnxSite): string => {
    const p = site.path;
    const units = layer.units;
    const w = (t: Tensor): Tensor => unsqueeze(reorder(t, units, op.order), 0); // [1, gates·units, …]: one direction
    const inputs = [
      g.transpose(x.name, [1, 0, 2], `${p}.timeMajor`),
      g.weight(w(layer.weight_ih_l0!), `${p}.W`),
      g.weight(w(layer.weight_hh_l0!), `${p}.R`),
    ];
    if (layer.bias_ih_l0) {
      const bias = concat([reorder(layer.bias_ih_l0, units, op.order), reorder(layer.bias_hh_l0!, units, op.order)]);
      inputs.push(g.weight(unsqueeze(bias, 0), `${p}.B`));
    }
    const [y, yH] = g.node(
      op.opType,
      inputs,
      {
        hidden_size: attr.int(units),
        direction: attr.string(layer.goBackwards ? 'reverse' : 'forward'),
        ...op.attributes,
      },
      { outputs: 2, hint: `${p}.${op.opType.toLowerCase()}` },
    );
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
  };
}

registerOnnxMapping<SimpleRNN>('SimpleRNN', (layer, inputs, g, site) =>
  recurrent({
    opType: 'RNN',
    order: [0],
    attributes: { activations: attr.strings([layer.activation === 'relu' ? 'Relu' : 'Tanh']) },
  })(layer, inputs, g, site),
);
registerOnnxMapping<LSTM>('LSTM', recurrent({ opType: 'LSTM', order: [0, 3, 1, 2] }));
registerOnnxMapping<GRU>(
  'GRU',
  recurrent({ opType: 'GRU', order: [1, 0, 2], attributes: { linear_before_reset: attr.int(1) } }),
);
