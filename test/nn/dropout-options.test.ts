/** Dropout takes an options object like every other layer, as well as Keras's positional rate. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, Dropout, layerFromConfig, layerToConfig } from '../../src/index.js';

test('new Dropout({ rate }) equals new Dropout(rate), and round-trips through its config', () => {
  const byObject = new Dropout({ rate: 0.2, inputShape: [5] });
  const positional = new Dropout(0.2, { inputShape: [5] });
  assert.equal(byObject.rate, 0.2);
  assert.deepEqual(layerToConfig(byObject), layerToConfig(positional));
  const back = layerFromConfig(layerToConfig(byObject)) as Dropout;
  assert.ok(back instanceof Dropout);
  assert.equal(back.rate, 0.2);
});

test('Dropout refuses a bad rate or an unknown option either way', () => {
  for (const make of [() => new Dropout({ rate: 1 }), () => new Dropout(-0.1), () => new Dropout({} as never)])
    assert.throws(
      make,
      (e: unknown) => e instanceof ArgumentError && /Dropout: got rate=.*expected a number in \[0, 1\)/.test(e.message),
    );
  assert.throws(
    () => new Dropout({ rate: 0.2, ratio: 0.1 } as never),
    (e: unknown) => e instanceof ArgumentError && /Dropout: unknown option 'ratio'/.test(e.message),
  );
});
