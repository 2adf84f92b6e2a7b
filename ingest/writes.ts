// Document and settings writes: resolve (or auto-create) the index, validate everything, plan
// the records (one partition per shard, barriers in every partition) and append them; the
// result is the task uid once Kafka acknowledged every record of the request.
import { randomUUID } from 'node:crypto';
import type { Document } from '#core/documents/payload.ts';
import { errorBody, isMiroirError, miroirError, type ErrorCode } from '#core/errors.ts';
import { taskEnqueued, taskFailed, taskSucceeded } from '#core/ingest/index-events.ts';
import { shardOwnersOf } from '#core/ingest/owners.ts';
import { assertNoReservedAttributes } from '#core/ingest/reserved-fields.ts';
import { choosePrimaryKey, type PrimaryKeyChoice } from '#core/ingest/primary-key.ts';
import { prepareDocuments, shardsOfIds, type PreparedDocuments } from '#core/ingest/prepare-documents.ts';
import type { EnqueuedTask } from '#core/tasks/task-projection.ts';
import { planWrite, type DocumentInput, type WriteOperation, type WritePlan } from '#core/log/plan-write.ts';
import { docsTopicOf, type TopicNames } from '#core/log/topics.ts';
import type { IndexRecord } from '#core/topology-projection.ts';
import type { TopologyRunner } from '#adapters/read-models/topology-runner.ts';
import type { IndexLifecycle } from './index-lifecycle.ts';
import type { IngestMetrics } from './metrics.ts';
import type { LogWriter } from './log-writer.ts';

export interface WriteResult {
  readonly taskUid: number;
  readonly enqueued: Pick<EnqueuedTask, 'type' | 'indexUid' | 'enqueuedAt' | 'customMetadata'>;
  /** Settings version the write produced (settings writes only). */
  readonly settingsVersion: number | null;
}

export interface WritesDeps {
  readonly writer: LogWriter;
  readonly topology: TopologyRunner;
  readonly lifecycle: IndexLifecycle;
  readonly topics: TopicNames;
  readonly autoCreateIndex: boolean;
  /** Shards a new index gets (validation needs them before the index exists). */
  readonly shards: number;
  readonly replicationFactor: number;
  /** How long a settings write waits for its own projection before answering anyway. */
  readonly settingsWaitMs?: number;
  readonly metrics?: IngestMetrics;
}

export interface DocumentWrite {
  readonly mode: 'upsert' | 'update';
  readonly documents: readonly Document[];
  /** The client's own JSON of each document (JSON and NDJSON payloads), kept as the event body. */
  readonly bodies?: readonly (Buffer | string)[];
  readonly primaryKey?: string;
  readonly customMetadata?: string;
  /** Meilisearch's `skipCreation`: documents the index does not hold are skipped (see `documents`). */
  readonly skipCreation?: boolean;
}

export interface Writes {
  documents(uid: string, write: DocumentWrite): Promise<WriteResult>;
  deleteIds(uid: string, ids: readonly string[]): Promise<WriteResult>;
  deleteByFilter(uid: string, filter: unknown): Promise<WriteResult>;
  clear(uid: string): Promise<WriteResult>;
  settings(uid: string, patch: Readonly<Record<string, unknown>>): Promise<WriteResult>;
  /** Appends already-validated documents of a known primary key (the inbox path). */
  appendDocuments(
    index: IndexRecord,
    documents: readonly DocumentInput[],
    shards: ArrayLike<number>,
  ): Promise<WriteResult>;
  appendDeletes(index: IndexRecord, ids: readonly string[]): Promise<WriteResult>;
}

/** A document write once validated: ids, bodies and shards, without the parsed documents. */
interface ValidatedDocuments {
  readonly mode: DocumentWrite['mode'];
  readonly choice: PrimaryKeyChoice;
  readonly shardCount: number;
  readonly prepared: PreparedDocuments;
  readonly customMetadata: string | undefined;
}

/**
 * Problems Meilisearch finds when it runs a document task, not when it receives the request: it
 * answers 202 and the task fails with the error, so Miroir does the same.
 */
const TASK_TIME_DOCUMENT_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'missing_document_id',
  'invalid_document_id',
  'index_primary_key_no_candidate_found',
  'index_primary_key_multiple_candidates_found',
  'index_primary_key_already_exists',
]);

function indexNotFound(uid: string): Error {
  return miroirError('index_not_found', `Index \`${uid}\` not found.`);
}

export function createWrites(deps: WritesDeps): Writes {
  const { writer, topology, lifecycle } = deps;

  /**
   * Topic names for a write to `index`: its documents go to its generation's topic (a spare it
   * took, or the topic of its log uid, which differs from the uid after a swap or rename).
   */
  const topicsOf = (index: IndexRecord): TopicNames => {
    const topic = docsTopicOf(deps.topics, index);
    if (topic === deps.topics.docs(index.uid, index.generation)) return deps.topics;
    return { ...deps.topics, docs: () => topic };
  };

  const existing = (uid: string): IndexRecord => {
    const index = lifecycle.find(uid);
    if (index === undefined) throw indexNotFound(uid);
    return index;
  };

  /** Indexes that writes may create (documents, settings) exist afterwards; others must exist already. */
  const resolveOrCreate = async (uid: string, primaryKey: string | null): Promise<IndexRecord> => {
    await lifecycle.deletionOf(uid);
    const index = lifecycle.find(uid);
    if (index !== undefined) return index;
    if (!deps.autoCreateIndex) throw indexNotFound(uid);
    return lifecycle.ensure(uid, primaryKey);
  };

  const append = async (
    index: IndexRecord,
    operation: WriteOperation,
    customMetadata?: string,
    source: 'http' | 'inbox' = 'http',
  ): Promise<WriteResult> => {
    const writeId = randomUUID();
    const started = performance.now();
    const plan: WritePlan = planWrite({
      topics: topicsOf(index),
      indexUid: index.uid,
      generation: index.generation,
      shardCount: index.shards,
      operation,
      owners: shardOwnersOf(topology.topology(), index.uid, index.shards),
      replicationFactor: index.rf,
      writeId,
      timestamp: Date.now(),
      customMetadata: customMetadata ?? null,
    });
    const { taskUid, controlOffset } = await writer.appendWrite(plan, writeId);
    const type = plan.taskEnqueued.taskType;
    deps.metrics?.ingest_append_seconds.observe({ type }, (performance.now() - started) / 1000);
    deps.metrics?.ingest_tasks_appended_total.inc({ type, source });
    const items =
      operation.kind === 'upsert' || operation.kind === 'update'
        ? operation.documents.length
        : operation.kind === 'deleteIds'
          ? operation.ids.length
          : 0;
    if (items > 0) deps.metrics?.ingest_documents_appended_total.inc({ source }, items);
    if (controlOffset !== null) {
      // Answer after this process's projection saw the new settings, so a GET right after shows them.
      await topology.waitForOffset(controlOffset, deps.settingsWaitMs ?? 10_000).catch(() => undefined);
    }
    const e = plan.taskEnqueued;
    return {
      taskUid,
      enqueued: {
        type: e.taskType,
        indexUid: e.indexUid,
        enqueuedAt: e.timestamp,
        customMetadata: e.customMetadata,
      },
      settingsVersion: operation.kind === 'settings' ? taskUid : null,
    };
  };

  /**
   * A document task that ends without touching a partition: `TaskEnqueued`, then `TaskFailed` with
   * the task-time error or `TaskSucceeded`. A missing index is created first, as Meilisearch
   * creates it before it looks at the documents.
   */
  const settleWithoutDocuments = async (
    uid: string,
    write: DocumentWrite,
    outcome: { error: unknown } | { indexedDocuments: number },
    primaryKey: string | null,
  ): Promise<WriteResult> => {
    let index = lifecycle.find(uid) ?? (await lifecycle.ensure(uid, primaryKey));
    if (primaryKey !== null && index.primaryKey === null)
      index = await lifecycle.setPrimaryKey(index, primaryKey);
    const stamp = { writeId: randomUUID(), timestamp: Date.now() };
    const enqueued = taskEnqueued(
      stamp,
      'documentAdditionOrUpdate',
      uid,
      { receivedDocuments: write.documents.length },
      index.rf,
      write.customMetadata ?? null,
    );
    const taskUid = await writer.appendTask(enqueued);
    const done = { writeId: stamp.writeId, timestamp: Date.now() };
    await writer.appendTask(
      'error' in outcome
        ? taskFailed(done, taskUid, uid, errorBody(outcome.error))
        : taskSucceeded(done, taskUid, uid, { indexedDocuments: outcome.indexedDocuments }),
    );
    deps.metrics?.ingest_tasks_appended_total.inc({ type: enqueued.taskType, source: 'http' });
    return {
      taskUid,
      enqueued: {
        type: enqueued.taskType,
        indexUid: uid,
        enqueuedAt: stamp.timestamp,
        customMetadata: enqueued.customMetadata,
      },
      settingsVersion: null,
    };
  };

  const validateDocuments = (uid: string, write: DocumentWrite): ValidatedDocuments => {
    const known = lifecycle.find(uid);
    if (known === undefined && !deps.autoCreateIndex) throw indexNotFound(uid);
    // Everything is validated against the index as it is (or will be) before anything is appended.
    const choice = choosePrimaryKey(known?.primaryKey ?? null, write.primaryKey, write.documents[0]);
    const shardCount = known?.shards ?? deps.shards;
    const prepared =
      choice.primaryKey === null
        ? { documents: [], shards: new Uint16Array(0) }
        : prepareDocuments(write.documents, choice.primaryKey, shardCount, write.bodies);
    return {
      mode: write.mode,
      choice,
      shardCount,
      prepared,
      customMetadata: write.customMetadata,
    };
  };

  const appendValidated = async (uid: string, v: ValidatedDocuments): Promise<WriteResult> => {
    const { choice, shardCount, prepared } = v;
    let index = await resolveOrCreate(uid, choice.setsIndexKey ? choice.primaryKey : null);
    if (index.shards !== shardCount)
      throw miroirError('internal', `Index \`${uid}\` changed its layout during the request; retry it.`);
    if (choice.setsIndexKey && choice.primaryKey !== null && index.primaryKey === null)
      index = await lifecycle.setPrimaryKey(index, choice.primaryKey);
    if (choice.primaryKey !== null && index.primaryKey !== null && index.primaryKey !== choice.primaryKey) {
      throw miroirError(
        'index_primary_key_already_exists',
        `Index already has a primary key: \`${index.primaryKey}\`.`,
      );
    }
    return append(
      index,
      {
        kind: v.mode,
        primaryKey: choice.primaryKey ?? '',
        documents: prepared.documents,
        shards: prepared.shards,
      },
      v.customMetadata,
    );
  };

  return {
    async documents(uid, write) {
      // A write after a deletion this process is still running goes to the next generation.
      await lifecycle.deletionOf(uid);
      // Validation is synchronous and hands on only what the append needs; this function never
      // suspends, so the parsed documents (the heaviest objects of a request) are garbage before
      // the first Kafka round trip instead of surviving all of them and every young-generation GC.
      let validated: ValidatedDocuments;
      try {
        validated = validateDocuments(uid, write);
      } catch (err) {
        if (!isMiroirError(err) || !TASK_TIME_DOCUMENT_ERRORS.has(err.code)) throw err;
        return settleWithoutDocuments(uid, write, { error: err }, null);
      }
      // `skipCreation` skips the documents an index does not hold yet: a new index holds none, so
      // the task creates the index (and sets its key) and succeeds, counting the documents as
      // Meilisearch 1.50 does. On an existing index the documents are appended as usual.
      if (write.skipCreation === true && lifecycle.find(uid) === undefined)
        return settleWithoutDocuments(
          uid,
          write,
          { indexedDocuments: write.documents.length },
          validated.choice.setsIndexKey ? validated.choice.primaryKey : null,
        );
      return appendValidated(uid, validated);
    },
    async deleteIds(uid, ids) {
      await lifecycle.deletionOf(uid);
      const index = existing(uid);
      return append(index, { kind: 'deleteIds', ids, shards: shardsOfIds(ids, index.shards) });
    },
    async deleteByFilter(uid, filter) {
      await lifecycle.deletionOf(uid);
      return append(existing(uid), { kind: 'deleteByFilter', filter });
    },
    async clear(uid) {
      await lifecycle.deletionOf(uid);
      return append(existing(uid), { kind: 'clear' });
    },
    async settings(uid, patch) {
      assertNoReservedAttributes(patch);
      const index = await resolveOrCreate(uid, null);
      return append(index, { kind: 'settings', settings: patch });
    },
    appendDocuments: (index, documents, shards) =>
      append(
        index,
        { kind: 'upsert', primaryKey: index.primaryKey ?? '', documents, shards },
        undefined,
        'inbox',
      ),
    appendDeletes: (index, ids) =>
      append(index, { kind: 'deleteIds', ids, shards: shardsOfIds(ids, index.shards) }, undefined, 'inbox'),
  };
}
