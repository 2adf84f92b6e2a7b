// The live indexes of one devnode: each index's metadata, full settings and in-memory engine,
// loaded from the store at start (documents replayed in internal-id order).
import { miroirError, type MiroirError } from '#core/errors.ts';
import { defaultSettings, type IndexSettings } from '#core/meili/settings.ts';
import { createIndexEngine } from '#devnode/engine/index.ts';
import type { IndexEngine } from '#devnode/engine/types.ts';
import type { DevnodeStore, IndexRow } from '#devnode/store.ts';

export interface IndexState {
  uid: string;
  primaryKey: string | null;
  settings: IndexSettings;
  createdAt: string;
  updatedAt: string;
  engine: IndexEngine;
}

export function indexNotFound(uid: string): MiroirError {
  return miroirError('index_not_found', `Index \`${uid}\` not found.`);
}

export class DevnodeState {
  readonly indexes = new Map<string, IndexState>();

  constructor(readonly store: DevnodeStore) {
    for (const row of store.loadIndexes()) this.indexes.set(row.uid, this.build(row));
  }

  private build(row: IndexRow): IndexState {
    const engine = createIndexEngine(row.primaryKey, row.settings, { indexUid: row.uid });
    const batch: Record<string, unknown>[] = [];
    // Replaying in slices keeps memory flat for large indexes.
    for (const doc of this.store.documents(row.uid)) {
      batch.push(doc);
      if (batch.length === 10_000) engine.addDocuments(batch.splice(0), 'replace');
    }
    if (batch.length > 0) engine.addDocuments(batch, 'replace');
    return { ...row, engine };
  }

  get(uid: string): IndexState | undefined {
    return this.indexes.get(uid);
  }

  require(uid: string): IndexState {
    const index = this.indexes.get(uid);
    if (!index) throw indexNotFound(uid);
    return index;
  }

  /** A new empty index, persisted by the caller's transaction through `save`. */
  create(uid: string, primaryKey: string | null, now: string): IndexState {
    const settings = defaultSettings();
    const index: IndexState = {
      uid,
      primaryKey,
      settings,
      createdAt: now,
      updatedAt: now,
      engine: createIndexEngine(primaryKey, settings, { indexUid: uid }),
    };
    this.indexes.set(uid, index);
    return index;
  }

  save(index: IndexState): void {
    this.store.putIndex({
      uid: index.uid,
      primaryKey: index.primaryKey,
      settings: index.settings,
      createdAt: index.createdAt,
      updatedAt: index.updatedAt,
    });
  }

  /** Drops the in-memory engine and rebuilds it from the store: the way back after a failed write. */
  reload(uid: string): void {
    const row = this.store.loadIndexes().find((r) => r.uid === uid);
    if (row) this.indexes.set(uid, this.build(row));
    else this.indexes.delete(uid);
  }

  /** Sorted by uid, as Meilisearch lists indexes. */
  list(): IndexState[] {
    return [...this.indexes.values()].sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  }
}
