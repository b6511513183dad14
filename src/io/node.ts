// Node-only file access: atomic writes, folders, checkpoint generations and safetensors files on disk.
export * from './atomic.js';
export * from './safetensors-file.js';
export { exportOnnx, type OnnxFileSummary } from './onnx/file.js';
export { ensureDir, writeFolderAtomic, recoverFolder } from './folders.js';
export { writeCheckpointDir, latestCheckpoint, isCheckpointDir } from './checkpoint-dir.js';
export * from './optimizer-file.js';
