// Node-only: models and weights as files on disk.
export { saveModel, loadModel, loadHistory, saveWeights, loadWeights, checkModelDestination } from './save.js';
export { saveTrainingCheckpoint, loadTrainingCheckpoint, removeCheckpoint } from './checkpoint.js';
export {
  exportPytorch,
  importPytorch,
  PYTORCH_SOURCE_FILE,
  PYTORCH_WEIGHTS_FILE,
  TESSERA_CONFIG_FILE,
  type PytorchExportResult,
} from './pytorch/files.js';
