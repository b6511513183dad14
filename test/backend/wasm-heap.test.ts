/**
 * Tensor storage inside the wasm memory: the free-block bookkeeping, the heap's reclaiming of
 * storage whose views died (no dispose anywhere), the keep-alive of views cut from storage, the
 * budget fallback, and kernels that read and write heap storage in place agreeing with the
 * portable backend.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { createWasmBackend, portableBackend, getBackend, tensor, matmul, type TypedArray } from '../../src/index.js';
import { FreeBlocks } from '../../src/backend/wasm/free-blocks.js';
import { Heap, HeapFloat32Array } from '../../src/backend/wasm/heap.js';
import { random } from '../helpers/seeded.js';

test('free blocks merge with both neighbours and are taken exact-size first, else smallest larger', () => {
  const f = new FreeBlocks();
  f.put(0, 64);
  f.put(128, 64);
  assert.equal(f.count, 2);
  f.put(64, 64); // touches both
  assert.equal(f.count, 1);
  assert.equal(f.bytes, 192);
  assert.equal(f.take(256), -1);
  assert.equal(f.take(64), 0); // cut from the one block of 192
  assert.equal(f.bytes, 128);
  f.put(1000 * 64, 128);
  f.put(2000 * 64, 64);
  assert.equal(f.take(64), 2000 * 64, 'an exact size wins over a larger block');
  assert.equal(f.take(128), 64, 'the lowest-size fit among equals: one of the two 128-byte blocks');
  assert.equal(f.takeEndingAt(1000 * 64 + 128), 1000 * 64);
  assert.equal(f.bytes, 0);
  assert.equal(f.takeEndingAt(5), -1);
});

test('free-block bookkeeping stays exact through many merges and takes', () => {
  // Against a model: a plain array of free flags per 64-byte unit.
  const f = new FreeBlocks();
  const units = 512;
  const isFree = new Array<boolean>(units).fill(false);
  const rnd = random(3);
  const taken: [number, number][] = [];
  f.put(0, units * 64);
  isFree.fill(true);
  for (let step = 0; step < 20000; step++) {
    if (taken.length > 0 && (rnd() < 0.5 || taken.length > 60)) {
      const [start, n] = taken.splice(Math.floor(rnd() * taken.length), 1)[0];
      f.put(start * 64, n * 64);
      for (let u = start; u < start + n; u++) isFree[u] = true;
    } else {
      const n = 1 + Math.floor(rnd() * 4) * (rnd() < 0.5 ? 1 : 3);
      const at = f.take(n * 64);
      if (at < 0) continue;
      assert.equal(at % 64, 0);
      const start = at / 64;
      for (let u = start; u < start + n; u++) {
        assert.ok(isFree[u], `step ${step}: unit ${u} handed out twice`);
        isFree[u] = false;
      }
      taken.push([start, n]);
    }
    if (step % 1000 === 0) assert.equal(f.bytes, isFree.filter(Boolean).length * 64);
  }
  for (const [start, n] of taken) f.put(start * 64, n * 64);
  assert.equal(f.count, 1, 'everything merged back into one block');
  assert.equal(f.take(units * 64), 0);
});

function sharedHeap(budget: number, storageBudget = budget): { heap: Heap; memory: WebAssembly.Memory } {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1024, shared: true });
  let pages = 1;
  const heap = new Heap(
    {
      get buffer() {
        return memory.buffer;
      },
      ensure: (end) => {
        const need = Math.ceil(end / 65536);
        if (need > 1024) return false;
        if (need > pages) {
          memory.grow(need - pages);
          pages = need;
        }
        return true;
      },
      zero: (ptr, bytes) => new Uint8Array(memory.buffer, ptr, bytes).fill(0),
    },
    1024,
    budget,
    storageBudget,
    true,
  );
  return { heap, memory };
}

test('heap storage is zeroed, addressable, and reclaimed after its views die, with no dispose (a synchronous loop stays flat)', () => {
  const { heap } = sharedHeap(64 << 20);
  const first = heap.storage(false, 1000, true)!;
  assert.ok(first instanceof Float32Array);
  assert.ok(heap.addressOf(first) >= 1024);
  assert.ok(first.every((v) => v === 0));
  assert.equal(heap.addressOf(new Float32Array(10)), -1, 'an ordinary array is not in the heap');
  // 2,000 blocks of 256 KiB (500 MiB in all) through a 64 MiB heap, never yielding to the event
  // loop: only reclaiming dead views (forced collections in Node) keeps this within the budget.
  let inHeap = 0;
  for (let i = 0; i < 2000; i++) {
    const s = heap.storage(false, 65536, true);
    if (s !== null) {
      inHeap++;
      assert.equal(s[12345], 0, 'reused storage is zeroed');
      s.fill(i);
    }
  }
  assert.ok(heap.extent <= 64 << 20);
  assert.ok(heap.collections > 0, 'the heap never collected');
  assert.ok(inHeap > 1900, `only ${inHeap} of 2000 blocks came from the heap`);
  assert.equal(first[999], 0);
});

test('a view cut from heap storage keeps the whole block alive after the original view is dropped', () => {
  const { heap } = sharedHeap(8 << 20);
  const make = (): Float32Array | Int32Array => {
    const s = heap.storage(false, 4096, true)!;
    s.fill(7);
    return s.subarray(100, 200);
  };
  const part = make();
  assert.ok(part instanceof HeapFloat32Array);
  for (let i = 0; i < 400; i++) heap.storage(false, 4096, true)?.fill(-1);
  heap.collect();
  for (let i = 0; i < 400; i++) heap.storage(false, 4096, true)?.fill(-1);
  assert.ok(
    part.every((v) => v === 7),
    'the block under a live subarray was reused',
  );
});

test('storage past the budget is refused (null), so tensors fall back to ordinary arrays', () => {
  const { heap } = sharedHeap(1 << 20, 256 << 10);
  const keep: (Float32Array | Int32Array)[] = [];
  let refused = 0;
  for (let i = 0; i < 10; i++) {
    const s = heap.storage(true, 16384, false);
    if (s === null) refused++;
    else keep.push(s);
  }
  assert.equal(keep.length, 4, '4 × 64 KiB fill the 256 KiB storage budget');
  assert.equal(refused, 6);
  assert.ok(keep[0] instanceof Int32Array);
  // Scratch still finds room past the storage budget.
  const ptr = heap.alloc(256 << 10);
  assert.ok(ptr > 0);
  heap.release(ptr);
  assert.throws(() => heap.release(ptr), /not a live block/);
});

test('tensors of the wasm backend live in its heap, and kernels on heap storage match the portable backend', () => {
  const be = getBackend();
  if (be === portableBackend) return; // the portable backend (TESSERA_BACKEND=portable) has no heap
  const rnd = random(11);
  const fill = (a: TypedArray): TypedArray => {
    for (let i = 0; i < a.length; i++) a[i] = rnd() * 2 - 1;
    return a;
  };
  const a = tensor(fill(new Float32Array(64 * 96)) as Float32Array, { shape: [64, 96] });
  const b = tensor(fill(new Float32Array(96 * 80)) as Float32Array, { shape: [96, 80] });
  const c = matmul(a, b);
  assert.ok(c.storage instanceof HeapFloat32Array, 'a matmul result is heap storage');
  const want = new Float32Array(64 * 80);
  portableBackend.matmul(a.dataSync() as Float32Array, b.dataSync() as Float32Array, want, {
    m: 64,
    k: 96,
    n: 80,
    transA: false,
    transB: false,
    batch: 1,
    aBatchStride: 0,
    bBatchStride: 0,
  });
  const cValues = c.dataSync();
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(cValues[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])), `[${i}] ${cValues[i]} vs ${want[i]}`);
  // A second product on heap operands (c is in the heap), written into the heap in place.
  const d = matmul(c, tensor(fill(new Float32Array(80 * 8)) as Float32Array, { shape: [80, 8] }));
  assert.equal(d.shape.join(), '64,8');
  assert.ok(d.dataSync().every(Number.isFinite));
});

test('TESSERA_WASM_STORAGE=copy keeps tensors in ordinary arrays on a backend made that way', () => {
  const be = createWasmBackend({ threads: 1, storage: 'copy' });
  const ordinary = (a: unknown): boolean => a instanceof Float32Array && !(a instanceof HeapFloat32Array);
  assert.ok(ordinary(be.allocate('float32', 4096, true)));
  assert.match(be.name, /copied storage/);
  const heapBe = createWasmBackend({ threads: 1 });
  assert.ok(heapBe.allocate('float32', 4096, true) instanceof HeapFloat32Array);
  assert.ok(ordinary(heapBe.allocate('float32', 16, true)), 'tiny tensors stay ordinary arrays');
  assert.ok(ordinary(heapBe.allocate('float32', (1 << 24) + 1, true)), 'data-set-sized tensors stay ordinary arrays');
});

test('storage given back early is reused, and collecting its old view later frees nothing', () => {
  const { heap } = sharedHeap(8 << 20);
  let old: Float32Array | Int32Array | null = heap.storage(false, 32768, false)!;
  const at = heap.addressOf(old);
  const bytes = heap.storageBytes;
  assert.equal(heap.releaseEarly(old.subarray(10, 20)), false, 'a view cut from storage is not the block');
  assert.equal(heap.releaseEarly(new Float32Array(32768)), false, 'an ordinary array is not heap storage');
  const small = heap.storage(false, 1024, false)!;
  assert.equal(heap.releaseEarly(small), false, 'a small block is left to the collector');
  assert.equal(heap.releaseEarly(old), true);
  assert.equal(heap.storageBytes, bytes + 4096 - 32768 * 4);
  assert.equal(heap.releaseEarly(old), false, 'a second time: nothing');
  const next = heap.storage(false, 32768, false)!;
  assert.equal(heap.addressOf(next), at, 'the block is handed out again');
  next.fill(5);
  old = null; // the old view dies; its registry callback must not free `next`'s block
  heap.collect();
  for (let i = 0; i < 40; i++) heap.storage(false, 32768, false)?.fill(-1);
  assert.ok(
    next.every((v) => v === 5),
    'the reused block was freed again when its old view was collected',
  );
});

test('an op on a data-set-sized array outside the heap runs without growing the memory by its size', () => {
  const be = createWasmBackend({ threads: 1 });
  const n = (1 << 24) + 8; // past COPY_MAX_ELEMENTS: stays an ordinary array
  const x = be.fromHost(
    Float32Array.from({ length: n }, (_, i) => i % 256),
    true,
  );
  const out = be.allocate('float32', n, false);
  const before = be.memoryBytes;
  be.binary('div', x, [1], Float32Array.of(255), [0], [n], out);
  assert.ok(
    be.memoryBytes - before < 16 << 20,
    `the memory grew by ${((be.memoryBytes - before) / 2 ** 20).toFixed(0)} MiB`,
  );
  for (const i of [0, 1, 255, n - 1]) assert.equal(out[i], Math.fround((i % 256) / 255), `element ${i}`);
});
