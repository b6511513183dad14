/**
 * The embedding layer: int32 token ids [...] → vectors [..., outputDim], one learned row per id.
 *
 * Options are Keras's (`inputDim`, the vocabulary size; `outputDim`; `embeddingsInitializer`),
 * as for every Keras-style layer here (Dense's `units`, `kernelInitializer`), plus PyTorch's
 * `paddingIdx`, for which Keras has no counterpart: that row starts at zero and never gets a
 * gradient, so padding tokens embed to zeros for the whole run. (Keras's `maskZero`, which instead
 * hands a mask to the next layers, is not offered yet.)
 *
 * The table `weight` is [inputDim, outputDim]: PyTorch's nn.Embedding layout (num_embeddings,
 * embedding_dim) and Keras's `embeddings`, so weights move between the three as they are. The
 * default initialiser is Keras's, U(−0.05, 0.05) ('uniform'); PyTorch's is N(0, 1), which
 * `embeddingsInitializer: init.normal({ std: 1 })` gives.
 *
 * The lookup is the `embedding` op: a gather forward and a scatter-add backward (no one-hot).
 */
import { Tensor } from '../tensor/tensor.js';
import { embedding, paddingIndex } from '../ops/embedding.js';
import { ArgumentError, DTypeError, ShapeError, describe } from '../util/errors.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { registerLayer } from './registry.js';
import { checkInitShape, checkLayerShape, checkOptions, positiveInt, type LayerShape } from './layer-util.js';
import { getInitializer, type Initializer, type InitializerName } from './init.js';
import { fromHostValues } from '../tensor/creation.js';
import { ne, where } from '../ops/elementwise.js';
import { clone, reshape } from '../ops/movement.js';
import { classNameOf, nameOfClass } from '../util/class-names.js';

export interface EmbeddingOptions {
  /** The vocabulary size: ids run from 0 to inputDim − 1 (PyTorch's num_embeddings). */
  inputDim: number;
  /** The size of each vector (PyTorch's embedding_dim). */
  outputDim: number;
  /** Default 'uniform' (Keras's: U(−0.05, 0.05)). */
  embeddingsInitializer?: InitializerName | Initializer;
  /** A row that starts at zero and gets no gradient (PyTorch's padding_idx); negative counts from the end. */
  paddingIdx?: number | null;
  /** One sample's shape without the batch axis, e.g. [sequenceLength] or [null]. */
  inputShape?: readonly (number | null)[];
  /** false freezes the table (requiresGrad false: no gradient, so optimizers leave it); default true. */
  trainable?: boolean;
}

/** Options of `Embedding.fromPretrained`: the table fixes inputDim and outputDim. */
export interface PretrainedEmbeddingOptions {
  /** Default false, as PyTorch's from_pretrained (freeze=True): the vectors stay as given. */
  trainable?: boolean;
  paddingIdx?: number | null;
  inputShape?: readonly (number | null)[];
}

const KEYS = ['inputDim', 'outputDim', 'embeddingsInitializer', 'paddingIdx', 'inputShape', 'trainable'] as const;

export class Embedding extends Module {
  /** The table, [inputDim, outputDim]; built at construction (its shape is known from the options). */
  weight: Parameter;
  readonly inputDim: number;
  readonly outputDim: number;
  /** The padding row as a non-negative index, or null. */
  readonly paddingIdx: number | null;
  #options: EmbeddingOptions;

  constructor(options: EmbeddingOptions) {
    super();
    const fn = nameOfClass(new.target);
    checkOptions(fn, options, KEYS, '{ inputDim: 1000, outputDim: 64 }');
    this.inputDim = positiveInt(fn, 'inputDim', options.inputDim);
    this.outputDim = positiveInt(fn, 'outputDim', options.outputDim);
    this.paddingIdx = paddingIndex(fn, options.paddingIdx, this.inputDim);
    this.#options = { ...options };
    this.setInputShape(options.inputShape);
    const shape = [this.inputDim, this.outputDim];
    const init = getInitializer(options.embeddingsInitializer ?? 'uniform');
    let table = init(shape);
    checkInitShape(fn, 'embeddingsInitializer', table, shape);
    if (this.paddingIdx !== null) table = zeroRow(table.detach(), this.paddingIdx);
    if (options.trainable !== undefined && typeof options.trainable !== 'boolean')
      throw new ArgumentError(`${fn}: got trainable=${describe(options.trainable)}; expected true or false`);
    this.weight = new Parameter(table, options.trainable ?? true);
  }

  /**
   * An embedding whose table is a copy of `table` [inputDim, outputDim], e.g. word vectors from
   * `tessera embed`; frozen unless `trainable: true`.
   * @example const layer = Embedding.fromPretrained(loadWordVectors('out/embed-word2vec').vectors)
   */
  static fromPretrained(table: Tensor, options: PretrainedEmbeddingOptions = {}): Embedding {
    const fn = 'Embedding.fromPretrained';
    if (!(table instanceof Tensor) || table.rank !== 2 || table.dtype !== 'float32')
      throw new ShapeError(`${fn}: got ${describe(table)}; expected a float32 Tensor [inputDim, outputDim]`);
    checkOptions(fn, options, ['trainable', 'paddingIdx', 'inputShape'], '{ trainable: false }');
    const [inputDim, outputDim] = table.shape;
    return new Embedding({
      inputDim,
      outputDim,
      embeddingsInitializer: () => clone(table.detach()),
      trainable: options.trainable ?? false,
      ...(options.paddingIdx !== undefined ? { paddingIdx: options.paddingIdx } : {}),
      ...(options.inputShape !== undefined ? { inputShape: options.inputShape } : {}),
    });
  }

  /** Keras's name for the table. */
  get embeddings(): Parameter {
    return this.weight;
  }

  /** The table's shape is fixed by the options; this only checks and records the input shape. */
  override build(inputShape: LayerShape): void {
    this.computeOutputShape(inputShape);
    this.rememberBuildShape(inputShape);
  }

  /** [...] → [..., outputDim]. */
  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    const shape = checkLayerShape(`${classNameOf(this)}.computeOutputShape`, inputShape);
    return [...shape, this.outputDim];
  }

  forward(ids: Tensor): Tensor {
    const fn = classNameOf(this);
    if (ids.dtype !== 'int32') {
      throw new DTypeError(
        `${fn}: got input of dtype ${ids.dtype}; expected int32 token ids in [0, ${this.inputDim}) (convert with ids.int())`,
      );
    }
    if (ids.rank === 0) throw new ShapeError(`${fn}: got a 0-d input; expected token ids of shape [batch, ...]`);
    return embedding(this.weight, ids, { paddingIdx: this.paddingIdx });
  }

  /** inputDim, outputDim, the initialiser's name (when given by name) and paddingIdx when set. */
  override getConfig(): Record<string, unknown> {
    const o = this.#options;
    const config: Record<string, unknown> = {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
    };
    if (typeof o.embeddingsInitializer !== 'function')
      config.embeddingsInitializer = o.embeddingsInitializer ?? 'uniform';
    if (o.paddingIdx !== undefined && o.paddingIdx !== null) config.paddingIdx = o.paddingIdx;
    if (!this.weight.requiresGrad) config.trainable = false;
    return config;
  }

  protected override describeSelf(): string {
    const parts = [`inputDim=${this.inputDim}`, `outputDim=${this.outputDim}`];
    if (this.paddingIdx !== null) parts.push(`paddingIdx=${this.paddingIdx}`);
    return parts.join(', ');
  }
}

/** The table with row `row` set to (+0) zeros, through a [rows, 1] mask. */
function zeroRow(table: Tensor, row: number): Tensor {
  const rows = table.shape[0];
  const keep = ne(
    fromHostValues(
      Int32Array.from({ length: rows }, (_, i) => i),
      [rows],
      {},
      table.backend,
    ),
    row,
  );
  return where(reshape(keep, [rows, 1]), table, 0);
}

registerLayer('Embedding', (c) => new Embedding(c as unknown as EmbeddingOptions), { layerClass: Embedding });
