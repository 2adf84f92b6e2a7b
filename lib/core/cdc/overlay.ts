// A batch's pending changes over a shard's stored state: the fold reads through it, so later
// records of a batch see earlier ones before anything is written. The stored state changes only
// once the batch's transaction committed; one record's changes can be undone on their own when
// that record turns out unreadable halfway through.
import type { ShardState } from './fold.ts';

/** The stored state under an overlay: point reads and a scan of one shard. */
export interface ShardBase {
  get(key: string): string | undefined;
  /** Several point reads at once (absent keys left out); optional. */
  getMany?(keys: readonly string[]): ReadonlyMap<string, string>;
  entries(): Iterable<readonly [string, string]>;
}

export class ShardOverlay implements ShardState {
  private readonly pending = new Map<string, string | null>();
  /** Earlier overlay values of the keys the current record touched (undefined: not pending). */
  private undo: [string, string | null | undefined][] = [];
  /** Base values fetched ahead (null: absent in the base); valid while the base does not change. */
  private readonly fetched = new Map<string, string | null>();

  constructor(private readonly base: ShardBase) {}

  get(key: string): string | undefined {
    const value = this.pending.get(key);
    if (value !== undefined) return value ?? undefined;
    if (this.pending.has(key)) return undefined;
    const fetched = this.fetched.get(key);
    if (fetched !== undefined) return fetched ?? undefined;
    return this.base.get(key);
  }

  prefetch(keys: readonly string[]): void {
    if (this.base.getMany === undefined) return;
    const wanted = keys.filter((k) => !this.pending.has(k) && !this.fetched.has(k));
    if (wanted.length === 0) return;
    const found = this.base.getMany(wanted);
    for (const key of wanted) this.fetched.set(key, found.get(key) ?? null);
  }

  set(key: string, json: string | null): void {
    this.undo.push([key, this.pending.has(key) ? (this.pending.get(key) ?? null) : undefined]);
    this.pending.set(key, json);
  }

  *entries(): IterableIterator<readonly [string, string]> {
    for (const entry of this.base.entries()) if (!this.pending.has(entry[0])) yield entry;
    for (const [key, value] of this.pending) if (value !== null) yield [key, value] as const;
  }

  /** Keeps the changes made since the last mark. */
  mark(): void {
    this.undo = [];
  }

  /** Drops the changes made since the last mark. */
  rollback(): void {
    for (const [key, previous] of this.undo.reverse()) {
      if (previous === undefined) this.pending.delete(key);
      else this.pending.set(key, previous);
    }
    this.undo = [];
  }

  /** Every key the batch changed, with its new after-image (null: deleted). */
  changes(): ReadonlyMap<string, string | null> {
    return this.pending;
  }
}
