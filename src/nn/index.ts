/** nn: modules and layers, initialisers, losses and metrics. */
export { Parameter } from './parameter.js';
export {
  Module,
  type AnyModule,
  type ForwardHook,
  type StateDict,
  type LoadStateDictOptions,
  type LoadStateDictResult,
} from './module.js';
export * as init from './init.js';
export { getInitializer, type Initializer, type InitializerName } from './init.js';
export {
  getActivation,
  activationName,
  endsInActivation,
  type ActivationFn,
  type ActivationName,
  type EndsInActivation,
  type InputShapeOption,
  Activation,
  Identity,
  ReLU,
  Sigmoid,
  Tanh,
  SiLU,
  LeakyReLU,
  ELU,
  GELU,
  Softmax,
  LogSoftmax,
} from './activations.js';
export { Dense, Linear, type DenseOptions, type LinearOptions } from './dense.js';
export { Dropout, type DropoutOptions } from './dropout.js';
export { Embedding, type EmbeddingOptions, type PretrainedEmbeddingOptions } from './embedding.js';
export { Conv2D, type Conv2DOptions } from './conv.js';
export {
  MaxPooling2D,
  AveragePooling2D,
  GlobalAveragePooling2D,
  type Pooling2DOptions,
  type GlobalAveragePooling2DOptions,
} from './pooling.js';
export { Flatten } from './flatten.js';
export {
  RecurrentLayer,
  SimpleRNN,
  LSTM,
  GRU,
  Bidirectional,
  type RecurrentOptions,
  type SimpleRNNOptions,
  type RecurrentCallOptions,
  type RecurrentResult,
  type BidirectionalOptions,
  type MergeMode,
} from './recurrent.js';
export { BatchNormalization, type BatchNormalizationOptions } from './batchnorm.js';
export { LayerNormalization, type LayerNormalizationOptions } from './layernorm.js';
export {
  MultiHeadAttention,
  type MultiHeadAttentionOptions,
  type AttentionCallOptions,
} from './attention.js';
export { AttentionCache } from './attention-cache.js';
export {
  PositionalEmbedding,
  SinusoidalPositionalEncoding,
  type PositionalEmbeddingOptions,
  type SinusoidalPositionalEncodingOptions,
} from './positional.js';
export {
  TransformerEncoderLayer,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerDecoder,
  Transformer,
  type TransformerActivation,
  type TransformerLayerOptions,
  type TransformerStackOptions,
  type TransformerOptions,
  type DecoderCallOptions,
  type TransformerCallOptions,
} from './transformer.js';
export {
  registerLayer,
  layerFromConfig,
  layerToConfig,
  layerClassName,
  registeredLayers,
  type LayerConfig,
  type LayerFactory,
  type RegisterLayerOptions,
} from './registry.js';
export type { LayerShape } from './layer-util.js';
export {
  meanSquaredError,
  meanAbsoluteError,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  categoricalCrossEntropy,
  sparseCategoricalCrossEntropy,
  sequenceCrossEntropy,
  getLoss,
  Loss,
  registerLoss,
  registeredLosses,
  lossNameOf,
  type Reduction,
  type LossOptions,
  type ProbabilisticLossOptions,
  type LossFn,
  type LossName,
  type LossKind,
  type LossDefinition,
  type SequenceCrossEntropyOptions,
} from './losses.js';
export {
  accuracy,
  binaryAccuracy,
  binaryMetrics,
  type BinaryMetrics,
  categoricalAccuracy,
  sparseCategoricalAccuracy,
  perplexity,
  registerMetric,
  getMetric,
  metricName,
  registeredMetrics,
  type MetricFn,
} from './metrics.js';
