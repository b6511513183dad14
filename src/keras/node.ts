// Node-only: models and weights as files on disk.
export { saveModel, loadModel, saveWeights, loadWeights, checkModelDestination } from './save.js';
export { saveTrainingCheckpoint, loadTrainingCheckpoint, removeCheckpoint } from './checkpoint.js';
