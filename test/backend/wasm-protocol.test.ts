/**
 * The protocol between the TypeScript side and the kernels. Both sides' codes and slots are
 * generated from one list (scripts/wasm-protocol.mjs): the files on disk must be the generator's
 * output, and every compiled build must report the numbers the TypeScript side uses. Then how a
 * range task is cut into chunks (protocol.ts chunkArgs): equal chunks, and guided ones where one
 * chunk per thread takes half the units and smaller chunks share the rest. Either way the chunks
 * must tile [0, units) in order, each unit exactly once.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ARG_COUNT,
  CHUNKS,
  CONTROL_INTS,
  SPLIT,
  SPLIT_RANGE,
  SPLIT_RANGE_GUIDED,
  UNITS,
  UNIT_SIZE,
  chunkArgs,
} from '../../src/backend/wasm/protocol.js';
import * as generated from '../../src/backend/wasm/generated/protocol.js';
import { compileKernels, instantiate } from '../../src/backend/wasm/load.js';
import { repoRoot } from '../helpers/fixtures.js';

interface Listed {
  name: string;
  members: string[];
}
interface ProtocolList {
  enums: Listed[];
  blocks: Listed[];
  tasks: { list: { name: string; args: string[] }[] };
}
interface Generator {
  PROTOCOL_FILES: Record<'assembly' | 'typescript', string>;
  protocolSources(): Record<'assembly' | 'typescript', string>;
}

const script = async <T>(name: string): Promise<T> =>
  (await import(pathToFileURL(join(repoRoot, 'scripts', name)).href)) as T;
const tables = generated as unknown as Record<string, Record<string, number>>;

test("the generated protocol files are the generator's output for scripts/wasm-protocol.mjs", async () => {
  const { PROTOCOL_FILES, protocolSources } = await script<Generator>('generate-protocol.mjs');
  const sources = protocolSources();
  for (const side of ['assembly', 'typescript'] as const) {
    const got = readFileSync(join(repoRoot, PROTOCOL_FILES[side]), 'utf8').split('\n'),
      want = sources[side].split('\n');
    const line = want.findIndex((text, i) => got[i] !== text);
    assert.ok(
      line < 0 && got.length === want.length,
      `${PROTOCOL_FILES[side]} was edited by hand or not regenerated: line ${line + 1} is\n${got[line]}\ninstead of\n${want[line]}`,
    );
  }
});

test('every kernel build and the TypeScript side number each listed code and slot alike: its place in the list', async () => {
  const list = await script<ProtocolList>('wasm-protocol.mjs');
  const shared = [...list.enums, ...list.blocks];
  for (const { name, members } of shared)
    assert.deepEqual(tables[name], Object.fromEntries(members.map((m, i) => [m, i])), name);
  for (const t of list.tasks.list) {
    assert.equal(generated.Task[t.name as generated.TaskName], list.tasks.list.indexOf(t), `Task.${t.name}`);
    assert.deepEqual(
      generated.TaskSlot[t.name as generated.TaskName],
      Object.fromEntries(t.args.map((m, i) => [m, i])),
      `TaskSlot.${t.name}`,
    );
  }
  // Each build the runtime validates: private and shared memory, with and without relaxed SIMD.
  const builds = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ].map(([s, relaxed]) => compileKernels(s, relaxed));
  for (const compiled of new Map(builds.map((c) => [`${c.build} ${c.shared}`, c])).values()) {
    const memory = new WebAssembly.Memory(
      compiled.shared ? { initial: 1, maximum: compiled.maxPages, shared: true } : { initial: 1 },
    );
    const k = instantiate(compiled.module, memory);
    let i = 0;
    for (const { name, members } of shared) {
      for (const m of members)
        assert.equal(
          k.protocolValue(i++),
          tables[name][m],
          `${compiled.build}${compiled.shared ? ' shared' : ''}: ${name}.${m}`,
        );
    }
    assert.equal(k.protocolValue(i), -1, `${compiled.build}: the kernels know more values than the list`);
  }
});

function ranges(kind: number, units: number, unitSize: number, chunks: number): [number, number][] {
  const control = new Int32Array(CONTROL_INTS);
  control[SPLIT] = kind;
  control[UNITS] = units;
  control[UNIT_SIZE] = unitSize;
  control[CHUNKS] = chunks;
  const args = new Array<number>(ARG_COUNT).fill(0);
  return Array.from({ length: chunks }, (_, i) => {
    chunkArgs(control, i, args);
    return [args[14], args[15]] as [number, number];
  });
}

function assertTiles(r: [number, number][], units: number): void {
  assert.equal(r[0][0], 0);
  for (let i = 0; i < r.length; i++) {
    assert.ok(r[i][1] >= r[i][0], `chunk ${i} ${JSON.stringify(r[i])}`);
    if (i > 0) assert.equal(r[i][0], r[i - 1][1], `chunk ${i} starts where chunk ${i - 1} ends`);
  }
  assert.equal(r[r.length - 1][1], units);
}

test('range tasks: equal chunks, and guided chunks (half the units in one chunk per thread, the rest in smaller ones)', () => {
  assert.deepEqual(ranges(SPLIT_RANGE, 32, 1, 4), [
    [0, 8],
    [8, 16],
    [16, 24],
    [24, 32],
  ]);
  // Two threads, 32 images: 8 + 8, then 4 × 4.
  assert.deepEqual(ranges(SPLIT_RANGE_GUIDED, 32, 2, 6), [
    [0, 8],
    [8, 16],
    [16, 20],
    [20, 24],
    [24, 28],
    [28, 32],
  ]);
  for (const [units, threads] of [
    [12, 2],
    [13, 2],
    [128, 2],
    [37, 3],
    [1000, 4],
    [18, 3],
  ]) {
    const r = ranges(SPLIT_RANGE_GUIDED, units, threads, 3 * threads);
    assertTiles(r, units);
    const size = ([a, b]: [number, number]): number => b - a;
    const big = r.slice(0, threads).map(size),
      small = r.slice(threads).map(size);
    assert.equal(
      big.reduce((p, q) => p + q, 0),
      units >> 1,
      `${units} units, ${threads} threads: the big chunks hold half`,
    );
    assert.ok(Math.min(...big) >= Math.max(...small), `${units}/${threads}: big ${big}, small ${small}`);
    assert.ok(Math.min(...small) >= 1);
  }
  assertTiles(ranges(SPLIT_RANGE, 7, 1, 4), 7);
});
