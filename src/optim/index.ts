export {
  Optimizer,
  zerosState,
  type BaseOptions,
  type ParamGroup,
  type ParamGroupSpec,
  type ParamsArg,
  type ParamState,
  type OptimizerStateDict,
} from './optimizer.js';
export type { OptionValue } from './options.js';
export { GradientDescent, type GradientDescentOptions } from './gradient-descent.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export {
  LRScheduler,
  StepLR,
  ExponentialLR,
  CosineAnnealingLR,
  LinearWarmup,
  LambdaLR,
  SequentialLR,
  type LrRule,
  type LRSchedulerState,
  type LinearWarmupOptions,
} from './schedules.js';
export {
  registerOptimizer,
  registeredOptimizers,
  optimizerNames,
  optimizerFactory,
  optimizerToConfig,
  type OptimizerClass,
  type OptimizerConfig,
  type RegisterOptimizerOptions,
} from './registry.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
