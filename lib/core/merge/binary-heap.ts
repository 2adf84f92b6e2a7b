// Binary min-heap ordering shared by the merges of sorted shard lists: subclasses say which of
// two entries comes first; the sift steps keep the earliest entry at index 0.

export abstract class BinaryHeap<E> {
  protected readonly heap: E[] = [];

  /** True when `a` must come out of the heap before `b`. */
  protected abstract before(a: E, b: E): boolean;

  protected siftUp(start: number): void {
    const heap = this.heap;
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const child = heap[i] as E;
      const up = heap[parent] as E;
      if (!this.before(child, up)) break;
      heap[i] = up;
      heap[parent] = child;
      i = parent;
    }
  }

  protected siftDown(): void {
    const heap = this.heap;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) return;
      const right = left + 1;
      let best = left;
      if (right < heap.length && this.before(heap[right] as E, heap[left] as E)) best = right;
      if (!this.before(heap[best] as E, heap[i] as E)) return;
      const tmp = heap[i] as E;
      heap[i] = heap[best] as E;
      heap[best] = tmp;
      i = best;
    }
  }
}
