/**
 * Positional information for sequence models, as layers that add a vector per position to their
 * input [batch, time, dModel] (so they sit in a `Sequential` after the token embedding):
 *
 * - `PositionalEmbedding({ maxLength })`: a learned table `weight` [maxLength, dModel] (GPT's
 *   position embedding; PyTorch's nn.Embedding(maxLength, dModel) holds the same `weight`).
 * - `SinusoidalPositionalEncoding()`: the fixed table of "Attention Is All You Need",
 *     P[pos, 2i] = sin(pos / base^(2i/dModel)),  P[pos, 2i+1] = cos(pos / base^(2i/dModel)),
 *   with base 10000; nothing is learned and nothing is saved.
 *
 * `maxLength` is the context: a longer sequence is refused with an error naming both lengths
 * (the sinusoidal table has no limit unless one is given).
 */
import type { Tensor } from '../tensor/tensor.js';
import { arange } from '../tensor/creation.js';
import { add, cos, exp, mul, sin } from '../ops/elementwise.js';
import { reshape, sliceAxis, stack } from '../ops/movement.js';
import { requireFloat } from '../ops/util.js';
import { ArgumentError, ShapeError, describe } from '../util/errors.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { registerLayer } from './registry.js';
import { checkLayerShape, checkOptions, positiveInt, type LayerShape } from './layer-util.js';
import { getInitializer, type Initializer, type InitializerName } from './init.js';

export interface PositionalEmbeddingOptions {
  /** The context: the longest sequence the table covers. */
  maxLength: number;
  /** Width of the table; taken from the first input's last axis when omitted. */
  dModel?: number;
  /** How the table starts (default 'glorot_uniform', as Keras's PositionEmbedding). */
  initializer?: InitializerName | Initializer;
  /** One sample's shape [time, dModel]; builds the layer now. */
  inputShape?: readonly (number | null)[];
}

/** [batch, time, d] → its width d, checking the rank; `built` is the width the layer has, if any. */
function widthOf(fn: string, inputShape: LayerShape, built: number | null): number {
  const shape = checkLayerShape(fn, inputShape);
  const d = shape[2];
  if (shape.length !== 3 || d === null || d <= 0 || (built !== null && d !== built)) {
    const width = built === null ? 'dModel' : String(built);
    throw new ShapeError(
      `${fn}: got input shape ${describe(inputShape)}; expected [batch, time, ${width}] (a sequence of ${width}-wide vectors)`,
    );
  }
  return d;
}

/** A sequence longer than the context is the caller's mistake: say both lengths. */
function checkLength(fn: string, time: number | null, maxLength: number | null): void {
  if (time !== null && maxLength !== null && time > maxLength) {
    throw new ShapeError(
      `${fn}: got a sequence of length ${time}; expected at most maxLength=${maxLength} positions (the context the layer was made for)`,
    );
  }
}

export class PositionalEmbedding extends Module {
  /** [maxLength, dModel], one learned vector per position; null until built. */
  weight: Parameter | null = null;
  readonly maxLength: number;
  #initializer: Initializer;
  #options: PositionalEmbeddingOptions;

  constructor(options: PositionalEmbeddingOptions) {
    super();
    const fn = 'PositionalEmbedding';
    const o = checkOptions(
      fn,
      options,
      ['maxLength', 'dModel', 'initializer', 'inputShape'],
      '{ maxLength: 128 }',
    ) as Partial<PositionalEmbeddingOptions>;
    this.maxLength = positiveInt(fn, 'maxLength', o.maxLength);
    this.#initializer = getInitializer(o.initializer ?? 'glorot_uniform');
    this.#options = { ...options };
    this.setInputShape(o.inputShape);
    if (o.dModel !== undefined) this.build([null, null, positiveInt(fn, 'dModel', o.dModel)]);
    if (this.inputShape) this.build([null, ...this.inputShape]);
  }

  override get built(): boolean {
    return this.weight !== null;
  }

  get dModel(): number | null {
    return this.weight ? this.weight.shape[1] : null;
  }

  override build(inputShape: LayerShape): void {
    const fn = 'PositionalEmbedding.build';
    const d = widthOf(fn, inputShape, this.dModel);
    checkLength(fn, inputShape[1], this.maxLength);
    if (this.weight) return;
    this.rememberBuildShape(inputShape);
    const table = this.#initializer([this.maxLength, d]);
    if (table.shape.length !== 2 || table.shape[0] !== this.maxLength || table.shape[1] !== d) {
      throw new ShapeError(
        `${fn}: the initializer returned shape ${describe(table.shape)}; expected ${describe([this.maxLength, d])}`,
      );
    }
    this.weight = new Parameter(table);
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    widthOf('PositionalEmbedding.computeOutputShape', inputShape, this.dModel);
    checkLength('PositionalEmbedding.computeOutputShape', inputShape[1], this.maxLength);
    return [...inputShape];
  }

  /** x [batch, time, dModel] + weight[0:time]. */
  forward(x: Tensor): Tensor {
    const fn = 'PositionalEmbedding';
    requireFloat(fn, x);
    if (!this.weight) this.build(x.shape);
    widthOf(fn, x.shape, this.dModel);
    checkLength(fn, x.shape[1], this.maxLength);
    return add(x, sliceAxis(this.weight!, 0, 0, x.shape[1]));
  }

  override getConfig(): Record<string, unknown> {
    const o = this.#options;
    const config: Record<string, unknown> = { ...super.getConfig(), maxLength: this.maxLength };
    if (o.dModel !== undefined) config.dModel = o.dModel;
    // A function initializer only shaped the first weights, which the weights file carries.
    if (typeof o.initializer !== 'function') config.initializer = o.initializer ?? 'glorot_uniform';
    return config;
  }

  protected override describeSelf(): string {
    return `maxLength=${this.maxLength}${this.dModel === null ? '' : `, dModel=${this.dModel}`}`;
  }
}

export interface SinusoidalPositionalEncodingOptions {
  /** The context, when there is one: longer sequences are refused (default: no limit). */
  maxLength?: number;
  /** The wavelengths grow geometrically from 2π to base·2π (default 10000). */
  base?: number;
  /** One sample's shape [time, dModel]. */
  inputShape?: readonly (number | null)[];
}

export class SinusoidalPositionalEncoding extends Module {
  readonly maxLength: number | null;
  readonly base: number;
  /** The table for the longest sequence seen so far, [length, dModel]; a cache, not state. */
  #table: Tensor | null = null;

  constructor(options: SinusoidalPositionalEncodingOptions = {}) {
    super();
    const fn = 'SinusoidalPositionalEncoding';
    const o = checkOptions(fn, options, ['maxLength', 'base', 'inputShape']) as SinusoidalPositionalEncodingOptions;
    this.maxLength = o.maxLength === undefined ? null : positiveInt(fn, 'maxLength', o.maxLength);
    this.base = o.base ?? 10000;
    if (typeof this.base !== 'number' || !(this.base > 1) || !Number.isFinite(this.base))
      throw new ArgumentError(`${fn}: got base=${describe(o.base)}; expected a number greater than 1, such as 10000`);
    this.setInputShape(o.inputShape);
  }

  override computeOutputShape(inputShape: LayerShape): (number | null)[] {
    widthOf('SinusoidalPositionalEncoding.computeOutputShape', inputShape, null);
    checkLength('SinusoidalPositionalEncoding.computeOutputShape', inputShape[1], this.maxLength);
    return [...inputShape];
  }

  /** x [batch, time, dModel] + P[0:time]. */
  forward(x: Tensor): Tensor {
    const fn = 'SinusoidalPositionalEncoding';
    requireFloat(fn, x);
    const d = widthOf(fn, x.shape, null);
    const time = x.shape[1];
    checkLength(fn, time, this.maxLength);
    return add(x, this.table(time, d));
  }

  /** P[0:length] for width d, [length, d]. */
  table(length: number, d: number): Tensor {
    const cached = this.#table;
    if (cached === null || cached.shape[0] < length || cached.shape[1] !== d)
      this.#table = sinusoidTable(Math.max(length, cached?.shape[1] === d ? cached.shape[0] : 0), d, this.base);
    return sliceAxis(this.#table!, 0, 0, length);
  }

  override getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { ...super.getConfig(), base: this.base };
    if (this.maxLength !== null) config.maxLength = this.maxLength;
    return config;
  }

  protected override describeSelf(): string {
    return `${this.maxLength === null ? '' : `maxLength=${this.maxLength}, `}base=${this.base}`;
  }
}

/** sin/cos of position · base^(−2i/d), interleaved (even columns sin, odd cos), [length, d]. */
function sinusoidTable(length: number, d: number, base: number): Tensor {
  const half = Math.ceil(d / 2);
  const frequencies = exp(mul(arange(0, 2 * half, 2), -Math.log(base) / d)); // [half]
  const angles = mul(reshape(arange(length), [length, 1]), reshape(frequencies, [1, half])); // [length, half]
  const table = reshape(stack([sin(angles), cos(angles)], 2), [length, 2 * half]);
  return 2 * half === d ? table : sliceAxis(table, 1, 0, d);
}

registerLayer('PositionalEmbedding', (c) => new PositionalEmbedding(c as unknown as PositionalEmbeddingOptions), {
  layerClass: PositionalEmbedding,
});
registerLayer(
  'SinusoidalPositionalEncoding',
  (c) => new SinusoidalPositionalEncoding(c as SinusoidalPositionalEncodingOptions),
  { layerClass: SinusoidalPositionalEncoding },
);
