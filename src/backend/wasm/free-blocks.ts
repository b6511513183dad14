/**
 * The free blocks of the wasm heap (heap.ts). A returned block is merged at once with free
 * neighbours on either side, so memory that many small calls used is whole again for one large
 * call, and the heap never grows because sizes vary from call to call. A request takes a free
 * block of exactly its size when there is one (a training loop asks for the same sizes each
 * step), else the smallest larger block, cut to size.
 */
export class FreeBlocks {
  /** Block starts by size. */
  private readonly bySize = new Map<number, Set<number>>();
  /** Size of the free block starting at an address. */
  private readonly sizeAt = new Map<number, number>();
  /** Start of the free block ending at an address (exclusive end). */
  private readonly startOfEnd = new Map<number, number>();
  /** Bytes in free blocks. */
  bytes = 0;

  get count(): number {
    return this.sizeAt.size;
  }

  /** The start of a block of `size` bytes taken from the free ones, or -1 when none is large enough. */
  take(size: number): number {
    let fit = this.bySize.get(size) !== undefined ? size : -1;
    if (fit < 0) {
      for (const s of this.bySize.keys()) if (s > size && (fit < 0 || s < fit)) fit = s;
      if (fit < 0) return -1;
    }
    const start = this.bySize.get(fit)!.values().next().value as number;
    this.remove(start, fit);
    if (fit > size) this.add(start + size, fit - size);
    return start;
  }

  /** Return [start, start + size), merged with the free blocks that touch it. */
  put(start: number, size: number): void {
    const before = this.startOfEnd.get(start);
    if (before !== undefined) {
      const beforeSize = this.sizeAt.get(before)!;
      this.remove(before, beforeSize);
      start = before;
      size += beforeSize;
    }
    const afterSize = this.sizeAt.get(start + size);
    if (afterSize !== undefined) {
      this.remove(start + size, afterSize);
      size += afterSize;
    }
    this.add(start, size);
  }

  /** Remove the free block that ends at `end` and return its start, or -1 when none does. */
  takeEndingAt(end: number): number {
    const start = this.startOfEnd.get(end);
    if (start === undefined) return -1;
    this.remove(start, end - start);
    return start;
  }

  private add(start: number, size: number): void {
    let set = this.bySize.get(size);
    if (set === undefined) {
      set = new Set();
      this.bySize.set(size, set);
    }
    set.add(start);
    this.sizeAt.set(start, size);
    this.startOfEnd.set(start + size, start);
    this.bytes += size;
  }

  private remove(start: number, size: number): void {
    const set = this.bySize.get(size)!;
    set.delete(start);
    if (set.size === 0) this.bySize.delete(size);
    this.sizeAt.delete(start);
    this.startOfEnd.delete(start + size);
    this.bytes -= size;
  }
}
