// Lazy k-way merge of per-shard lists that each arrive in their node's order. Only list heads are
// compared, so a page costs O(window * log k) comparisons and each list keeps its own order: equal
// keys resolve by shard id, then by position in the shard's list, which makes every page a prefix
// of the next larger window (pages never overlap or skip).
import { BinaryHeap } from './binary-heap.ts';

export interface MergeList<T> {
  readonly shard: number;
  readonly items: readonly T[];
}

export interface Merged<T, K> {
  readonly item: T;
  readonly key: K;
  readonly shard: number;
  readonly position: number;
}

/** A merge walked one item at a time: `item` is the current item after `next()` returned true. */
export interface MergeWalk<T> {
  next(): boolean;
  readonly item: T | undefined;
  /** The shard of the current item. */
  readonly shard: number;
}

interface Cursor<T, K> {
  readonly items: readonly T[];
  readonly shard: number;
  position: number;
  key: K;
}

/**
 * The merge as a pull loop: `next()` moves to the next item in global order and exposes it in
 * `item`, `key`, `shard` and `position` until the next call. Nothing is allocated per item, which
 * matters when a page walks thousands of hits.
 */
export class KWayMerger<T, K> extends BinaryHeap<Cursor<T, K>> implements MergeWalk<T> {
  /** The cursor of the current item; it moves on at the next `next()` call. */
  private current: Cursor<T, K> | null = null;
  item: T | undefined = undefined;
  key: K | undefined = undefined;
  shard = -1;
  position = -1;

  constructor(
    lists: readonly MergeList<T>[],
    private readonly keyOf: (item: T, shard: number) => K,
    private readonly compare: (a: K, b: K) => number,
  ) {
    super();
    for (const list of lists) {
      const first = list.items[0];
      if (first === undefined) continue;
      this.heap.push({ items: list.items, shard: list.shard, position: 0, key: keyOf(first, list.shard) });
      this.siftUp(this.heap.length - 1);
    }
  }

  /** Moves to the next item; false once every list is exhausted. */
  next(): boolean {
    const heap = this.heap;
    const done = this.current;
    if (done !== null) {
      // Advance the list the previous item came from, then restore the heap order.
      done.position += 1;
      const following = done.items[done.position];
      if (following === undefined) {
        const last = heap.pop() as Cursor<T, K>;
        if (heap.length > 0) heap[0] = last;
      } else {
        done.key = this.keyOf(following, done.shard);
      }
      if (heap.length > 1) this.siftDown();
    }
    const top = heap[0];
    if (top === undefined) {
      this.current = null;
      this.item = undefined;
      this.key = undefined;
      return false;
    }
    this.current = top;
    this.item = top.items[top.position];
    this.key = top.key;
    this.shard = top.shard;
    this.position = top.position;
    return true;
  }

  protected before(a: Cursor<T, K>, b: Cursor<T, K>): boolean {
    const order = this.compare(a.key, b.key);
    return order !== 0 ? order < 0 : a.shard < b.shard;
  }
}

/** The merge as an iterator of `Merged` records, for callers that keep the merged entries. */
export function* kwayMerge<T, K>(
  lists: readonly MergeList<T>[],
  keyOf: (item: T, shard: number) => K,
  compare: (a: K, b: K) => number,
): Generator<Merged<T, K>, void, undefined> {
  const merger = new KWayMerger(lists, keyOf, compare);
  while (merger.next()) {
    yield {
      item: merger.item as T,
      key: merger.key as K,
      shard: merger.shard,
      position: merger.position,
    };
  }
}
