// Index lifecycle as ingest runs it: create (topics first, then `IndexCreated`), primary key set,
// update and delete, each waiting until this process's topology projection has folded its own
// control record, so the next request already sees the change. Index-level operations of one
// process run one at a time; across processes the control log's order decides which creation
// of an index wins, and each process reads the outcome of its own record from the projection.
import { randomUUID } from 'node:crypto';
import { errorBody, miroirError, type MiroirError } from '#core/errors.ts';
import {
  indexCreated,
  indexDeleted,
  indexTaskEnqueued,
  primaryKeySet,
  taskFailed,
  taskSucceeded,
  type EventStamp,
} from '#core/ingest/index-events.ts';
import { docsTopicSpec, inboxTopicSpec, type TopicPolicy, type TopicSpec } from '#core/log/topic-configs.ts';
import type { TopicNames } from '#core/log/topics.ts';
import { creationOutcome, nextGeneration, type IndexRecord } from '#core/topology-projection.ts';
import type { TopologyRunner } from '#adapters/read-models/topology-runner.ts';
import type { LogWriter } from './log-writer.ts';

export interface IndexLifecycleDeps {
  readonly writer: LogWriter;
  readonly topology: TopologyRunner;
  readonly topics: TopicNames;
  readonly policy: TopicPolicy;
  readonly ensureTopic: (spec: TopicSpec) => Promise<boolean>;
  /** Shards of new indexes. */
  readonly shards: number;
  readonly replicationFactor: number;
  /** Total document-partition records of an index generation (to know whether it ever held documents). */
  readonly documentRecords: (index: IndexRecord) => Promise<number>;
}

export interface IndexTask {
  readonly taskUid: number;
  readonly enqueuedAt: number;
}

export interface IndexLifecycle {
  /** The live index, or undefined. */
  find(uid: string): IndexRecord | undefined;
  /** Creates the index if it does not exist (no task of its own: the caller's task covers it). */
  ensure(uid: string, primaryKey: string | null): Promise<IndexRecord>;
  /** Sets the primary key of a keyless index (first documents). */
  setPrimaryKey(index: IndexRecord, primaryKey: string): Promise<IndexRecord>;
  /** `POST /indexes`: a task that fails with `index_already_exists` when the index exists. */
  createTask(uid: string, primaryKey: string | null): Promise<IndexTask>;
  /** `PATCH /indexes/{uid}`. */
  updateTask(uid: string, primaryKey: string | null): Promise<IndexTask>;
  /** `DELETE /indexes/{uid}`. */
  deleteTask(uid: string): Promise<IndexTask>;
}

function stamp(): EventStamp {
  return { writeId: randomUUID(), timestamp: Date.now() };
}

/** Creation attempts of one index before giving up (each new attempt follows a deletion this process had not seen). */
const MAX_CREATE_ATTEMPTS = 5;

export function createIndexLifecycle(deps: IndexLifecycleDeps): IndexLifecycle {
  const { writer, topology } = deps;
  let chain: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn);
    chain = run.catch(() => undefined);
    return run;
  };
  const find = (uid: string): IndexRecord | undefined => topology.state().indexes[uid];

  const appendControlAndWait = async (event: Parameters<LogWriter['appendControl']>[0]): Promise<void> => {
    const offset = await writer.appendControl(event);
    await topology.waitForOffset(offset);
  };

  /**
   * Appends `IndexCreated` and reads, once folded, whether this record created the index. Another
   * ingest process may create the same index at the same time: the first record in the control
   * log wins, the other is ignored by every projection (`existed`). A record ignored because it
   * carried a generation that a deletion retired meanwhile (this process had not seen it yet) is
   * appended again with the next generation.
   */
  const createNow = async (
    uid: string,
    primaryKey: string | null,
    taskUid: number | null,
    s: EventStamp,
  ): Promise<{ index: IndexRecord | undefined; existed: boolean }> => {
    for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt += 1) {
      const generation = nextGeneration(topology.state(), uid);
      // Topics exist before the event that makes indexers and producers look for them.
      await Promise.all([
        deps.ensureTopic(docsTopicSpec(deps.topics, uid, generation, deps.shards, deps.policy)),
        deps.ensureTopic(inboxTopicSpec(deps.topics, uid, deps.shards, deps.policy)),
      ]);
      const stampOf = attempt === 0 ? s : { writeId: randomUUID(), timestamp: Date.now() };
      const offset = await writer.appendControl(
        indexCreated(stampOf, uid, generation, deps.shards, primaryKey, taskUid),
      );
      await topology.waitForOffset(offset);
      const outcome = creationOutcome(topology.state(), uid, offset);
      if (outcome === 'ignored') continue;
      // The index may be gone again already (a later deletion): the outcome of this record stands.
      return { index: find(uid), existed: outcome === 'exists' };
    }
    throw miroirError('index_creation_failed', `Index \`${uid}\` could not be created.`);
  };

  /** Runs an index task: enqueue, decide, then succeed or fail it in the log. */
  const runTask = async (
    taskType: 'indexCreation' | 'indexUpdate' | 'indexDeletion',
    uid: string,
    details: { primaryKey?: string | null },
    work: (taskUid: number, s: EventStamp) => Promise<{ deletedDocuments?: number } | MiroirError>,
  ): Promise<IndexTask> => {
    const s = stamp();
    const task = { taskUid: 0, enqueuedAt: s.timestamp };
    const taskUid = await writer.appendTask(
      indexTaskEnqueued(s, taskType, uid, details, deps.replicationFactor),
    );
    let outcome: { deletedDocuments?: number } | MiroirError;
    try {
      outcome = await serialized(() => work(taskUid, s));
    } catch (err) {
      await writer.appendTask(
        taskFailed({ writeId: s.writeId, timestamp: Date.now() }, taskUid, uid, errorBody(err)),
      );
      return { ...task, taskUid };
    }
    // The outcome carries its own time, so the task shows how long it took.
    const done = { writeId: s.writeId, timestamp: Date.now() };
    if (outcome instanceof Error) await writer.appendTask(taskFailed(done, taskUid, uid, errorBody(outcome)));
    else await writer.appendTask(taskSucceeded(done, taskUid, uid, outcome));
    return { ...task, taskUid };
  };

  const notFound = (uid: string): MiroirError =>
    miroirError('index_not_found', `Index \`${uid}\` not found.`);

  return {
    find,
    // A document write creates the index if needed and succeeds whoever created it.
    ensure: (uid, primaryKey) =>
      serialized(async () => {
        // Deleted again right after its creation: the write comes after that deletion, so it creates anew.
        for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt += 1) {
          const index = find(uid) ?? (await createNow(uid, primaryKey, null, stamp())).index;
          if (index !== undefined) return index;
        }
        throw miroirError('index_creation_failed', `Index \`${uid}\` could not be created.`);
      }),
    setPrimaryKey: (index, primaryKey) =>
      serialized(async () => {
        const current = find(index.uid) ?? index;
        if (current.primaryKey !== null) return current;
        await appendControlAndWait(primaryKeySet(stamp(), index.uid, index.generation, primaryKey, null));
        return find(index.uid) ?? current;
      }),
    createTask: (uid, primaryKey) =>
      runTask('indexCreation', uid, { primaryKey }, async (taskUid, s) => {
        const alreadyExists = (): MiroirError =>
          miroirError('index_already_exists', `Index \`${uid}\` already exists.`);
        if (find(uid) !== undefined) return alreadyExists();
        // Another process's creation may come first in the control log: then this task fails as Meilisearch's would.
        if ((await createNow(uid, primaryKey, taskUid, s)).existed) return alreadyExists();
        return {};
      }),
    updateTask: (uid, primaryKey) =>
      runTask('indexUpdate', uid, { primaryKey }, async (taskUid, s) => {
        const index = find(uid);
        if (index === undefined) return notFound(uid);
        if (primaryKey === null || primaryKey === index.primaryKey) return {};
        if (index.primaryKey !== null && (await deps.documentRecords(index)) > 0) {
          return miroirError(
            'index_primary_key_already_exists',
            `Index already has a primary key: \`${index.primaryKey}\`.`,
          );
        }
        await appendControlAndWait(primaryKeySet(s, uid, index.generation, primaryKey, taskUid));
        return {};
      }),
    deleteTask: (uid) =>
      runTask('indexDeletion', uid, {}, async (taskUid, s) => {
        const index = find(uid);
        if (index === undefined) return notFound(uid);
        await appendControlAndWait(indexDeleted(s, uid, index.generation, taskUid));
        return {};
      }),
  };
}
