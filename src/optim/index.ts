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
  CosineWithWarmup,
  LambdaLR,
  SequentialLR,
  type LrRule,
  type LRSchedulerState,
  type LinearWarmupOptions,
  type CosineWithWarmupOptions,
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
export {
  paramGroupsWithoutDecay,
  type DecayGroup,
  type HasNamedParameters,
  type ParamGroupsWithoutDecayOptions,
} from './param-groups.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
