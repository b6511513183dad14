/**
 * Learning byte-pair-encoding merges from word counts, incrementally: the count of every adjacent
 * pair is kept over the distinct words (weighted by how often each word occurs), the most frequent
 * pair comes from a max-heap, and a merge re-counts only the words that hold the pair (each word
 * knows its pairs). 4,000 merges over Moby Dick's ~20,000 distinct words take about a second.
 * Browser-safe: it works on host arrays of ids before any tensor exists.
 */

/** Pair keys are a * KEY + b: ids stay below 2^21, so keys stay exact below 2^42. */
export const PAIR_KEY = 2 ** 21;

/**
 * A max-heap of (count, key): the larger count first, and among equal counts the smaller key, so
 * ties go to the pair of smaller ids (a, then b) and training is deterministic.
 */
class PairHeap {
  private readonly counts: number[] = [];
  private readonly keys: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  private above(i: number, j: number): boolean {
    const ci = this.counts[i];
    const cj = this.counts[j];
    return ci > cj || (ci === cj && this.keys[i] < this.keys[j]);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    for (let i = this.keys.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** The top (count, key), removed; undefined when empty. */
  pop(): [number, number] | undefined {
    const n = this.keys.length;
    if (n === 0) return undefined;
    const top: [number, number] = [this.counts[0], this.keys[0]];
    this.swap(0, n - 1);
    this.counts.pop();
    this.keys.pop();
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < n - 1 && this.above(l, best)) best = l;
      if (r < n - 1 && this.above(r, best)) best = r;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
    return top;
  }
}

/** `word` with every non-overlapping (a, b), left to right, replaced by `merged`; null when it has none. */
export function mergePair(word: readonly number[], a: number, b: number, merged: number): number[] | null {
  let out: number[] | null = null;
  for (let i = 0; i < word.length; i++) {
    if (word[i] === a && i + 1 < word.length && word[i + 1] === b) {
      out ??= word.slice(0, i);
      out.push(merged);
      i++;
    } else if (out !== null) out.push(word[i]);
  }
  return out;
}

export interface LearnMergesOptions {
  /** The most merges to learn. */
  merges: number;
  /** The id the first merge gets (each next merge gets the next id). */
  firstId: number;
  /** Stop when the most frequent pair occurs fewer times than this. */
  minFrequency: number;
}

/**
 * The merges, in order, that BPE learns from `words` (each a sequence of token ids) occurring
 * `counts[i]` times: each merge joins the currently most frequent adjacent pair (ties: smaller ids)
 * into the next id. The word arrays are not changed.
 */
export function learnMerges(
  words: readonly (readonly number[])[],
  counts: readonly number[],
  options: LearnMergesOptions,
): [number, number][] {
  const tokens = words.map((w) => [...w]);
  const pairCounts = new Map<number, number>();
  // Which words may hold each pair (a superset: words are not removed when a merge takes a pair away).
  const holders = new Map<number, Set<number>>();
  const addPairs = (w: number, sign: 1 | -1, before: Map<number, number> | null): void => {
    const t = tokens[w];
    for (let i = 0; i + 1 < t.length; i++) {
      const key = t[i] * PAIR_KEY + t[i + 1];
      const old = pairCounts.get(key) ?? 0;
      if (before !== null && !before.has(key)) before.set(key, old);
      pairCounts.set(key, old + sign * counts[w]);
      if (sign > 0) {
        const set = holders.get(key);
        if (set === undefined) holders.set(key, new Set([w]));
        else set.add(w);
      }
    }
  };
  for (let w = 0; w < tokens.length; w++) addPairs(w, 1, null);
  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push(count, key);

  const merges: [number, number][] = [];
  while (merges.length < options.merges && heap.size > 0) {
    const [count, key] = heap.pop() as [number, number];
    const actual = pairCounts.get(key) ?? 0;
    // A stale entry (the pair lost occurrences since it was pushed): push its current count again.
    if (actual !== count) {
      if (actual > 0) heap.push(actual, key);
      continue;
    }
    if (count < options.minFrequency) break;
    const a = Math.floor(key / PAIR_KEY);
    const b = key - a * PAIR_KEY;
    const merged = options.firstId + merges.length;
    merges.push([a, b]);
    // Counts before this merge of every pair it touches: those that grew go on the heap.
    const before = new Map<number, number>();
    for (const w of holders.get(key) ?? []) {
      const next = mergePair(tokens[w], a, b, merged);
      if (next === null) continue;
      addPairs(w, -1, before);
      tokens[w] = next;
      addPairs(w, 1, before);
    }
    holders.delete(key);
    for (const [k, old] of before) {
      const now = pairCounts.get(k) as number;
      if (now > old) heap.push(now, k);
      if (now === 0) pairCounts.delete(k);
    }
  }
  return merges;
}
