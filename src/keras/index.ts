/** keras: Sequential / Model with compile, fit, evaluate, predict, callbacks, History and summary (browser-safe). */
export {
  Model,
  WrappedModel,
  type CompileOptions,
  type CompileConfig,
  type BatchOptions,
  type SummaryOptions,
} from './model.js';
export { Sequential } from './sequential.js';
export type {
  OptimizerArg,
  OptimizerName,
  OptimizerFactory,
  LossArg,
  LossString,
  MetricArg,
  MetricName,
  MetricFn,
} from './compile.js';
export type { FitOptions } from './training.js';
export { Callback, History, type Logs, type TrainingParams } from './history.js';
export {
  EarlyStopping,
  ModelCheckpoint,
  LearningRateScheduler,
  CSVLogger,
  ProgbarLogger,
  formatCheckpointPath,
  type EarlyStoppingOptions,
  type ModelCheckpointOptions,
  type LrScheduleFn,
  type MonitorMode,
} from './callbacks.js';
export { ProgressBar, defaultStream, type ProgressStream, type ProgressBarOptions, type Clock } from './progress.js';
export {
  modelToConfig,
  modelFromConfig,
  modelToArtifacts,
  modelFromArtifacts,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type SavedModelConfig,
  type ModelArtifacts,
} from './serialize.js';
export { toPytorch, fromPytorch, type PytorchExport } from './pytorch/convert.js';
