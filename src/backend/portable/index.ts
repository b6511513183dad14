/**
 * The portable backend: plain TypeScript loops over typed arrays. It runs anywhere JavaScript
 * runs and is the reference every faster backend is tested against.
 */
import type { Backend } from '../types.js';
import { binary, unary, where } from './elementwise.js';
import { reduce } from './reduce.js';
import { matmul } from './matmul.js';
import { copyStrided, gather, scatterAdd } from './movement.js';
import { col2im, im2col } from './conv.js';
import { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward } from './pool.js';
import { biasActivation, biasActivationBackward } from './bias.js';
import { adamStep } from './adam.js';
import { logSoftmax, logSoftmaxBackward } from './softmax.js';

export const portableBackend: Backend = {
  name: 'portable',
  unary,
  binary,
  where,
  reduce,
  logSoftmax,
  logSoftmaxBackward,
  matmul,
  copyStrided,
  gather,
  scatterAdd,
  im2col,
  col2im,
  maxPool2d,
  maxPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  biasActivation,
  biasActivationBackward,
  adamStep,
};
