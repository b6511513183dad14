/**
 * The loop word2vec and GloVe share: seed, build the model, then `steps` of loss → backward →
 * Adam step, keeping every step's loss (one awaited scalar read per step) so a caller can show that it falls.
 */
import { manualSeed } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Module } from '../nn/module.js';
import { Adam } from '../optim/adam.js';
import { ArgumentError, describe } from '../util/errors.js';

export interface TrainTablesOptions {
  /** Optimizer steps (default 1000). */
  steps?: number;
  /** Adam's starting learning rate; it falls linearly to 1% of it over the run (word2vec's rate falls to 0.01%). */
  lr?: number;
  /** Seeds the initial tables and the data sampler (default 0). */
  seed?: number;
  /** Called after each step with its number (from 1) and loss, e.g. to print progress. */
  onStep?: (step: number, loss: number) => void;
}

export interface TrainTablesResult {
  /** Every step's loss, in order. */
  losses: number[];
  /** The mean loss of the first and of the last tenth of the steps (at most 50 each). */
  lossStart: number;
  lossEnd: number;
}

// biome-ignore lint/suspicious/noExplicitAny: any module whose forward takes the caller's batch
type AnyModule = Module<any, Tensor>;

export async function trainTables<M extends AnyModule>(
  fn: string,
  build: () => M,
  loss: (model: M) => Tensor,
  options: TrainTablesOptions,
): Promise<TrainTablesResult & { model: M }> {
  const steps = options.steps ?? 1000;
  if (!Number.isInteger(steps) || steps < 1)
    throw new ArgumentError(`${fn}: got steps=${describe(steps)}; expected a positive integer`);
  const lr = options.lr as number;
  if (typeof lr !== 'number' || !(lr > 0))
    throw new ArgumentError(`${fn}: got lr=${describe(lr)}; expected a number > 0`);
  manualSeed(options.seed ?? 0);
  const model = build();
  // Adam rather than word2vec's plain SGD: the update is dense and a batch sums many pairs per row,
  // so a frequent word would take a step hundreds of times too long; Adam scales each coordinate.
  const optimizer = new Adam(model.parameters(), { lr });
  const losses: number[] = [];
  for (let step = 1; step <= steps; step++) {
    optimizer.lr = lr * Math.max(0.01, 1 - (step - 1) / steps);
    optimizer.zeroGrad();
    const value = loss(model);
    value.backward();
    optimizer.step();
    // Awaited: under WebGPU a synchronous read is refused. One scalar per step.
    const v = (await value.data())[0];
    losses.push(v);
    options.onStep?.(step, v);
  }
  const span = Math.max(1, Math.min(50, Math.floor(steps / 10)));
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { model, losses, lossStart: avg(losses.slice(0, span)), lossEnd: avg(losses.slice(-span)) };
}
