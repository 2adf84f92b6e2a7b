// Index lifecycle as ingest runs it: create (topics first, then `IndexCreated`), primary key set,
// update and delete, each waiting until this process's topology projection has folded its own
// control record, so the next request already sees the change. Index-level operations of one
// process run one at a time, so two concurrent creates of one index cannot both win.
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
import { nextGeneration, type IndexRecord } from '#core/topology-projection.ts';
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

  const createNow = async (
    uid: string,
    primaryKey: string | null,
    taskUid: number | null,
    s: EventStamp,
  ): Promise<IndexRecord> => {
    const generation = nextGeneration(topology.state(), uid);
    // Topics exist before the event that makes indexers and producers look for them.
    await deps.ensureTopic(docsTopicSpec(deps.topics, uid, generation, deps.shards, deps.policy));
    await deps.ensureTopic(inboxTopicSpec(deps.topics, uid, deps.shards, deps.policy));
    await appendControlAndWait(indexCreated(s, uid, generation, deps.shards, primaryKey, taskUid));
    const created = find(uid);
    if (created === undefined)
      throw miroirError('index_creation_failed', `Index \`${uid}\` could not be created.`);
    return created;
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
    ensure: (uid, primaryKey) =>
      serialized(async () => find(uid) ?? createNow(uid, primaryKey, null, stamp())),
    setPrimaryKey: (index, primaryKey) =>
      serialized(async () => {
        const current = find(index.uid) ?? index;
        if (current.primaryKey !== null) return current;
        await appendControlAndWait(primaryKeySet(stamp(), index.uid, index.generation, primaryKey, null));
        return find(index.uid) ?? current;
      }),
    createTask: (uid, primaryKey) =>
      runTask('indexCreation', uid, { primaryKey }, async (taskUid, s) => {
        if (find(uid) !== undefined)
          return miroirError('index_already_exists', `Index \`${uid}\` already exists.`);
        await createNow(uid, primaryKey, taskUid, s);
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
