/**
 * The Grad-CAM fixture (test/fixtures/explain.json, made by test/fixtures/make_explain.py): a
 * small conv net with PyTorch's weights, its input, and PyTorch's maps. Shared by the Grad-CAM
 * test and its WebGPU run.
 */
import { Conv2D, Dense, Flatten, MaxPooling2D, Sequential } from '../../src/index.js';
import { loadFixture } from './fixtures.js';
import { fromEntry, type Entry } from './torch-state.js';

export interface ExplainFixture {
  weights: Record<string, Entry>;
  input: Entry;
  cases: { layer: string; target: number; mapShape: number[]; map: number[]; resized: number[]; scores: number[] }[];
}

export const explainFixture = loadFixture<ExplainFixture>('explain.json');

/** The fixture's net on the active backend, with PyTorch's weights. */
export function fixtureNet(): Sequential {
  const model = new Sequential([
    new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 2] }),
    new MaxPooling2D({ poolSize: 2 }),
    new Conv2D({ filters: 6, kernelSize: 3, activation: 'relu' }),
    new Flatten(),
    new Dense({ units: 3 }),
  ]);
  model.loadStateDict(Object.fromEntries(Object.entries(explainFixture.weights).map(([k, e]) => [k, fromEntry(e)])));
  return model;
}
