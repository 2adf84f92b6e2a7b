// The k-way merge specialised to the common search: hits ordered by one number, the (weighted)
// ranking score, highest first, scores within f64::EPSILON tied and ties broken by shard id, then
// by the shard's own order. Same heap discipline as KWayMerger with `compareScores`, so both walk
// hits in the same order; this one keeps scores in a typed array and compares them inline.
import { BinaryHeap } from './binary-heap.ts';
import type { MergeList, MergeWalk } from './kway-merge.ts';

const EPSILON = Number.EPSILON;

export class ScoreMerger<T> extends BinaryHeap<number> implements MergeWalk<T> {
  /** Heap of list indexes; each list's head score, shard and position live in parallel arrays. */
  private readonly items: (readonly T[])[] = [];
  private readonly shards: number[] = [];
  private readonly positions: number[] = [];
  private readonly scores: Float64Array;
  private current = -1;
  item: T | undefined = undefined;
  shard = -1;
  position = -1;

  constructor(
    lists: readonly MergeList<T>[],
    private readonly scoreOf: (item: T, shard: number) => number,
  ) {
    super();
    this.scores = new Float64Array(lists.length);
    for (const list of lists) {
      const first = list.items[0];
      if (first === undefined) continue;
      const index = this.items.length;
      this.items.push(list.items);
      this.shards.push(list.shard);
      this.positions.push(0);
      this.scores[index] = scoreOf(first, list.shard);
      this.heap.push(index);
      this.siftUp(this.heap.length - 1);
    }
  }

  /** Moves to the next item; false once every list is exhausted. */
  next(): boolean {
    const heap = this.heap;
    const done = this.current;
    if (done >= 0) {
      const position = (this.positions[done] as number) + 1;
      this.positions[done] = position;
      const following = (this.items[done] as readonly T[])[position];
      if (following === undefined) {
        const last = heap.pop() as number;
        if (heap.length > 0) heap[0] = last;
      } else {
        this.scores[done] = this.scoreOf(following, this.shards[done] as number);
      }
      if (heap.length > 1) this.siftDown();
    }
    const top = heap[0];
    if (top === undefined) {
      this.current = -1;
      this.item = undefined;
      return false;
    }
    this.current = top;
    this.shard = this.shards[top] as number;
    this.position = this.positions[top] as number;
    this.item = (this.items[top] as readonly T[])[this.position];
    return true;
  }

  /** Whether list `a`'s head comes before list `b`'s: `compareScores`, then the shard id. */
  protected before(a: number, b: number): boolean {
    const x = this.scores[a] as number;
    const y = this.scores[b] as number;
    // Written as `compareScores` decides, NaN included: not within EPSILON means "by value".
    if (!(Math.abs(x - y) <= EPSILON)) return x > y;
    return (this.shards[a] as number) < (this.shards[b] as number);
  }
}
