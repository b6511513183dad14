/**
 * ONNX mappings of the feed-forward layers: Dense, Conv2D, the pooling layers, BatchNormalization,
 * LayerNormalization, Dropout, Flatten and Embedding.
 *
 * Layout: tessera's images are channels-last [N, H, W, C] and the exported model takes them so;
 * ONNX's Conv and pooling ops are channels-first, so each such layer transposes in and out, and
 * the graph drops a transpose that undoes the previous one (Conv → ReLU → MaxPool stays in NCHW).
 * Weights are rearranged with tessera's own ops (permute) before they are written.
 */
import type { Dense } from '../../nn/dense.js';
import type { Conv2D } from '../../nn/conv.js';
import type { AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D } from '../../nn/pooling.js';
import type { BatchNormalization } from '../../nn/batchnorm.js';
import type { LayerNormalization } from '../../nn/layernorm.js';
import type { Embedding } from '../../nn/embedding.js';
import { activationName } from '../../nn/activations.js';
import { ones, zeros } from '../../tensor/creation.js';
import { permute } from '../../ops/movement.js';
import type { Padding } from '../../ops/conv.js';
import { attr, type OnnxGraph } from './graph.js';
import { emitActivation, isElementwise } from './activations.js';
import { registerOnnxMapping, unsupported } from './registry.js';
import type { OnnxAttributeValue } from './proto.js';

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

registerOnnxMapping<Dense>(
  'Dense',
  (layer, [x], g, site) => {
    const w = g.weight(layer.weight!, `${site.path}.weight`);
    const b = layer.bias && g.weight(layer.bias, `${site.path}.bias`);
    const hint = `${site.path}.dense`;
    let y: string;
    // Gemm is ONNX's x·W + b for a matrix; more leading axes take MatMul (which broadcasts them).
    if (x.shape.length === 2) y = g.op('Gemm', b ? [x.name, w, b] : [x.name, w], {}, hint);
    else {
      y = g.op('MatMul', [x.name, w], {}, hint);
      if (b) y = g.op('Add', [y, b], {}, hint);
    }
    return emitActivation(g, activationName(layer.activation), y, site);
  },
  { aliases: ['Linear'] },
);

/**
 * Conv and pooling geometry: zero pads for 'valid'; for 'same', TensorFlow's (the odd pixel at the
 * end). With stride 1 those pads do not depend on the image size and are written out; otherwise
 * ONNX's SAME_UPPER computes them (which onnxruntime refuses with dilation, but Conv2D allows
 * dilation only with stride 1).
 */
function padding(
  mode: Padding,
  kernel: readonly number[],
  strides: readonly number[],
  dilation: readonly number[] = [1, 1],
): Record<string, OnnxAttributeValue> {
  if (mode === 'valid') return { pads: attr.ints([0, 0, 0, 0]) };
  if (strides.some((s) => s !== 1)) return { auto_pad: attr.string('SAME_UPPER') };
  const total = kernel.map((k, i) => (k - 1) * dilation[i]);
  const before = total.map((t) => Math.floor(t / 2));
  return { pads: attr.ints([...before, ...total.map((t, i) => t - before[i])]) };
}

registerOnnxMapping<Conv2D>('Conv2D', (layer, [x], g, site) => {
  // Kernel [kH, kW, in, out] (Keras) → [out, in, kH, kW] (ONNX).
  const w = g.weight(permute(layer.weight!, [3, 2, 0, 1]), `${site.path}.weight`);
  const b = layer.bias && g.weight(layer.bias, `${site.path}.bias`);
  const nchw = g.transpose(x.name, TO_NCHW, `${site.path}.nchw`);
  const conv = g.op(
    'Conv',
    b ? [nchw, w, b] : [nchw, w],
    {
      kernel_shape: attr.ints(layer.kernelSize),
      strides: attr.ints(layer.strides),
      dilations: attr.ints(layer.dilationRate),
      ...padding(layer.padding, layer.kernelSize, layer.strides, layer.dilationRate),
    },
    `${site.path}.conv`,
  );
  const activation = activationName(layer.activation);
  // An elementwise activation runs before transposing back, so a following pooling layer needs no transposes.
  if (isElementwise(activation))
    return g.transpose(emitActivation(g, activation, conv, site, { hint: `${site.path}.act` }), TO_NHWC, site.path);
  return emitActivation(g, activation, g.transpose(conv, TO_NHWC, `${site.path}.nhwc`), site);
});

function pooling(opType: 'MaxPool' | 'AveragePool') {
  return (
    layer: MaxPooling2D | AveragePooling2D,
    [x]: readonly { name: string }[],
    g: OnnxGraph,
    site: { path: string },
  ) => {
    const nchw = g.transpose(x.name, TO_NCHW, `${site.path}.nchw`);
    const pooled = g.op(
      opType,
      [nchw],
      {
        kernel_shape: attr.ints(layer.poolSize),
        strides: attr.ints(layer.strides),
        ...padding(layer.padding, layer.poolSize, layer.strides),
      },
      `${site.path}.pool`,
    );
    return g.transpose(pooled, TO_NHWC, site.path);
  };
}
registerOnnxMapping<MaxPooling2D>('MaxPooling2D', pooling('MaxPool'));
registerOnnxMapping<AveragePooling2D>('AveragePooling2D', pooling('AveragePool'));

registerOnnxMapping<GlobalAveragePooling2D>('GlobalAveragePooling2D', (layer, [x], g, site) =>
  g.op('ReduceMean', [x.name], { axes: attr.ints([1, 2]), keepdims: attr.int(layer.keepDims ? 1 : 0) }, site.path),
);

registerOnnxMapping<BatchNormalization>('BatchNormalization', (layer, [x], g, site) => {
  // ONNX normalises per channel on axis 1: move the feature axis there and back (a channels-last
  // image takes the same transposes as a convolution, so Conv → BatchNormalization stays in NCHW).
  const rank = x.shape.length;
  const axis = layer.axis < 0 ? layer.axis + rank : layer.axis;
  const perm = [0, axis, ...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== 0 && i !== axis)];
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const moved = axis === 1 ? x.name : g.transpose(x.name, perm, `${site.path}.moved`);
  const features = layer.features!;
  const p = site.path;
  const normalised = g.op(
    'BatchNormalization',
    [
      moved,
      g.weight(layer.gamma ?? ones([features]), `${p}.gamma`),
      g.weight(layer.beta ?? zeros([features]), `${p}.beta`),
      g.weight(layer.movingMean!, `${p}.movingMean`),
      g.weight(layer.movingVariance!, `${p}.movingVariance`),
    ],
    { epsilon: attr.float(layer.epsilon) },
    `${p}.bn`,
  );
  return axis === 1 ? normalised : g.transpose(normalised, inverse, p);
});

registerOnnxMapping<LayerNormalization>('LayerNormalization', (layer, [x], g, site) => {
  // ONNX's LayerNormalization normalises the axes from `axis` to the last: the layer's must be those.
  const rank = x.shape.length;
  const axes = (typeof layer.axis === 'number' ? [layer.axis] : [...layer.axis])
    .map((a) => (a < 0 ? a + rank : a))
    .sort((a, b) => a - b);
  if (!axes.every((a, i) => a === rank - axes.length + i))
    throw unsupported(
      site,
      `normalises axes ${JSON.stringify(layer.axis)} of a rank-${rank} input; ONNX's LayerNormalization op takes only trailing axes`,
    );
  const shape = layer.normalizedShape!;
  const inputs = [x.name, g.weight(layer.weight ?? ones(shape), `${site.path}.weight`)];
  if (layer.bias) inputs.push(g.weight(layer.bias, `${site.path}.bias`));
  return g.op('LayerNormalization', inputs, { axis: attr.int(axes[0]), epsilon: attr.float(layer.epsilon) }, site.path);
});

// Inference only: dropout is the identity then.
registerOnnxMapping('Dropout', (_layer, [x], g, site) => g.op('Identity', [x.name], {}, site.path));

// Flatten keeps tessera's (channels-last) order: the graph's values are in tessera's layout here.
registerOnnxMapping('Flatten', (_layer, [x], g, site) => g.op('Flatten', [x.name], { axis: attr.int(1) }, site.path));

registerOnnxMapping<Embedding>(
  'Embedding',
  (layer, [ids], g, site) =>
    g.op('Gather', [g.weight(layer.weight, `${site.path}.weight`), ids.name], { axis: attr.int(0) }, site.path),
  { inputDType: 'int32' },
);
