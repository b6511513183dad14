/**
 * An ONNX graph under construction: what the per-layer mappings (./registry.ts) add nodes and
 * weights to, and what the exporter (./export.ts) turns into a file. Names are made unique here,
 * weights stay tensors until the file is written (then they are read once, to the host), and two
 * small clean-ups keep the graph readable: a transpose that undoes the one before it is dropped
 * (Conv2D → MaxPooling2D in channels-last runs in NCHW without transposing back and forth), and
 * nodes whose results nothing uses are left out.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { ArgumentError } from '../../util/errors.js';
import type { OnnxAttributeValue, OnnxDType, OnnxInitializer, OnnxNode } from './proto.js';

/** A value in the graph: its name and the shape it had in the traced run (null for the batch axis). */
export interface OnnxValue {
  name: string;
  shape: readonly (number | null)[];
}

/** Attribute values, typed as ONNX types them: `attr.int(1)` is not `attr.float(1)`. */
export const attr = {
  float: (value: number): OnnxAttributeValue => ({ type: 'float', value }),
  int: (value: number): OnnxAttributeValue => ({ type: 'int', value }),
  string: (value: string): OnnxAttributeValue => ({ type: 'string', value }),
  floats: (value: readonly number[]): OnnxAttributeValue => ({ type: 'floats', value }),
  ints: (value: readonly number[]): OnnxAttributeValue => ({ type: 'ints', value }),
  strings: (value: readonly string[]): OnnxAttributeValue => ({ type: 'strings', value }),
};

type Weight = { name: string; tensor: Tensor } | { name: string; constant: OnnxInitializer };

export class OnnxGraph {
  readonly #nodes: OnnxNode[] = [];
  readonly #weights: Weight[] = [];
  readonly #weightNames = new Map<Tensor, string>();
  readonly #producers = new Map<string, OnnxNode>();
  readonly #used = new Set<string>();

  /** A name not used yet, made from `hint` (a layer path such as `3.weight`). */
  uniqueName(hint: string): string {
    const base = hint.replace(/[^\w.:/-]+/g, '_') || 'value';
    let name = base;
    for (let i = 1; this.#used.has(name); i++) name = `${base}_${i}`;
    this.#used.add(name);
    return name;
  }

  /** Add a node; returns its output names (`outputs` of them, named from `hint`). */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, OnnxAttributeValue> = {},
    options: { outputs?: number; hint?: string; names?: readonly string[] } = {},
  ): string[] {
    const hint = options.hint ?? opType;
    const count = options.outputs ?? 1;
    // `names` were taken with uniqueName beforehand (the graph's own output, say).
    const outputs =
      options.names?.slice() ??
      Array.from({ length: count }, (_, i) => this.uniqueName(count === 1 ? hint : `${hint}:${i}`));
    const node: OnnxNode = { opType, name: this.uniqueName(`${hint}#node`), inputs, outputs, attributes };
    this.#nodes.push(node);
    for (const o of outputs) this.#producers.set(o, node);
    return outputs;
  }

  /** A node with one output; returns its name. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, OnnxAttributeValue> = {},
    hint?: string,
  ): string {
    return this.node(opType, inputs, attributes, { hint })[0];
  }

  /**
   * `x` with its axes permuted (ONNX Transpose). When `x` is itself the transpose this one undoes,
   * its input is returned instead and no node is added.
   */
  transpose(x: string, perm: readonly number[], hint?: string): string {
    const before = this.#producers.get(x);
    if (before?.opType === 'Transpose') {
      const first = before.attributes.perm;
      if (first?.type === 'ints' && first.value.length === perm.length && perm.every((p, j) => first.value[p] === j))
        return before.inputs[0];
    }
    return this.op('Transpose', [x], { perm: attr.ints(perm) }, hint);
  }

  /** A weight (float32 or int32 tensor) as an initializer; the same tensor twice gives one initializer. */
  weight(tensor: Tensor, hint: string): string {
    const known = this.#weightNames.get(tensor);
    if (known !== undefined) return known;
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32')
      throw new ArgumentError(`OnnxGraph.weight: "${hint}" has dtype ${tensor.dtype}; expected float32 or int32`);
    const name = this.uniqueName(hint);
    this.#weights.push({ name, tensor });
    this.#weightNames.set(tensor, name);
    return name;
  }

  /** A float32 scalar constant (for the arithmetic of a composed activation such as GELU). */
  scalar(value: number, hint = 'const'): string {
    return this.#constant(hint, 'float32', [], Float32Array.of(value));
  }

  /** A 1-d int64 constant: the shape, axes or slice bounds an op takes as an input. */
  int64s(values: readonly (number | bigint)[], hint = 'ints'): string {
    return this.#constant(
      hint,
      'int64',
      [values.length],
      BigInt64Array.from(values, (v) => BigInt(v)),
    );
  }

  /** A 0-d int64 constant (Trilu's diagonal offset). */
  int64(value: number, hint = 'int'): string {
    return this.#constant(hint, 'int64', [], BigInt64Array.of(BigInt(value)));
  }

  #constant(hint: string, dtype: OnnxDType, dims: number[], data: OnnxInitializer['data']): string {
    const name = this.uniqueName(hint);
    this.#weights.push({ name, constant: { name, dtype, dims, data } });
    return name;
  }

  /**
   * The nodes and initializers that `outputs` depend on, in the order they were added (which is
   * topological: a node's inputs exist before it). Weights are read to the host here, once.
   */
  async finish(outputs: readonly string[]): Promise<{ nodes: OnnxNode[]; initializers: OnnxInitializer[] }> {
    const needed = new Set(outputs);
    const keep: OnnxNode[] = [];
    for (let i = this.#nodes.length - 1; i >= 0; i--) {
      const node = this.#nodes[i];
      if (!node.outputs.some((o) => needed.has(o))) continue;
      keep.push(node);
      for (const input of node.inputs) if (input !== '') needed.add(input);
    }
    const initializers: OnnxInitializer[] = [];
    for (const w of this.#weights) {
      if (!needed.has(w.name)) continue;
      if ('constant' in w) initializers.push(w.constant);
      else initializers.push(await tensorInitializer(w.name, w.tensor));
    }
    return { nodes: keep.reverse(), initializers };
  }
}

async function tensorInitializer(name: string, t: Tensor): Promise<OnnxInitializer> {
  const values = await t.data();
  const data = t.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
  return { name, dtype: t.dtype === 'int32' ? 'int32' : 'float32', dims: [...t.shape], data };
}
