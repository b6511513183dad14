/** ONNX export to a file (Node-only): the bytes of `toOnnx`, written atomically. */
import type { AnyModule } from '../../nn/module.js';
import { ArgumentError, describe } from '../../util/errors.js';
import { writeFileAtomic } from '../atomic.js';
import { toOnnx, type OnnxExport, type ToOnnxOptions } from './export.js';

/** What `exportOnnx` wrote: the file, its size in bytes, and the graph's description. */
export interface OnnxFileSummary extends Omit<OnnxExport, 'data'> {
  file: string;
  bytes: number;
}

/**
 * Write `model` as an ONNX file (opset 17) that onnxruntime and other ONNX tools run.
 * @example await exportOnnx(model, 'out/mnist.onnx') // { file, bytes, opset: 17, inputs, outputs, nodes, ops }
 */
export async function exportOnnx(
  model: AnyModule,
  file: string,
  options: ToOnnxOptions = {},
): Promise<OnnxFileSummary> {
  if (typeof file !== 'string' || file === '')
    throw new ArgumentError(`exportOnnx: got file ${describe(file)}; expected the path of the .onnx file to write`);
  const { data, ...summary } = await toOnnx(model, options);
  writeFileAtomic(file, data);
  return { file, bytes: data.byteLength, ...summary };
}
