import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  serializeSafetensors,
  parseSafetensors,
  MAX_HEADER_BYTES,
  tensor,
  randn,
  randint,
  manualSeed,
  zeros,
  FormatError,
  ArgumentError,
  type Tensor,
} from '../../src/index.js';
import { repoRoot, loadFixture } from '../helpers/fixtures.js';

const fixturePath = (name: string) => join(repoRoot, 'test', 'fixtures', name);

interface Expected {
  metadata: Record<string, string>;
  tensors: Record<string, { sourceDtype: string; dtype: string; shape: number[]; values: number[] }>;
}

/** A safetensors file from a header (object or raw JSON text) and a data buffer; `length` overrides N. */
function build(header: unknown, data: Uint8Array = new Uint8Array(0), length?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const isFormatError = (pattern: RegExp) => (e: unknown) => e instanceof FormatError && pattern.test(e.message);

function assertTensorsEqual(actual: Record<string, Tensor>, expected: Record<string, Tensor>): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [name, t] of Object.entries(expected)) {
    assert.equal(actual[name].dtype, t.dtype, name);
    assert.deepEqual(actual[name].shape, t.shape, name);
    assert.deepEqual(Array.from(actual[name].dataSync()), Array.from(t.dataSync()), name);
  }
}

test('round trip: float32 and int32 tensors of every rank, empty ones, and metadata', () => {
  manualSeed(11);
  const tensors: Record<string, Tensor> = {
    'encoder.layer.0.weight': randn([3, 4, 2]),
    bias: randn([4]),
    scalar: tensor(3.25),
    empty: zeros([0, 5]),
    labels: randint(-1000, 1000, [7]),
    'ünïcode ✓': tensor([1, 2], { dtype: 'int32' }),
  };
  const bytes = serializeSafetensors(tensors, { format: 'pt', note: 'quote " and \\ backslash' });
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(headerLength % 8, 0);
  const { tensors: back, metadata } = parseSafetensors(bytes);
  assertTensorsEqual(back, tensors);
  assert.deepEqual(metadata, { format: 'pt', note: 'quote " and \\ backslash' });
  assert.deepEqual(parseSafetensors(serializeSafetensors({})).tensors, {});
  assert.deepEqual(parseSafetensors(serializeSafetensors({ a: tensor([1]) })).metadata, {});
});

test('a tensor named "__proto__" is stored as data, not as a prototype', () => {
  const { tensors } = parseSafetensors(serializeSafetensors({ ['__proto__']: tensor([5]) } as Record<string, Tensor>));
  assert.equal(Object.getPrototypeOf(tensors), Object.prototype);
  assert.deepEqual(Object.keys(tensors), ['__proto__']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(tensors, '__proto__')!.value.toArray(), [5]);
});

test('reads the reference file written to the spec (and checked against the safetensors package)', () => {
  const expected = loadFixture<{ reference: Expected }>('io_safetensors_expected.json').reference;
  const { tensors, metadata } = parseSafetensors(readFileSync(fixturePath('io_safetensors_reference.safetensors')));
  assert.deepEqual(metadata, expected.metadata);
  assert.deepEqual(Object.keys(tensors).sort(), Object.keys(expected.tensors).sort());
  for (const [name, e] of Object.entries(expected.tensors)) {
    assert.equal(tensors[name].dtype, e.dtype, name);
    assert.deepEqual(tensors[name].shape, e.shape, name);
    assert.deepEqual(
      Array.from(tensors[name].dataSync()),
      e.values.map((v) => (e.dtype === 'float32' ? Math.fround(v) : v)),
      name,
    );
  }
  assert.ok(Object.is(tensors.weight.dataSync()[4], -0), 'the sign of -0.0 survives');
});

test('writes the same bytes as the reference writer (so PyTorch/HF tooling loads them)', () => {
  const expected = loadFixture<{ reference: Expected }>('io_safetensors_expected.json').reference;
  const tensors: Record<string, Tensor> = {};
  for (const [name, e] of Object.entries(expected.tensors)) {
    const data = e.dtype === 'float32' ? Float32Array.from(e.values) : Int32Array.from(e.values);
    tensors[name] = tensor(data, { shape: e.shape });
  }
  const ours = serializeSafetensors(tensors, expected.metadata);
  const reference = new Uint8Array(readFileSync(fixturePath('io_safetensors_reference.safetensors')));
  assert.deepEqual(ours, reference);
});

test('other dtypes convert on read: floats to float32, integers and booleans to int32', () => {
  const expected = loadFixture<{ dtypes: Expected }>('io_safetensors_expected.json').dtypes;
  const { tensors } = parseSafetensors(readFileSync(fixturePath('io_safetensors_dtypes.safetensors')));
  const dtypesSeen = new Set<string>();
  for (const [name, e] of Object.entries(expected.tensors)) {
    dtypesSeen.add(e.sourceDtype);
    assert.equal(tensors[name].dtype, e.dtype, name);
    assert.deepEqual(tensors[name].shape, e.shape, name);
    assert.deepEqual(
      Array.from(tensors[name].dataSync()),
      e.values.map((v) => (e.dtype === 'float32' ? Math.fround(v) : v)),
      name,
    );
  }
  assert.deepEqual([...dtypesSeen].sort(), [
    'BF16',
    'BOOL',
    'F16',
    'F64',
    'I16',
    'I64',
    'I8',
    'U16',
    'U32',
    'U64',
    'U8',
  ]);
});

test('F16 and BF16 special values decode by the IEEE rules', () => {
  const halfs = Uint8Array.from([0x00, 0x7c, 0x00, 0xfc, 0x00, 0x7e, 0x01, 0x00, 0x00, 0x80, 0x00, 0x3c]);
  const f16 = parseSafetensors(
    build({ h: { dtype: 'F16', shape: [6], data_offsets: [0, 12] } }, halfs),
  ).tensors.h.dataSync();
  assert.deepEqual([f16[0], f16[1], f16[3], f16[5]], [Infinity, -Infinity, 2 ** -24, 1]);
  assert.ok(Number.isNaN(f16[2]));
  assert.ok(Object.is(f16[4], -0));
  const bf = Uint8Array.from([0x80, 0x7f, 0xc0, 0x3f]); // 0x7f80 = +inf, 0x3fc0 = 1.5
  assert.deepEqual(
    Array.from(
      parseSafetensors(build({ b: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }, bf)).tensors.b.dataSync(),
    ),
    [Infinity, 1.5],
  );
});

test('integers that do not fit in int32 are refused, not wrapped', () => {
  const data = new Uint8Array(8);
  new DataView(data.buffer).setBigInt64(0, 2n ** 31n, true);
  assert.throws(
    () => parseSafetensors(build({ big: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, data)),
    isFormatError(/tensor "big" \(I64\) holds 2147483648 at element 0, which does not fit in int32/),
  );
});

test('corrupt files are refused with a FormatError naming the problem', () => {
  const f32 = (offsets: number[], shape = [1]) => ({ dtype: 'F32', shape, data_offsets: offsets });
  const four = new Uint8Array(4);
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty file', new Uint8Array(0), /0 bytes long; expected at least 8/],
    ['7 bytes', new Uint8Array(7), /7 bytes long; expected at least 8/],
    ['header longer than the file', build('{}', four, 1000n), /declares a 1000-byte header but has only 6 bytes/],
    [
      'huge header',
      build('{}', four, BigInt(MAX_HEADER_BYTES) + 1n),
      /declares a 100000001-byte header; expected at most 100000000/,
    ],
    ['u64 max header', build('{}', four, 2n ** 64n - 1n), /declares a 18446744073709551615-byte header/],
    ['invalid JSON', build('{"a": ', four), /not valid UTF-8 JSON/],
    [
      'invalid UTF-8',
      build(new TextDecoder('latin1').decode(Uint8Array.from([0x7b, 0x7d])), four).map((b, i) => (i === 9 ? 0xff : b)),
      /not valid UTF-8 JSON/,
    ],
    ['array header', build('[]'), /header of \[\]; expected a JSON object/],
    ['null header', build('null'), /header of null; expected a JSON object/],
    ['number header', build('3'), /header of 3; expected a JSON object/],
    ['info not an object', build({ a: 5 }), /tensor "a" is described by 5; expected an object/],
    [
      'unknown dtype',
      build({ a: { dtype: 'Q7', shape: [1], data_offsets: [0, 4] } }, four),
      /dtype "Q7", which is unknown; expected one of F32, I32/,
    ],
    [
      'unsupported dtype',
      build({ a: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } }, four),
      /dtype "F8_E4M3", which is not supported by tessera/,
    ],
    ['missing dtype', build({ a: { shape: [1], data_offsets: [0, 4] } }, four), /dtype undefined, which is unknown/],
    [
      'shape not a list',
      build({ a: { dtype: 'F32', shape: 1, data_offsets: [0, 4] } }, four),
      /shape 1; expected a list of non-negative integers/,
    ],
    ['negative dim', build({ a: f32([0, 4], [-1]) }, four), /shape \[-1\]; expected a list of non-negative integers/],
    ['fractional dim', build({ a: f32([0, 4], [0.5]) }, four), /shape \[0.5\]/],
    ['string dim', build({ a: f32([0, 4], ['1' as unknown as number]) }, four), /shape \["1"\]/],
    ['offsets not a pair', build({ a: f32([0, 4, 8]) }, four), /data_offsets \[0, 4, 8\]; expected \[begin, end\]/],
    ['negative offset', build({ a: f32([-4, 0]) }, four), /data_offsets \[-4, 0\]/],
    ['missing offsets', build({ a: { dtype: 'F32', shape: [1] } }, four), /data_offsets undefined/],
    [
      'offset past the buffer',
      build({ a: f32([0, 8], [2]) }, four),
      /data_offsets \[0, 8\]; expected 0 <= begin <= end <= 4/,
    ],
    ['begin after end', build({ a: f32([4, 0]) }, four), /data_offsets \[4, 0\]; expected 0 <= begin <= end/],
    ['size mismatch', build({ a: f32([0, 4], [2]) }, four), /spans 4 bytes; expected 8 bytes for its shape and dtype/],
    ['astronomical shape', build({ a: f32([0, 4], [1e15, 1e15]) }, four), /spans 4 bytes; expected 4e\+30 bytes/],
    ['overlap', build({ a: f32([0, 4]), b: f32([0, 4]) }, four), /overlaps tensor "a"|overlaps tensor "b"/],
    [
      'partial overlap',
      build({ a: f32([0, 8], [2]), b: f32([4, 12], [2]) }, new Uint8Array(12)),
      /tensor "b" \[4, 12\) overlaps tensor "a" \[0, 8\)/,
    ],
    [
      'gap',
      build({ a: f32([0, 4]), b: f32([8, 12]) }, new Uint8Array(12)),
      /bytes \[4, 8\) of the data buffer belong to no tensor/,
    ],
    [
      'gap at the start',
      build({ a: f32([4, 8]) }, new Uint8Array(8)),
      /bytes \[0, 4\) of the data buffer belong to no tensor/,
    ],
    ['uncovered tail', build({ a: f32([0, 4]) }, new Uint8Array(8)), /buffer is 8 bytes but the tensors cover only 4/],
    [
      'metadata not strings',
      build({ __metadata__: { a: 1 } }),
      /"__metadata__" \{"a":1\}; expected an object mapping strings to strings/,
    ],
    ['metadata an array', build({ __metadata__: ['x'] }), /"__metadata__" \["x"\]/],
  ];
  for (const [name, bytes, pattern] of cases) {
    assert.throws(
      () => parseSafetensors(bytes, { source: 'bad.safetensors' }),
      (e: unknown) => {
        assert.ok(e instanceof FormatError, `${name}: got ${String(e)}`);
        assert.match(e.message, /^parseSafetensors: bad\.safetensors/, name);
        assert.match(e.message, pattern, name);
        return true;
      },
      name,
    );
  }
});

test('random corruption of a valid file gives a FormatError or a valid result, never anything else', () => {
  manualSeed(2);
  const good = serializeSafetensors(
    { w: randn([3, 2]), b: randn([2]), i: tensor([1, 2, 3], { dtype: 'int32' }) },
    { k: 'v' },
  );
  let state = 12345;
  const rand = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
  let refused = 0;
  for (let trial = 0; trial < 3000; trial++) {
    let bytes = good.slice();
    const kind = rand(3);
    if (kind === 0) bytes[rand(bytes.length)] = rand(256);
    else if (kind === 1) bytes = bytes.slice(0, rand(bytes.length));
    else bytes[rand(Math.min(bytes.length, 8 + 120))] ^= 1 << rand(8);
    try {
      parseSafetensors(bytes);
    } catch (e) {
      if (!(e instanceof FormatError)) throw new Error(`trial ${trial}: ${String(e)}`);
      refused++;
    }
  }
  assert.ok(refused > 1000, `only ${refused} corruptions were refused`);
});

test('serializing refuses a reserved name, non-tensors and non-string metadata', () => {
  assert.throws(() => serializeSafetensors({ __metadata__: tensor([1]) }), ArgumentError);
  assert.throws(() => serializeSafetensors({ a: [1, 2] as unknown as Tensor }), ArgumentError);
  assert.throws(
    () => serializeSafetensors({ a: tensor([1]) }, { n: 3 as unknown as string }),
    /metadata "n" is 3; expected a string/,
  );
});
