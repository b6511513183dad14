/**
 * The seed CNN's layers alone, in a file free of Node built-ins so that code for browsers (the
 * Chromium benchmark's page) can build the same model; mnist-cnn.ts trains and saves it.
 */
import { Conv2D, Dense, Flatten, MaxPooling2D, type Module } from '../nn/index.js';

/** The seed's layers, fresh and unbuilt-but-shaped (the first has inputShape [28, 28, 1]). */
export function seedMnistLayers(): Module[] {
  return [
    new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    new MaxPooling2D({ poolSize: 2 }),
    new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
    new MaxPooling2D({ poolSize: 2 }),
    new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
    new Flatten(),
    new Dense({ units: 64, activation: 'relu' }),
    new Dense({ units: 10, activation: 'softmax' }),
  ];
}
