/**
 * ONNX export of a model built from tessera's layers: a Sequential, or any Module whose forward
 * only chains layers (nested Sequentials and hand-written Modules included).
 *
 * How: the model runs once, in eval mode and without gradients, on a sample batch of zeros, with a
 * forward hook on every layer that has an ONNX mapping (./registry.ts) — containers without one
 * are looked into, not hooked. The hooks record which layer was called on which tensor, so the
 * graph follows the real data flow, in the order the layers ran; each call is then written by its
 * layer's mapping. A value that no recorded layer produced (arithmetic in a forward between
 * layers) cannot be exported and is refused, naming the layer that took it.
 *
 * The exported model takes and returns what tessera's does (channels-last images, batch-first
 * sequences, int32 token ids), with a variable batch size (`batch`) and, where the input shape has
 * null sizes, variable sizes there too. Opset 17 (ONNX 1.12, 2022): LayerNormalization is an op.
 */
import { Tensor } from '../../tensor/tensor.js';
import { zeros } from '../../tensor/creation.js';
import { noGrad } from '../../autograd/mode.js';
import { Module, type AnyModule } from '../../nn/module.js';
import { ArgumentError, ShapeError, describe } from '../../util/errors.js';
import { checkOptions } from '../../util/options.js';
import { OnnxGraph, type OnnxValue } from './graph.js';
import { encodeOnnxModel, type OnnxValueInfo } from './proto.js';
import { onnxMappingOf, unsupported, type OnnxMappingEntry, type OnnxSite } from './registry.js';
// The built-in layers' mappings register themselves.
import './activations.js';
import './layers.js';
import './recurrent.js';
import './attention.js';
import { classNameOf } from '../../util/class-names.js';

export const ONNX_OPSET = 17;
/** Sizes of the traced sample where the real ones vary: a batch of 2, and 3 for other null sizes. */
const TRACE_BATCH = 2;
const TRACE_SIZE = 3;

export interface ToOnnxOptions {
  /**
   * One sample's shape, without the batch axis (null for a size that varies, such as the time
   * axis of a sequence). Default: the shape the model was built for, or its first layer's inputShape.
   */
  inputShape?: readonly (number | null)[];
  /**
   * For a model whose forward takes several tensors (a Transformer's source and target): one
   * shape per tensor, in the order forward takes them; the graph's inputs are then `input_0`, `input_1`, ….
   */
  inputShapes?: readonly (readonly (number | null)[])[];
  /** The inputs' element type: 'int32' for token ids. Default: int32 when the first layer is an Embedding, else float32. */
  inputDType?: 'float32' | 'int32';
}

export interface OnnxExport {
  /** The .onnx file's bytes. */
  data: Uint8Array;
  opset: number;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Number of nodes in the graph. */
  nodes: number;
  /** The ONNX op types used, sorted. */
  ops: string[];
}

interface Unit {
  site: OnnxSite;
  module: AnyModule;
  entry: OnnxMappingEntry | null;
}

interface Call {
  unit: Unit;
  args: unknown[];
  output: unknown;
}

/** The model as an ONNX file's bytes, with a description of its inputs and outputs. */
export async function toOnnx(model: AnyModule, options: ToOnnxOptions = {}): Promise<OnnxExport> {
  const fn = 'toOnnx';
  if (!(model instanceof Module))
    throw new ArgumentError(`${fn}: got ${describe(model)}; expected a model (a Module, e.g. a Sequential)`);
  checkOptions(fn, options, ['inputShape', 'inputShapes', 'inputDType'], '{ inputShape: [28, 28, 1] }');
  const units = exportUnits(model);
  const shapes = sampleShapesOf(fn, model, options);
  const dtype = options.inputDType ?? units[0]?.entry?.inputDType ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'int32')
    throw new ArgumentError(`${fn}: got inputDType=${describe(dtype)}; expected 'float32' or 'int32'`);
  const samples = shapes.map((shape) => zeros([TRACE_BATCH, ...shape.map((d) => d ?? TRACE_SIZE)], { dtype }));
  const { calls, output } = trace(model, units, samples);

  const g = new OnnxGraph();
  const inputNames = samples.map((_, i) => g.uniqueName(samples.length === 1 ? 'input' : `input_${i}`));
  const outputName = g.uniqueName('output');
  const values = new Map<Tensor, OnnxValue>(
    samples.map((x, i) => [x, { name: inputNames[i], shape: [null, ...x.shape.slice(1)] }]),
  );
  for (const call of calls) writeCall(call, values, g);
  // Checked after the layers, whose own errors say more (an LSTM with returnState returns a list).
  if (!(output instanceof Tensor))
    throw new ArgumentError(
      `${fn}: ${classNameOf(model)}.forward returned ${describe(output)}; expected one Tensor (the model's output)`,
    );
  const last = values.get(output);
  if (last === undefined)
    throw new ArgumentError(
      `${fn}: the output of ${classNameOf(model)} (shape ${describe(output.shape)}) is not the output of a layer (it is computed in a forward after the last layer); the ONNX export follows layers only`,
    );
  g.node('Identity', [last.name], {}, { names: [outputName] });

  const { nodes, initializers } = await g.finish([outputName]);
  const variable = shapes.some((shape) => shape.some((d) => d === null));
  const inputs: OnnxValueInfo[] = shapes.map((shape, i) => ({
    name: inputNames[i],
    dtype,
    shape: ['batch', ...shape.map((d, axis) => d ?? `${inputNames[i]}_dim${axis + 1}`)],
  }));
  // Where the input has variable sizes the traced output sizes may be stand-ins: those are left named, not fixed.
  const outputs: OnnxValueInfo[] = [
    {
      name: outputName,
      dtype: output.dtype === 'int32' ? 'int32' : 'float32',
      shape: ['batch', ...output.shape.slice(1).map((d, i) => (variable ? `output_dim${i + 1}` : d))],
    },
  ];
  const graphName = 'name' in model && typeof model.name === 'string' ? model.name : classNameOf(model);
  const data = await encodeOnnxModel({ opset: ONNX_OPSET, graphName, nodes, initializers, inputs, outputs });
  return {
    data,
    opset: ONNX_OPSET,
    inputs,
    outputs,
    nodes: nodes.length,
    ops: [...new Set(nodes.map((n) => n.opType))].sort(),
  };
}

/** Write one recorded layer call with its mapping, naming its output; refuses what cannot be written. */
function writeCall({ unit, args, output }: Call, values: Map<Tensor, OnnxValue>, g: OnnxGraph): void {
  const { site, entry } = unit;
  if (entry === null)
    throw unsupported(
      site,
      `has no ONNX mapping, so there is no ONNX op for what it computes; register one with registerOnnxMapping('${site.className}', (layer, [x], g) => …)`,
    );
  const extra = args.filter((a) => !(a instanceof Tensor) && !isEmpty(a));
  if (extra.length && !entry.readsOptions)
    throw unsupported(
      site,
      `was called with ${describe(extra[0])} beside its input; the ONNX export writes calls on tensors only (no masks, initial states or options)`,
    );
  const inputs = args
    .filter((a): a is Tensor => a instanceof Tensor)
    .map((t) => {
      const v = values.get(t);
      if (v === undefined)
        throw unsupported(
          site,
          `takes a tensor of shape ${describe(t.shape)} that no layer produced (computed in a forward between layers); the ONNX export follows layers only: do that computation in a layer with an ONNX mapping`,
        );
      return v;
    });
  if (!(output instanceof Tensor))
    throw unsupported(
      site,
      `returned ${describe(output)}; the ONNX export takes layers that return one tensor (a recurrent layer without returnState)`,
    );
  const name = entry.map(unit.module, inputs, g, entry.readsOptions ? { ...site, options: extra } : site);
  values.set(output, { name, shape: [null, ...output.shape.slice(1)] });
}

/** The modules to hook: those with a mapping, and leaves without one (an error if called); containers are looked into. */
function exportUnits(model: AnyModule): Unit[] {
  const units: Unit[] = [];
  const seen = new Set<AnyModule>();
  const visit = (path: string, m: AnyModule): void => {
    if (seen.has(m)) return;
    seen.add(m);
    const { className, entry } = onnxMappingOf(m);
    const children = m.namedChildren();
    if (entry !== null || children.length === 0) {
      units.push({ site: { path, className }, module: m, entry });
      return;
    }
    for (const [name, child] of children) visit(path ? `${path}.${name}` : name, child);
  };
  visit('', model);
  return units;
}

/** Run the model once on `samples` in eval mode, recording every hooked layer's call in the order it finished. */
function trace(model: AnyModule, units: Unit[], samples: Tensor[]): { calls: Call[]; output: unknown } {
  const calls: Call[] = [];
  const removers = units.map((unit) =>
    unit.module.registerForwardHook((_m, args, output) => {
      calls.push({ unit, args: [...(args as unknown[])], output });
    }),
  );
  const modes = model.modules().map((m) => [m, m.training] as const);
  let output: unknown;
  try {
    model.eval(); // dropout off, BatchNormalization on its moving statistics: what the file computes
    output = noGrad(() => model.call(...samples));
  } finally {
    for (const remove of removers) remove();
    for (const [m, training] of modes) m.training = training;
  }
  return { calls, output };
}

/** Each input's sample shape (no batch axis): the options, the shape the model was built for, or its inputShape. */
function sampleShapesOf(fn: string, model: AnyModule, options: ToOnnxOptions): (number | null)[][] {
  if (options.inputShape !== undefined && options.inputShapes !== undefined)
    throw new ArgumentError(`${fn}: got both inputShape and inputShapes; expected one of them`);
  if (options.inputShapes !== undefined) {
    if (!Array.isArray(options.inputShapes) || options.inputShapes.length === 0)
      throw new ArgumentError(
        `${fn}: got inputShapes=${describe(options.inputShapes)}; expected one sample shape per input, e.g. [[null, 32], [null, 32]]`,
      );
    return options.inputShapes.map((shape) => checkSampleShape(fn, shape));
  }
  const shape = options.inputShape ?? model.buildInputShape?.slice(1) ?? model.inputShape;
  if (shape === null || shape === undefined)
    throw new ArgumentError(
      `${fn}: the input shape of ${classNameOf(model)} is not known; pass { inputShape } (one sample's shape, e.g. [28, 28, 1]), or build the model first (model.build([null, ...shape]) or one call on a batch)`,
    );
  return [checkSampleShape(fn, shape)];
}

function checkSampleShape(fn: string, shape: unknown): (number | null)[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => d === null || (Number.isInteger(d) && d > 0)))
    throw new ShapeError(
      `${fn}: got input shape ${describe(shape)}; expected one sample's shape without the batch axis, e.g. [28, 28, 1] (null for a size that varies)`,
    );
  return [...shape];
}

/** An argument that says nothing: undefined, null, or an options object whose values all are. */
function isEmpty(a: unknown): boolean {
  if (a === undefined || a === null) return true;
  return typeof a === 'object' && !Array.isArray(a) && Object.values(a).every((v) => v === undefined || v === null);
}
