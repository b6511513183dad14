/**
 * How fit and evaluate compute the loss is chosen from declarations — the loss's `fromLogits` and
 * the model's declared final activation — never by looking at the graph, and both compute it the
 * same way: evaluate's loss on the training data equals fit's epoch loss with the weights held
 * still, exactly, for every way of declaring the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Sequential,
  Model,
  Dense,
  Activation,
  Softmax,
  Sigmoid,
  Loss,
  SGD,
  Adam,
  type Tensor,
  ArgumentError,
  tensor,
  manualSeed,
  oneHot,
} from '../../src/index.js';
import { blobs } from './util.js';

const { x, y } = blobs(48);

/** After a few real epochs, one more with lr 0 (weights still, same batches): its loss is fit's, recomputed. */
async function fitLossThenEvaluate(model: Model, targets: Tensor): Promise<[number, number]> {
  await model.fit(x, targets, { epochs: 3, batchSize: 8, verbose: 0 });
  model.optimizer!.lr = 0;
  const still = await model.fit(x, targets, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
  return [still.history.loss[0], model.evaluate(x, targets, { batchSize: 8 }).loss];
}

test('fit and evaluate compute the same loss, for every way of declaring the output', async () => {
  const twoClass = (last: Dense | Activation | Softmax | Sigmoid, units = 2) => {
    const layers = [new Dense({ units: 8, activation: 'tanh', inputShape: [2] })];
    if (last instanceof Dense) return new Sequential([...layers, last]);
    return new Sequential([...layers, new Dense({ units }), last]);
  };
  class Undeclared extends Model {
    hidden = new Dense({ units: 8, activation: 'tanh' });
    out = new Dense({ units: 2, activation: 'softmax' });
    forward(input: Tensor): Tensor {
      return this.out.call(this.hidden.call(input));
    }
  }
  const onehot = oneHot(y, 2);
  const binary = y.reshape([48, 1]).float();
  const cases: [string, () => Model, Parameters<Model['compile']>[0]['loss'], Tensor][] = [
    [
      'Dense softmax + sparse CE',
      () => twoClass(new Dense({ units: 2, activation: 'softmax' })),
      'sparse_categorical_crossentropy',
      y,
    ],
    [
      'Dense softmax + categorical CE',
      () => twoClass(new Dense({ units: 2, activation: 'softmax' })),
      'categorical_crossentropy',
      onehot,
    ],
    [
      'Dense sigmoid + binary CE',
      () => twoClass(new Dense({ units: 1, activation: 'sigmoid' })),
      'binary_crossentropy',
      binary,
    ],
    [
      "Activation('softmax') layer + sparse CE",
      () => twoClass(new Activation('softmax')),
      'sparse_categorical_crossentropy',
      y,
    ],
    ['Softmax layer + sparse CE', () => twoClass(new Softmax()), 'sparse_categorical_crossentropy', y],
    ['Sigmoid layer + binary CE', () => twoClass(new Sigmoid(), 1), 'binary_crossentropy', binary],
    [
      'linear output + fromLogits',
      () => twoClass(new Dense({ units: 2 })),
      new Loss('sparse_categorical_crossentropy', { fromLogits: true }),
      y,
    ],
    [
      'Model.wrap of a softmax Sequential',
      () => Model.wrap(twoClass(new Dense({ units: 2, activation: 'softmax' }))),
      'sparse_categorical_crossentropy',
      y,
    ],
    ['a Model with its own forward (declares nothing)', () => new Undeclared(), 'sparse_categorical_crossentropy', y],
    ['mse', () => twoClass(new Dense({ units: 1 })), 'mse', binary],
  ];
  for (const [what, make, loss, targets] of cases) {
    manualSeed(5);
    const model = make();
    model.compile({ optimizer: (p) => new Adam(p, { lr: 0.05 }), loss, metrics: ['accuracy'] });
    const [fitLoss, evaluateLoss] = await fitLossThenEvaluate(model, targets);
    assert.equal(evaluateLoss, fitLoss, what);
  }
});

/** A two-class Dense whose logits are [50, −50] for the input [[1]]: p(class 1) = e^−100. */
function confidentlyWrong(): Sequential {
  const layer = new Dense({
    units: 2,
    activation: 'softmax',
    inputShape: [1],
    kernelInitializer: () => tensor([[50, -50]]),
  });
  return new Sequential([layer]);
}

test('the declared softmax decides: the loss is computed from the logits, exact where probabilities underflow', () => {
  const x1 = tensor([[1]]),
    wrong = tensor([1], { dtype: 'int32' });
  // Independent oracle: −log softmax([50, −50])[1] = 100 + log(1 + e^−100) = 100.
  const declared = confidentlyWrong();
  declared.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  assert.ok(Math.abs(declared.evaluate(x1, wrong).loss - 100) < 1e-4);
  // The same outputs from a model that declares nothing: the probabilities, clamped as Keras does.
  class Undeclared extends Model {
    inner = confidentlyWrong();
    forward(input: Tensor): Tensor {
      return this.inner.call(input);
    }
  }
  const plain = new Undeclared();
  plain.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  assert.ok(Math.abs(plain.evaluate(x1, wrong).loss - -Math.log(1e-7)) < 1e-3);
  // …and one that declares it by overriding finalActivation / callBeforeActivation is fused again.
  class Declared extends Undeclared {
    override get finalActivation(): string {
      return 'softmax';
    }
    override callBeforeActivation(input: Tensor): Tensor {
      return this.inner.callBeforeActivation(input);
    }
  }
  const opted = new Declared();
  opted.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
  assert.ok(Math.abs(opted.evaluate(x1, wrong).loss - 100) < 1e-4);
});

test('the declarations must agree: fromLogits on a model that ends in softmax is refused at compile', () => {
  const model = confidentlyWrong();
  assert.throws(
    () => model.compile({ optimizer: 'sgd', loss: new Loss('sparse_categorical_crossentropy', { fromLogits: true }) }),
    (e: Error) =>
      e instanceof ArgumentError &&
      /^Sequential\.compile: the loss 'sparse_categorical_crossentropy' is told that the predictions are logits \(\{ fromLogits: true \}\), but the model ends with softmax/.test(
        e.message,
      ),
  );
  // A softmax over another axis than the loss's is not undone: no fused path, no conflict.
  const other = new Sequential([new Dense({ units: 2, inputShape: [1] }), new Softmax({ axis: 0 })]);
  assert.equal(other.finalActivation, null);
  // The fused path is the declaration's, not a guess from the graph: a model's metrics see its real outputs.
  const sgd = (p: Tensor[]) => new SGD(p, { lr: 0 });
  const fused = confidentlyWrong();
  fused.compile({ optimizer: sgd, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  assert.deepEqual(fused.evaluate(tensor([[1], [1]]), tensor([0, 1], { dtype: 'int32' })).accuracy, 0.5);
});
