// Node-only file access: atomic writes and safetensors files on disk.
export * from './atomic.js';
export * from './safetensors-file.js';
export { exportOnnx, type OnnxFileSummary } from './onnx/file.js';
