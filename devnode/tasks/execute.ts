// What each task type does: checks that need the index's state (existence, primary key, ids),
// then the engine change, then the store writes. The caller runs this inside one SQLite
// transaction together with the task's final status, and rebuilds touched engines on failure.
import { miroirError } from '#core/errors.ts';
import type { FilterInput } from '#core/filter/ast.ts';
import type { Document } from '#devnode/engine/types.ts';
import { engineCall } from '#devnode/engine-call.ts';
import type { DevnodeStore } from '#devnode/store.ts';
import { indexNotFound, type DevnodeState, type IndexState } from '#devnode/state.ts';
import { nowRfc3339 } from '#devnode/tasks/clock.ts';
import { choosePrimaryKey, documentId } from '#devnode/tasks/document-ids.ts';
import type { TaskQueue } from '#devnode/tasks/queue.ts';
import type { TaskPayload, TaskRecord } from '#devnode/tasks/types.ts';
import { parseFilterValue } from '#devnode/validate/search.ts';
import { checkTypoSizes, mergeSettings } from '#core/meili/settings-validate.ts';

export interface ExecutionContext {
  state: DevnodeState;
  store: DevnodeStore;
  queue: TaskQueue;
  /** Indexes whose engine this task changed: rebuilt from the store if the task fails. */
  touched: Set<string>;
  task: TaskRecord;
}

function alreadyExists(uid: string) {
  return miroirError('index_already_exists', `Index \`${uid}\` already exists.`);
}

/** The index, created on the fly when a document or settings write targets a missing one. */
function indexFor(ctx: ExecutionContext, uid: string, primaryKey: string | null): IndexState {
  const found = ctx.state.get(uid);
  if (found) return found;
  ctx.touched.add(uid);
  return ctx.state.create(uid, primaryKey, nowRfc3339());
}

function addDocuments(
  ctx: ExecutionContext,
  uid: string,
  p: Extract<TaskPayload, { kind: 'addDocuments' }>,
): Record<string, unknown> {
  const existing = ctx.state.get(uid);
  const primaryKey = choosePrimaryKey(existing?.primaryKey ?? null, p.primaryKey, p.documents);
  const ids = primaryKey === null ? [] : p.documents.map((doc) => documentId(doc, primaryKey));
  const index = indexFor(ctx, uid, primaryKey);
  ctx.touched.add(uid);
  if (primaryKey !== null && index.primaryKey !== primaryKey) {
    index.engine.setPrimaryKey(primaryKey);
    index.primaryKey = primaryKey;
  }
  // With skipCreation, Meilisearch writes only documents the index already holds (and still
  // counts every received document as indexed).
  const keep = p.documents.map((_, i) => !p.skipCreation || index.engine.getDocument(ids[i]!) !== undefined);
  const documents = p.documents.filter((_, i) => keep[i]);
  if (documents.length > 0) engineCall(() => index.engine.addDocuments(documents, p.mode));
  // Persist what the engine now holds: for a partial update that is the merged document.
  const rows = new Map<string, Document>();
  p.documents.forEach((doc, i) => {
    if (!keep[i]) return;
    const id = ids[i]!;
    rows.set(id, p.mode === 'replace' ? doc : (index.engine.getDocument(id) ?? doc));
  });
  ctx.store.upsertDocuments(
    uid,
    [...rows].map(([id, body]) => ({ id, body })),
  );
  index.updatedAt = nowRfc3339();
  ctx.state.save(index);
  return { receivedDocuments: p.documents.length, indexedDocuments: p.documents.length };
}

function deleteIds(ctx: ExecutionContext, index: IndexState, ids: string[]): number {
  ctx.touched.add(index.uid);
  const present = ids.filter((id) => index.engine.getDocument(id) !== undefined);
  engineCall(() => index.engine.deleteDocuments(ids));
  ctx.store.deleteDocuments(index.uid, present);
  index.updatedAt = nowRfc3339();
  ctx.state.save(index);
  return new Set(present).size;
}

function idsMatching(index: IndexState, filter: FilterInput): string[] {
  const expr = parseFilterValue(filter, 'invalid_document_filter');
  if (expr === null || index.primaryKey === null) return [];
  const pk = index.primaryKey;
  const { results } = engineCall(() =>
    index.engine.listDocuments({
      offset: 0,
      limit: Number.MAX_SAFE_INTEGER,
      fields: null,
      filter: expr,
      ids: null,
      sort: null,
    }),
  );
  return results.map((doc) => documentId(doc, pk));
}

export function executeTask(ctx: ExecutionContext, payload: TaskPayload): Record<string, unknown> {
  const { task, state, store } = ctx;
  const uid = task.indexUid ?? '';
  switch (payload.kind) {
    case 'addDocuments':
      return { ...task.details, ...addDocuments(ctx, uid, payload) };
    case 'deleteDocuments': {
      const index = state.require(uid);
      return { ...task.details, deletedDocuments: deleteIds(ctx, index, payload.ids) };
    }
    case 'deleteByFilter': {
      const index = state.require(uid);
      return { ...task.details, deletedDocuments: deleteIds(ctx, index, idsMatching(index, payload.filter)) };
    }
    case 'clearDocuments': {
      const index = state.require(uid);
      ctx.touched.add(uid);
      const { deletedDocuments } = index.engine.clear();
      store.clearDocuments(uid);
      index.updatedAt = nowRfc3339();
      state.save(index);
      return { deletedDocuments };
    }
    case 'settings': {
      const index = indexFor(ctx, uid, null);
      const next = mergeSettings(index.settings, payload.patch);
      checkTypoSizes(next);
      ctx.touched.add(uid);
      engineCall(() => index.engine.applySettings(next));
      index.settings = next;
      index.updatedAt = nowRfc3339();
      state.save(index);
      return task.details;
    }
    case 'createIndex': {
      if (state.get(uid)) throw alreadyExists(uid);
      ctx.touched.add(uid);
      state.save(state.create(uid, payload.primaryKey, nowRfc3339()));
      return task.details;
    }
    case 'updateIndex': {
      const index = state.require(uid);
      if (payload.newUid !== null && payload.newUid !== uid && state.get(payload.newUid))
        throw alreadyExists(payload.newUid);
      if (payload.primaryKey !== null && payload.primaryKey !== index.primaryKey) {
        if (index.engine.stats().numberOfDocuments > 0 && index.primaryKey !== null) {
          throw miroirError(
            'index_primary_key_already_exists',
            `Index already has a primary key: \`${index.primaryKey}\`.`,
          );
        }
        ctx.touched.add(uid);
        index.engine.setPrimaryKey(payload.primaryKey);
        index.primaryKey = payload.primaryKey;
      }
      index.updatedAt = nowRfc3339();
      state.save(index);
      if (payload.newUid !== null && payload.newUid !== uid) renameIndex(ctx, uid, payload.newUid);
      return task.details;
    }
    case 'deleteIndex': {
      const index = state.require(uid);
      const deletedDocuments = index.engine.stats().numberOfDocuments;
      ctx.touched.add(uid);
      store.deleteIndex(uid);
      state.indexes.delete(uid);
      return { deletedDocuments };
    }
    case 'swapIndexes': {
      for (const { indexes, rename } of payload.swaps) {
        const [a, b] = indexes;
        if (!state.get(a)) throw indexNotFound(a);
        if (rename) {
          if (state.get(b)) throw alreadyExists(b);
          renameIndex(ctx, a, b);
        } else {
          if (!state.get(b)) throw indexNotFound(b);
          swapIndexes(ctx, a, b);
        }
      }
      return task.details;
    }
    case 'cancelTasks':
      return { ...task.details, canceledTasks: ctx.queue.cancel(payload.uids, task.uid) };
    case 'deleteTasks':
      return { ...task.details, deletedTasks: ctx.queue.delete(payload.uids) };
  }
}

function renameIndex(ctx: ExecutionContext, from: string, to: string): void {
  const index = ctx.state.require(from);
  ctx.touched.add(from).add(to);
  ctx.store.renameIndex(from, to);
  ctx.state.indexes.delete(from);
  index.uid = to;
  index.engine.setIndexUid(to);
  ctx.state.indexes.set(to, index);
  for (const t of ctx.queue.tasks.values()) if (t.indexUid === from && t !== ctx.task) t.indexUid = to;
}

function swapIndexes(ctx: ExecutionContext, a: string, b: string): void {
  const ia = ctx.state.require(a);
  const ib = ctx.state.require(b);
  ctx.touched.add(a).add(b);
  ctx.store.swapIndexes(a, b);
  ia.uid = b;
  ib.uid = a;
  ia.engine.setIndexUid(b);
  ib.engine.setIndexUid(a);
  ctx.state.indexes.set(a, ib);
  ctx.state.indexes.set(b, ia);
  for (const t of ctx.queue.tasks.values()) {
    if (t.indexUid === a) t.indexUid = b;
    else if (t.indexUid === b) t.indexUid = a;
  }
}
