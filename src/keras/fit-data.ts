/**
 * What fit trains and validates on, from its arguments: tensors become a DataLoader (shuffled by
 * the global generator, as before), any other data is walked as it comes; validation is split off
 * tensors, given as tensors, or given as data. Also each batch's loss weights.
 */
import { mul } from '../ops/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';
import { TensorDataset } from '../data/dataset.js';
import { DataLoader } from '../data/loader.js';
import { ArgumentError } from '../util/errors.js';
import { Batches, type Batch, type DataSource } from './data-source.js';
import { checkXY, isTensorTuple, splitValidation, type ResolvedFitOptions } from './training.js';
import { checkSampleWeight, classWeightsOf } from './weights.js';

export interface FitData {
  train: Batches;
  validation: Batches | null;
  /** Training samples, when known ahead. */
  samples: number | null;
}

export function fitData(fn: string, first: Tensor | DataSource, y: unknown, o: ResolvedFitOptions): FitData {
  const validationOf = (data: readonly Tensor[] | DataSource | null): Batches | null => {
    if (data === null) return null;
    const source = isTensorTuple(data)
      ? new DataLoader(new TensorDataset(...data), { batchSize: o.validationBatchSize })
      : data;
    return new Batches(`${fn} (validation)`, source, o.validationSteps, 'required');
  };
  if (!isTensorTuple([first, y])) {
    for (const [name, given] of [
      ['validationSplit', o.validationSplit > 0],
      ['sampleWeight', o.sampleWeight !== null],
    ] as const) {
      if (given)
        throw new ArgumentError(
          `${fn}: got ${name} with data that is not tensors; expected ${name === 'sampleWeight' ? 'each batch to carry its own: [x, y, sampleWeight] or { x, y, sampleWeight }' : 'validationData (a held-out DataLoader or batches)'}`,
        );
    }
    const train = new Batches(fn, first as DataSource, o.stepsPerEpoch, 'required');
    const dataset = train.loader?.dataset;
    const samples = dataset && dataset.length !== null && !train.loader?.dropLast ? dataset.length : null;
    return { train, validation: validationOf(o.validationData), samples };
  }
  const x = first as Tensor;
  checkXY(fn, x, y);
  let train: Tensor[] = [x, y as Tensor];
  if (o.sampleWeight !== null) train.push(checkSampleWeight(fn, o.sampleWeight, x.shape[0]));
  let validation = o.validationData;
  if (o.validationSplit > 0) [train, validation] = splitValidation(fn, train, o.validationSplit);
  const loader = new DataLoader(new TensorDataset(...train), { batchSize: o.batchSize, shuffle: o.shuffle });
  return {
    train: new Batches(fn, loader, o.stepsPerEpoch, 'required'),
    validation: validationOf(validation),
    samples: train[0].shape[0],
  };
}

/** A batch's loss weights: its sampleWeight times its targets' class weights; null when neither. */
export function batchWeights(fn: string, batch: Batch, classTable: Float32Array | null): Tensor | null {
  if (classTable === null) return batch.sampleWeight;
  const byClass = classWeightsOf(fn, classTable, batch.y as Tensor);
  return batch.sampleWeight === null ? byClass : mul(batch.sampleWeight, byClass);
}
