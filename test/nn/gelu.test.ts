/**
 * GELU in layers: the exact form and the tanh approximation by name ('gelu', 'gelu_tanh') against
 * their closed forms, gradient-checked through a Dense layer, and saved by name. (The op itself is
 * checked in test/ops: grad-elementwise and torch-reference.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tensor,
  randn,
  manualSeed,
  getActivation,
  Dense,
  Activation,
  layerToConfig,
  layerFromConfig,
} from '../../src/index.js';
import { assertClose, gradcheck } from '../helpers/gradcheck.js';

/** erf by Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), an oracle independent of the erf op. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x < 0 ? -y : y;
}
const exact = (v: number): number => 0.5 * v * (1 + erf(v / Math.SQRT2));
const approx = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));

test("activations 'gelu' (exact) and 'gelu_tanh' / 'geluTanh' match their closed forms", () => {
  const xs = [-4, -2.5, -1, -0.3, 0, 0.2, 0.7, 1.5, 3, 5];
  const x = tensor(xs);
  assertClose(getActivation('gelu')(x).dataSync(), xs.map(exact), 1e-6, 1e-5, 'gelu');
  assertClose(getActivation('gelu_tanh')(x).dataSync(), xs.map(approx), 1e-6, 1e-5, 'gelu_tanh');
  assert.equal(getActivation('geluTanh'), getActivation('gelu_tanh'));
  // The two differ, by at most about 1e-3 at these points.
  const gap = Math.max(...xs.map((v) => Math.abs(exact(v) - approx(v))));
  assert.ok(gap > 1e-5 && gap < 2e-3, `gap ${gap}`);
});

test('Dense with a GELU activation: finite differences (input and weights), config by name', () => {
  manualSeed(7);
  for (const activation of ['gelu', 'gelu_tanh'] as const) {
    const layer = new Dense({ units: 3, activation, inputDim: 4 });
    gradcheck(
      (x, w, b) => getActivation(activation)(x.matmul(w).add(b)),
      [randn([2, 4]), layer.weight!.detach(), randn([3])],
    );
    gradcheck((x) => layer.call(x), [randn([2, 4])]);
    const config = layerToConfig(layer);
    assert.equal(config.config.activation, activation);
    const rebuilt = layerFromConfig(JSON.parse(JSON.stringify(config))) as Dense;
    assert.equal(rebuilt.activation, getActivation(activation));
  }
  assert.equal(layerToConfig(new Activation('gelu_tanh')).config.activation, 'gelu_tanh');
});
