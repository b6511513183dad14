// ONNX export, browser-safe part (bytes out); exportOnnx (a file) is in ./file.ts, exported by io/node.ts.
export { toOnnx, ONNX_OPSET, type ToOnnxOptions, type OnnxExport } from './export.js';
export { registerOnnxMapping, onnxMappedLayers, type OnnxMapping, type OnnxSite } from './registry.js';
export { OnnxGraph, attr, type OnnxValue } from './graph.js';
export type { OnnxValueInfo, OnnxDType, OnnxAttributeValue } from './proto.js';
