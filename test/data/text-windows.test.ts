import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArgumentError,
  BigramModel,
  CharTokenizer,
  WindowSampler,
  bigramBaseline,
  sequentialWindows,
  manualSeed,
  randomPermutation,
  splitTokens,
} from '../../src/index.js';

const ids = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i % 7);

test('splitTokens: the last 10 % is validation, contiguous, both views of the ids', () => {
  const all = Int32Array.from({ length: 1000 }, (_, i) => i);
  const { train, validation } = splitTokens(all);
  assert.equal(train.length, 900);
  assert.equal(validation.length, 100);
  assert.equal(train[899], 899);
  assert.equal(validation[0], 900);
  assert.equal(validation.buffer, all.buffer, 'no copy');
  const again = splitTokens(Array.from(all), { validationFraction: 0.25 });
  assert.deepEqual([again.train.length, again.validation.length], [750, 250]);
  assert.equal(splitTokens([0, 1, 2, 3, 4, 5, 6]).validation.length, 1, '0.7 tokens round to 1');
  assert.throws(() => splitTokens([0, 1, 2]), /leave 0 for validation/);
  assert.throws(() => splitTokens(all, { validationFraction: 1 }), /expected a number in \(0, 1\)/);
  assert.throws(() => splitTokens([0, -1, 2]), /id -1 at position 1/);
  assert.throws(() => splitTokens(all, { fraction: 0.1 } as never), /unknown option 'fraction'/);
});

test('WindowSampler: inputs and targets int32 [batch, context], targets the inputs shifted by one', () => {
  const stream = Int32Array.from({ length: 50 }, (_, i) => i);
  const sampler = new WindowSampler(stream, { batchSize: 4, context: 8, seed: 1 });
  assert.equal(sampler.windows, 42);
  for (let k = 0; k < 5; k++) {
    const { inputs, targets } = sampler.next();
    assert.deepEqual(inputs.shape, [4, 8]);
    assert.deepEqual(targets.shape, [4, 8]);
    assert.equal(inputs.dtype, 'int32');
    assert.equal(targets.dtype, 'int32');
    const x = inputs.toArray() as number[][];
    const y = targets.toArray() as number[][];
    for (let b = 0; b < 4; b++) {
      const s = x[b][0];
      assert.ok(s >= 0 && s + 8 < 50, `window ${s} inside the stream`);
      assert.deepEqual(
        x[b],
        Array.from({ length: 8 }, (_, t) => s + t),
        'a contiguous window',
      );
      assert.deepEqual(
        y[b],
        Array.from({ length: 8 }, (_, t) => s + t + 1),
        'the next tokens',
      );
    }
  }
  assert.equal(sampler.getState().batches, 5);
});

test('WindowSampler: every start position is drawn, the last one included (uniform over windows)', () => {
  const sampler = new WindowSampler(ids(20), { batchSize: 64, context: 4, seed: 7 });
  const seen = new Array(sampler.windows).fill(0);
  for (let k = 0; k < 50; k++) for (const s of sampler.nextStarts()) seen[s]++;
  assert.ok(
    seen.every((c) => c > 150 && c < 250),
    `each of 16 starts about 200 times in 3200: ${seen}`,
  );
});

test('WindowSampler: reproducible under manualSeed, independent of the global stream, resumable from its state', () => {
  const take = (s: WindowSampler, n: number): number[][] => Array.from({ length: n }, () => Array.from(s.nextStarts()));
  manualSeed(42);
  const a = new WindowSampler(ids(1000), { batchSize: 8, context: 16 });
  const first = take(a, 3);
  manualSeed(42);
  const b = new WindowSampler(ids(1000), { batchSize: 8, context: 16 });
  randomPermutation(10); // the global stream moves on (e.g. dropout): the sampler's batches do not change
  assert.deepEqual(take(b, 3), first);
  // Resume: a fresh sampler given the state after 3 batches draws what the first one draws next.
  const state = JSON.parse(JSON.stringify(a.getState()));
  const c = new WindowSampler(ids(1000), { batchSize: 8, context: 16, seed: 999 });
  c.setState(state);
  assert.deepEqual(take(c, 4), take(a, 4));
  assert.equal(c.getState().batches, 7);
  // An explicit seed needs no global seeding.
  assert.deepEqual(
    take(new WindowSampler(ids(1000), { batchSize: 8, context: 16, seed: 3 }), 2),
    take(new WindowSampler(ids(1000), { batchSize: 8, context: 16, seed: 3 }), 2),
  );
  assert.throws(() => c.setState({ rng: -1, batches: 0 }), /WindowSampler\.setState: got state -1/);
});

test('WindowSampler: bad input is refused with what was expected', () => {
  assert.throws(
    () => new WindowSampler(ids(8), { batchSize: 2, context: 8 }),
    /got 8 tokens; expected at least context \+ 1 = 9/,
  );
  assert.throws(
    () => new WindowSampler(ids(20), { batchSize: 0, context: 4 }),
    /got batchSize=0; expected a positive integer/,
  );
  assert.throws(() => new WindowSampler(ids(20), { batchSize: 2 } as never), /got context=undefined/);
  assert.throws(
    () => new WindowSampler([0, 1, 5, 2, 1], { batchSize: 1, context: 2, vocabSize: 5 }),
    (e: Error) =>
      e instanceof ArgumentError &&
      /id 5 at position 2 is outside the vocabulary; expected integer ids in 0\.\.4/.test(e.message),
  );
  assert.throws(
    () => new WindowSampler(ids(20), { batchSize: 2, context: 4, batch_size: 2 } as never),
    /unknown option 'batch_size'/,
  );
});

test('BigramModel: add-one smoothed probabilities, by hand', () => {
  // Train "ababa": a→b twice, b→a twice. P(b|a) = (2+1)/(2+2), P(a|a) = (0+1)/(2+2).
  const model = BigramModel.fit([0, 1, 0, 1, 0], 2);
  assert.equal(model.logProb(0, 1), Math.log(3 / 4));
  assert.equal(model.logProb(0, 0), Math.log(1 / 4));
  // Validation "bb" after the last training token "a": a→b, b→b.
  assert.equal(model.loss([1, 1], 0), -(Math.log(3 / 4) + Math.log(1 / 4)) / 2);
  assert.equal(model.loss([1, 1]), -Math.log(1 / 4), 'without previous, the first token is not predicted');
  // An unseen row is uniform; every row sums to one.
  const m3 = BigramModel.fit([0, 1, 1, 0, 1], 3);
  assert.equal(m3.logProb(2, 0), Math.log(1 / 3));
  for (let i = 0; i < 3; i++) {
    const total = [0, 1, 2].reduce((s, j) => s + Math.exp(m3.logProb(i, j)), 0);
    assert.ok(Math.abs(total - 1) < 1e-12, `row ${i} sums to ${total}`);
  }
  assert.throws(
    () => model.loss([0, 2]),
    /id 2 at position 1 is outside the vocabulary; expected integer ids in 0\.\.1/,
  );
  assert.throws(() => model.loss([0]), /nothing to predict/);
  assert.throws(() => BigramModel.fit([0], 0), /vocabSize=0/);
});

test('bigramBaseline: the validation loss equals an independent count over character pairs', () => {
  const text = 'the cat sat on the mat; the rat ate the hat. '.repeat(20) + 'a bat and a cat at the vat.';
  const tok = CharTokenizer.fit(text);
  const split = splitTokens(tok.encode(text));
  const { validationLoss, trainLoss, uniformLoss, model } = bigramBaseline(split, tok);
  // Oracle: the same formula over the characters themselves, with string-keyed counts.
  const chars = [...text];
  const cut = split.train.length;
  const pair = new Map<string, number>();
  const row = new Map<string, number>();
  for (let t = 1; t < cut; t++) {
    pair.set(chars[t - 1] + chars[t], (pair.get(chars[t - 1] + chars[t]) ?? 0) + 1);
    row.set(chars[t - 1], (row.get(chars[t - 1]) ?? 0) + 1);
  }
  const V = new Set(chars).size;
  let nll = 0;
  for (let t = cut; t < chars.length; t++)
    nll -= Math.log(((pair.get(chars[t - 1] + chars[t]) ?? 0) + 1) / ((row.get(chars[t - 1]) ?? 0) + V));
  assert.ok(
    Math.abs(validationLoss - nll / (chars.length - cut)) < 1e-12,
    `${validationLoss} vs ${nll / (chars.length - cut)}`,
  );
  assert.equal(model.vocabSize, V);
  assert.equal(uniformLoss, Math.log(V));
  assert.ok(
    trainLoss < validationLoss && validationLoss < uniformLoss,
    `${trainLoss} < ${validationLoss} < ${uniformLoss}`,
  );
});

test('sequentialWindows: every target once, in order, in batches; the short tail left out', () => {
  const stream = Int32Array.from({ length: 23 }, (_, i) => i);
  const batches = [...sequentialWindows(stream, { batchSize: 2, context: 4 })];
  // (23 - 1) / 4 = 5 windows: starts 0, 4, 8, 12, 16 in batches of 2, 2, 1; targets 1..20.
  assert.deepEqual(
    batches.map((b) => b.inputs.shape),
    [
      [2, 4],
      [2, 4],
      [1, 4],
    ],
  );
  const targets = batches.flatMap((b) => b.targets.toFlatArray());
  assert.deepEqual(
    targets,
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  const inputs = batches.flatMap((b) => b.inputs.toFlatArray());
  assert.deepEqual(
    inputs,
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.equal(batches[0].targets.dtype, 'int32');
  assert.throws(
    () => [...sequentialWindows([0, 1, 2], { batchSize: 1, context: 3 })],
    /got 3 tokens; expected at least context \+ 1 = 4/,
  );
});
