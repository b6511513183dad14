/**
 * Shared by the attention and transformer tests: PyTorch cases store parameters and gradients
 * under torch's state-dict names (test/fixtures/make_attention.py), which the layers share.
 */
import assert from 'node:assert/strict';
import { type AnyModule, type Tensor, tensor } from '../../src/index.js';
import { assertClose } from './gradcheck.js';

export interface Entry {
  shape: number[];
  values: number[];
}

export function fromEntry(e: Entry, requiresGrad = false): Tensor {
  return tensor(e.values, { shape: e.shape, requiresGrad });
}

/** Load torch's parameters by name (strict: the keys must be exactly the layer's, in torch's order). */
export function loadTorchParams(layer: AnyModule, params: Record<string, Entry>): void {
  assert.deepEqual(Object.keys(layer.stateDict()), Object.keys(params), 'state-dict keys, in order, as in PyTorch');
  const dict: Record<string, Tensor> = {};
  for (const [name, e] of Object.entries(params)) dict[name] = fromEntry(e);
  layer.loadStateDict(dict);
}

/** Every parameter's gradient against torch's, by name. */
export function checkTorchGrads(layer: AnyModule, grads: Record<string, number[]>, what: string, atol = 2e-4): void {
  for (const [name, p] of layer.namedParameters()) {
    assert.ok(p.grad, `${what}: ${name} has a gradient`);
    assertClose(p.grad.dataSync(), grads[name], atol, 1e-3, `${what} d${name}`);
  }
}

/** sum(out · w) backpropagated, as the fixtures' `backprop` does. */
export function backprop(out: Tensor, w: number[]): void {
  out
    .mul(tensor(w, { shape: out.shape }))
    .sum()
    .backward();
}

/** A [batch, t] int32 mask from the fixture's flat 0/1 list. */
export function maskOf(values: number[], batch: number): Tensor {
  return tensor(Int32Array.from(values), { shape: [batch, values.length / batch] });
}
