/** keras: Sequential / Model with compile, fit, evaluate, predict, callbacks, History and summary (browser-safe). */
export {
  Model,
  WrappedModel,
  type CompileOptions,
  type CompileConfig,
  type BatchOptions,
  type EvaluateOptions,
  type PredictOptions,
  type SummaryOptions,
} from './model.js';
export type { DataSource, BatchLike } from './data-source.js';
export type { ClassWeight } from './weights.js';
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
  GradientClipping,
} from './compile.js';
export type { FitOptions } from './training.js';
export {
  Callback,
  History,
  historyFromJson,
  HISTORY_FORMAT,
  type HistoryJson,
  type RunInfo,
  type Logs,
  type TrainingParams,
} from './history.js';
export {
  EarlyStopping,
  ModelCheckpoint,
  LearningRateScheduler,
  CSVLogger,
  ProgbarLogger,
  TerminateOnNaN,
  formatCheckpointPath,
  type EarlyStoppingOptions,
  type ModelCheckpointOptions,
  type LrScheduleFn,
  type MonitorMode,
} from './callbacks.js';
export { BackupAndRestore, type BackupAndRestoreOptions } from './backup.js';
export { FitRun, type TrainingState, type TrainerRecord, type DataSourceState } from './fit-run.js';
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
export {
  toPytorch,
  fromPytorch,
  registerPytorchModel,
  type PytorchExport,
  type PytorchModelForm,
} from './pytorch/convert.js';
