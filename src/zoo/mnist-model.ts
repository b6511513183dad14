/**
 * The seed's CNN (section 4.2), layer for layer:
 *   Conv2D(32, 3×3, relu, input 28×28×1) → MaxPooling2D(2) → Conv2D(64, 3×3, relu) → MaxPooling2D(2)
 *   → Conv2D(64, 3×3, relu) → Flatten → Dense(64, relu) → Dense(10, softmax)
 * compiled with Adam, sparse categorical cross-entropy and accuracy: 93,322 parameters.
 * Only the definition, apart from its Node training run (mnist-cnn.ts), so that a browser
 * (the playground) can build it from the browser entry.
 */
import { Conv2D, Dense, Flatten, MaxPooling2D, type Module } from '../nn/index.js';
import { Sequential } from '../keras/sequential.js';

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

/** The seed's model, compiled as the seed compiles it. */
export function seedMnistCnn(): Sequential {
  const model = new Sequential(seedMnistLayers());
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}
