/**
 * The ONNX file format: a protobuf `ModelProto` (onnx/onnx.proto3). This file turns a graph held as
 * plain data into those bytes, field by field, through @bufbuild/protobuf's wire writer (a small,
 * well-kept protobuf library with no dependencies of its own). Only the subset an exported model
 * needs is written: the field numbers below are onnx.proto3's, named as it names them.
 *
 * The library is loaded on the first export, not when tessera is imported, so nothing else pays
 * for it (and a bundle that never exports leaves it out).
 */
import type { BinaryWriter } from '@bufbuild/protobuf/wire';
import { ArgumentError } from '../../util/errors.js';

/** Element types an exported model holds (TensorProto.DataType: FLOAT = 1, INT32 = 6, INT64 = 7). */
export type OnnxDType = 'float32' | 'int32' | 'int64';
const DATA_TYPE: Record<OnnxDType, number> = { float32: 1, int32: 6, int64: 7 };

export type OnnxAttributeValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'strings'; value: readonly string[] };
/** AttributeProto.AttributeType. */
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7, strings: 8 } as const;

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: Readonly<Record<string, OnnxAttributeValue>>;
}

export interface OnnxInitializer {
  name: string;
  dtype: OnnxDType;
  dims: readonly number[];
  data: Float32Array | Int32Array | BigInt64Array;
}

/** A graph input or output: its element type and shape, a string naming a size that varies (`batch`). */
export interface OnnxValueInfo {
  name: string;
  dtype: OnnxDType;
  shape: (number | string)[];
}

export interface OnnxModelData {
  opset: number;
  graphName: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxInitializer[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

/** IR version 8 is the one that goes with opset 17 (onnx/helper.py's VERSION_TABLE). */
const IR_VERSION = 8;
// protobuf wire types.
const VARINT = 0;
const LEN = 2;
const FIXED32 = 5;

type WireModule = typeof import('@bufbuild/protobuf/wire');
let wire: Promise<WireModule> | null = null;

async function loadWire(): Promise<WireModule> {
  wire ??= import('@bufbuild/protobuf/wire').catch((error: Error) => {
    wire = null;
    throw new ArgumentError(
      `toOnnx: could not load @bufbuild/protobuf, which writes ONNX files (${error.message}); expected it installed beside tessera (npm install @bufbuild/protobuf)`,
    );
  });
  return wire;
}

/** The bytes of an .onnx file for `model`. */
export async function encodeOnnxModel(model: OnnxModelData): Promise<Uint8Array> {
  const { BinaryWriter } = await loadWire();
  const w = new BinaryWriter();
  w.tag(1, VARINT).int64(IR_VERSION); // ir_version
  w.tag(2, LEN).string('tessera'); // producer_name
  w.tag(7, LEN).fork(); // graph
  writeGraph(w, model);
  w.join();
  w.tag(8, LEN).fork(); // opset_import: the default domain ('') at `opset`
  w.tag(2, VARINT).int64(model.opset);
  w.join();
  return w.finish();
}

function writeGraph(w: BinaryWriter, model: OnnxModelData): void {
  for (const node of model.nodes) {
    w.tag(1, LEN).fork(); // node
    writeNode(w, node);
    w.join();
  }
  w.tag(2, LEN).string(model.graphName); // name
  for (const init of model.initializers) {
    w.tag(5, LEN).fork(); // initializer
    writeTensor(w, init);
    w.join();
  }
  for (const [field, values] of [
    [11, model.inputs],
    [12, model.outputs],
  ] as const) {
    for (const v of values) {
      w.tag(field, LEN).fork(); // input / output: ValueInfoProto
      writeValueInfo(w, v);
      w.join();
    }
  }
}

function writeNode(w: BinaryWriter, node: OnnxNode): void {
  for (const input of node.inputs) w.tag(1, LEN).string(input);
  for (const output of node.outputs) w.tag(2, LEN).string(output);
  w.tag(3, LEN).string(node.name);
  w.tag(4, LEN).string(node.opType);
  for (const [name, attr] of Object.entries(node.attributes)) {
    w.tag(5, LEN).fork(); // attribute
    w.tag(1, LEN).string(name);
    w.tag(20, VARINT).int32(ATTRIBUTE_TYPE[attr.type]);
    switch (attr.type) {
      case 'float':
        w.tag(2, FIXED32).float(attr.value);
        break;
      case 'int':
        w.tag(3, VARINT).int64(attr.value);
        break;
      case 'string':
        w.tag(4, LEN).bytes(new TextEncoder().encode(attr.value));
        break;
      case 'floats':
        for (const f of attr.value) w.tag(7, FIXED32).float(f);
        break;
      case 'ints':
        for (const i of attr.value) w.tag(8, VARINT).int64(i);
        break;
      case 'strings':
        for (const text of attr.value) w.tag(9, LEN).bytes(new TextEncoder().encode(text));
        break;
    }
    w.join();
  }
}

function writeTensor(w: BinaryWriter, t: OnnxInitializer): void {
  for (const d of t.dims) w.tag(1, VARINT).int64(d);
  w.tag(2, VARINT).int32(DATA_TYPE[t.dtype]);
  w.tag(8, LEN).string(t.name);
  // raw_data is little-endian, which is the byte order of typed arrays on every host tessera runs on.
  w.tag(9, LEN).bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeValueInfo(w: BinaryWriter, v: OnnxValueInfo): void {
  w.tag(1, LEN).string(v.name);
  w.tag(2, LEN).fork(); // type: TypeProto
  w.tag(1, LEN).fork(); // tensor_type
  w.tag(1, VARINT).int32(DATA_TYPE[v.dtype]); // elem_type
  w.tag(2, LEN).fork(); // shape
  for (const d of v.shape) {
    w.tag(1, LEN).fork(); // dim
    if (typeof d === 'number') w.tag(1, VARINT).int64(d);
    else w.tag(2, LEN).string(d);
    w.join();
  }
  w.join().join().join();
}
