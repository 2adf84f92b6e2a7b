// Lazy k-way merge of per-shard lists that each arrive in their node's order. Only list heads are
// compared, so a page costs O(window * log k) comparisons and each list keeps its own order: equal
// keys resolve by shard id, then by position in the shard's list, which makes every page a prefix
// of the next larger window (pages never overlap or skip).

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

interface Cursor<T, K> {
  readonly list: MergeList<T>;
  position: number;
  key: K;
}

export function* kwayMerge<T, K>(
  lists: readonly MergeList<T>[],
  keyOf: (item: T, shard: number) => K,
  compare: (a: K, b: K) => number,
): Generator<Merged<T, K>, void, undefined> {
  const heap: Cursor<T, K>[] = [];
  const before = (a: Cursor<T, K>, b: Cursor<T, K>): boolean => {
    const order = compare(a.key, b.key);
    return order !== 0 ? order < 0 : a.list.shard < b.list.shard;
  };
  const siftUp = (start: number): void => {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const child = heap[i] as Cursor<T, K>;
      const up = heap[parent] as Cursor<T, K>;
      if (!before(child, up)) break;
      heap[i] = up;
      heap[parent] = child;
      i = parent;
    }
  };
  const siftDown = (): void => {
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) return;
      const right = left + 1;
      let best = left;
      if (right < heap.length && before(heap[right] as Cursor<T, K>, heap[left] as Cursor<T, K>))
        best = right;
      if (!before(heap[best] as Cursor<T, K>, heap[i] as Cursor<T, K>)) return;
      const tmp = heap[i] as Cursor<T, K>;
      heap[i] = heap[best] as Cursor<T, K>;
      heap[best] = tmp;
      i = best;
    }
  };

  for (const list of lists) {
    const first = list.items[0];
    if (first === undefined) continue;
    heap.push({ list, position: 0, key: keyOf(first, list.shard) });
    siftUp(heap.length - 1);
  }
  while (heap.length > 0) {
    const top = heap[0] as Cursor<T, K>;
    const item = top.list.items[top.position] as T;
    yield { item, key: top.key, shard: top.list.shard, position: top.position };
    top.position += 1;
    const next = top.list.items[top.position];
    if (next === undefined) {
      const last = heap.pop() as Cursor<T, K>;
      if (heap.length === 0) return;
      heap[0] = last;
    } else {
      top.key = keyOf(next, top.list.shard);
    }
    siftDown();
  }
}
