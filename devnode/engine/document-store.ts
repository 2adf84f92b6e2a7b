// Documents by internal id, as milli numbers them: a new document takes the lowest free id (holes
// left by deletions first, then the next one), an updated document keeps its id. Ranking ties
// and placeholder order follow these ids.
import type { Document } from './types.ts';

export class DocumentStore {
  readonly docs: (Document | undefined)[] = [];
  readonly externalIds: (string | undefined)[] = [];
  private readonly byExternal = new Map<string, number>();
  /** Free ids below docs.length, kept sorted descending so the lowest pops from the end. */
  private free: number[] = [];
  count = 0;

  internalId(externalId: string): number | undefined {
    return this.byExternal.get(externalId);
  }

  get(externalId: string): Document | undefined {
    const id = this.byExternal.get(externalId);
    return id === undefined ? undefined : this.docs[id];
  }

  /** Stores `doc` under `externalId`; returns its internal id and whether it replaced one. */
  put(externalId: string, doc: Document): { id: number; replaced: boolean } {
    const existing = this.byExternal.get(externalId);
    if (existing !== undefined) {
      this.docs[existing] = doc;
      return { id: existing, replaced: true };
    }
    const id = this.free.length > 0 ? (this.free.pop() as number) : this.docs.length;
    this.docs[id] = doc;
    this.externalIds[id] = externalId;
    this.byExternal.set(externalId, id);
    this.count++;
    return { id, replaced: false };
  }

  remove(externalId: string): number | undefined {
    const id = this.byExternal.get(externalId);
    if (id === undefined) return undefined;
    this.byExternal.delete(externalId);
    this.docs[id] = undefined;
    this.externalIds[id] = undefined;
    this.count--;
    let i = this.free.length;
    while (i > 0 && (this.free[i - 1] as number) < id) i--;
    this.free.splice(i, 0, id);
    return id;
  }

  clear(): void {
    this.docs.length = 0;
    this.externalIds.length = 0;
    this.byExternal.clear();
    this.free = [];
    this.count = 0;
  }

  /** Live internal ids in ascending order. */
  *ids(): IterableIterator<number> {
    for (let id = 0; id < this.docs.length; id++) if (this.docs[id] !== undefined) yield id;
  }
}
