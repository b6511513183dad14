/**
 * A backward sweep gives its intermediate gradients' storage back to the backend as soon as it is
 * done with them (autograd/sweep-storage.ts). Gradients that alias each other — passed through by
 * add, reshaped, sent to two inputs, the same input twice — must come out exactly as when nothing
 * is given back, and leaves' gradients must never be given back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend, tensor, gradientsOf, type Tensor, type TypedArray } from '../../src/index.js';
import { random } from '../helpers/seeded.js';

/** Leaf gradients of a graph full of aliasing gradients, on the current backend. */
function aliasingGraph(): { grads: number[][]; results: TypedArray[] } {
  const rnd = random(5);
  const values = (n: number): number[] => Array.from({ length: n }, () => rnd() * 2 - 1);
  // 32 × 64 = 2048 elements: large enough for heap storage on the wasm backend.
  const x = tensor(values(2048), { shape: [32, 64], requiresGrad: true });
  const w = tensor(values(64 * 64), { shape: [64, 64], requiresGrad: true });
  const h = x.matmul(w);
  const twice = h.add(h); // add passes its gradient to both inputs: the same tensor, twice
  const squared = twice.mul(twice); // the same input in both slots
  const flat = squared.reshape([2048]).add(x.reshape([2048])); // reshape views of gradients
  const y = flat.reshape([32, 64]).relu().matmul(w).tanh();
  const loss = y.mul(y).sum();
  loss.backward();
  // The gradient of an intermediate tensor, asked for by gradientsOf: a result that must outlive the sweep.
  const mid = x.matmul(w);
  const [dMid] = gradientsOf(mid.mul(mid).tanh().sum(), [mid]);
  return { grads: [Array.from(x.grad!.data), Array.from(w.grad!.data), Array.from(dMid!.data)], results: [x.grad!.data, dMid!.data] };
}

test('intermediate gradients given back early leave every gradient exactly as when none is given back', () => {
  const be = getBackend();
  const release = be.releaseStorage;
  if (release === undefined) return; // the portable backend (TESSERA_BACKEND=portable) gives nothing back
  const withRelease = (f: (id: number) => void): ReturnType<typeof aliasingGraph> => {
    (be as { releaseStorage?: (id: number) => void }).releaseStorage = f;
    try {
      return aliasingGraph();
    } finally {
      (be as { releaseStorage?: (id: number) => void }).releaseStorage = release;
    }
  };
  let released = 0;
  const here = withRelease((id) => {
    released++;
    release(id);
  });
  assert.ok(released > 3, `only ${released} gradients were given back early`);
  // Storage made after the sweep must not land on a result (a leaf's gradient, a gradientsOf answer).
  const before = here.results.map((r) => Array.from(r));
  for (let i = 0; i < 20; i++) tensor(new Float32Array(2048).fill(123), { shape: [2048] }).add(1);
  here.results.forEach((r, k) => assert.deepEqual(Array.from(r), before[k], `result ${k} was overwritten: its storage was given back`));
  const kept = withRelease(() => {});
  here.grads.forEach((g, k) => assert.deepEqual(g, kept.grads[k], `gradient ${k} differs when storage is given back early`));
});

test('a retained graph gives nothing back early and sweeps twice to the same gradients', () => {
  const x = tensor(Array.from({ length: 4096 }, (_, i) => Math.sin(i)), { shape: [64, 64], requiresGrad: true });
  const y: Tensor = x.matmul(x).tanh().sum();
  y.backward(undefined, { retainGraph: true });
  const first = Array.from(x.grad!.data);
  x.grad = null;
  y.backward();
  assert.deepEqual(Array.from(x.grad!.data), first);
});
