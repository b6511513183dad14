/**
 * Anomaly detection: the first op whose forward output holds NaN, or whose backward sends a NaN
 * or ±∞ gradient, is named together with the layer that ran it; outside detectAnomaly nothing is
 * checked or recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from '../../src/index.js';
import { AnomalyError, Dense, Module, Sequential, type Tensor, detectAnomaly, tensor } from '../../src/index.js';

/** A layer of its own whose op can go wrong: log (NaN below 0) or sqrt (∞ gradient at 0). */
class Unsafe extends Module<[Tensor], Tensor> {
  constructor(readonly op: 'log' | 'sqrt') {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.op === 'log' ? T.log(x) : T.sqrt(x);
  }
}

/** Dense with fixed weights (x ↦ x·[[1, −1]]): its second output column is negative for x > 0. */
function model(op: 'log' | 'sqrt'): Sequential {
  const dense = new Dense({ units: 2, inputShape: [1], useBias: false });
  const net = new Sequential([dense, new Unsafe(op)]);
  net.predict(tensor([[1]]));
  dense.kernel!.copy_(tensor([[1, -1]]));
  return net;
}

test('a forward NaN names the op and the layer path', () => {
  const net = model('log');
  const x = tensor([[2]]);
  assert.ok(Number.isNaN(net.call(x).dataSync()[1]), 'without detection the NaN passes silently');
  assert.throws(
    () => detectAnomaly(() => net.call(x)),
    (e: unknown) => {
      assert.ok(e instanceof AnomalyError, String(e));
      assert.equal(e.op, 'log');
      assert.equal(e.phase, 'forward');
      assert.equal(e.layer, 'Sequential.1 (Unsafe)');
      assert.match(e.message, /the output of op "log" in layer Sequential\.1 \(Unsafe\) holds 1 NaN of 2 values/);
      assert.match(e.message, /first to produce one/);
      return true;
    },
  );
  assert.equal(T.isAnomalyDetectionEnabled(), false, 'restored after the throw');
});

test('a backward ∞ names the op whose backward made it and the layer recorded on the tape', () => {
  const net = model('sqrt');
  // x = 0: sqrt(0) = 0 is finite; its gradient 1/(2·sqrt(0)) is ∞.
  const x = tensor([[0]]);
  detectAnomaly(() => {
    const out = T.sum(net.call(x));
    assert.throws(
      () => out.backward(),
      (e: unknown) =>
        e instanceof AnomalyError &&
        e.op === 'sqrt' &&
        e.phase === 'backward' &&
        e.layer === 'Sequential.1 (Unsafe)' &&
        /gradient that op "sqrt"'s backward sent to its input 0 in layer Sequential\.1 \(Unsafe\) holds 2 infinite/.test(
          e.message,
        ),
    );
  });
});

test('a NaN that came in with the data is reported as such', () => {
  const net = model('log');
  assert.throws(
    () => detectAnomaly(() => net.call(tensor([[Number.NaN]]))),
    (e: unknown) => e instanceof AnomalyError && e.op === 'matmul' && /Its input 0 already held NaN/.test(e.message),
  );
});

test('setAnomalyDetection switches it; detectAnomaly restores it, after a promise too; off by default nothing is recorded', async () => {
  assert.equal(T.isAnomalyDetectionEnabled(), false);
  const plain = T.log(tensor([-1], { requiresGrad: true }));
  assert.equal(plain.gradFn?.layer, undefined);
  assert.equal(T.setAnomalyDetection(true), false);
  assert.throws(() => T.log(tensor([-1])), AnomalyError);
  assert.equal(T.setAnomalyDetection(false), true);
  const result = detectAnomaly(async () => {
    await Promise.resolve();
    return T.isAnomalyDetectionEnabled();
  });
  assert.equal(T.isAnomalyDetectionEnabled(), true, 'still on while the promise runs');
  assert.equal(await result, true);
  assert.equal(T.isAnomalyDetectionEnabled(), false);
  // Finite values pass, forward −∞ included (attention masks use it).
  detectAnomaly(() => T.log(tensor([0, 1])));
});

test('around fit: a NaN produced inside a layer during training names that layer', async () => {
  const net = model('log');
  net.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = tensor([[1], [2], [3], [4]]);
  const y = tensor([
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ]);
  await assert.rejects(
    detectAnomaly(() => net.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 })),
    (e: unknown) => e instanceof AnomalyError && e.op === 'log' && e.layer === 'Sequential.1 (Unsafe)',
  );
  assert.equal(T.isAnomalyDetectionEnabled(), false);
});
