/**
 * Gives the storage of a backward sweep's intermediate gradients back to the backend as soon as
 * the sweep is done with them, instead of waiting for the garbage collector.
 *
 * Why: a training step's gradients are as large as its activations, and with storage inside the
 * wasm memory (backend/wasm/heap.ts) every megabyte the collector must find costs a forced
 * collection sooner, and every fresh block is cold in cache. PyTorch frees them by reference
 * counting; JavaScript has no reference counts, but within one sweep autograd knows every holder
 * of a gradient it made: the `grads` map, which passes each one to exactly one closure.
 *
 * Only storage made during this sweep (id above the clock read at its start) is ever given back,
 * so a tensor from before it — an activation or weight a closure returned as a gradient, the
 * seed — is never touched. Each id counts the pending gradients that view it (a closure may pass
 * its incoming gradient through, as add does, or a reshaped view of it); storage that reaches a
 * result (a leaf's gradient, a kept tensor) is never given back.
 */
import type { Backend } from '../backend/types.js';
import type { Tensor } from '../tensor/tensor.js';

export class SweepStorage {
  private readonly uses = new Map<number, number>();
  private readonly kept = new Set<number>();
  private readonly clock: number;

  /** @param backend where storage goes back to; null: nothing is given back early */
  constructor(private readonly backend: Backend | null) {
    this.clock = backend?.storageClock?.() ?? Number.POSITIVE_INFINITY;
  }

  /** `t` now has one more pending holder. */
  hold(t: Tensor): void {
    const id = this.idOf(t);
    if (id > 0) this.uses.set(id, (this.uses.get(id) ?? 0) + 1);
  }

  /** `t`'s storage must outlive the sweep. */
  keep(t: Tensor): void {
    const id = this.idOf(t);
    if (id > 0) this.kept.add(id);
  }

  /** One holder of `t` is done with it; the last one gives the storage back. */
  drop(t: Tensor): void {
    const id = this.idOf(t);
    if (id === 0) return;
    const left = (this.uses.get(id) ?? 0) - 1;
    if (left > 0) {
      this.uses.set(id, left);
      return;
    }
    this.uses.delete(id);
    if (!this.kept.has(id)) this.backend!.releaseStorage!(id);
  }

  private idOf(t: Tensor): number {
    if (this.clock === Number.POSITIVE_INFINITY) return 0;
    const id = this.backend!.storageId!(t.data);
    return id > this.clock ? id : 0;
  }
}
