export { Tensor, type GradFn, type MultiOutputGradFn, type NestedArray } from './tensor.js';
export * from './creation.js';
export { manualSeed, getRngState, setRngState, randomPermutation } from './random.js';
export { isGradEnabled, setGradEnabled } from './grad-mode.js';
export { broadcastShapes, sizeOf, sameShape } from './shape.js';
