// Index lifecycle as ingest runs it: create (topics first, then `IndexCreated`), primary key set,
// update and delete, each waiting until this process's topology projection has folded its own
// control record, so the next request already sees the change. Index-level operations of one
// process run one at a time; across processes the control log's order decides which creation
// of an index wins, and each process reads the outcome of its own record from the projection.
import { randomUUID } from 'node:crypto';
import { errorBody, isMiroirError, miroirError, type MiroirError } from '#core/errors.ts';
import type { IndexSwap } from '#core/events/control-events.ts';
import {
  indexCreated,
  indexDeleted,
  indexesSwapped,
  indexTaskEnqueued,
  primaryKeySet,
  taskEnqueued,
  taskFailed,
  taskSucceeded,
  type EventStamp,
} from '#core/ingest/index-events.ts';
import { docsTopicSpec, type TopicPolicy, type TopicSpec } from '#core/log/topic-configs.ts';
import type { TopicNames } from '#core/log/topics.ts';
import { creationOutcome, nextGeneration, swapProblem, type IndexRecord } from '#core/topology-projection.ts';
import type { TaskRunner } from '#adapters/read-models/task-runner.ts';
import type { TopologyRunner } from '#adapters/read-models/topology-runner.ts';
import { openTasksBefore } from '#core/tasks/pending.ts';
import type { LogWriter } from './log-writer.ts';
import type { SpareTopics } from './spare-topics.ts';

export interface IndexLifecycleDeps {
  readonly writer: LogWriter;
  readonly topology: TopologyRunner;
  readonly topics: TopicNames;
  readonly policy: TopicPolicy;
  readonly ensureTopic: (spec: TopicSpec) => Promise<boolean>;
  /** Document topics created ahead; a new index takes one when there is one. */
  readonly spares?: Pick<SpareTopics, 'take'>;
  /** Shards of new indexes. */
  readonly shards: number;
  readonly replicationFactor: number;
  /** Total document-partition records of an index generation (to know whether it ever held documents). */
  readonly documentRecords: (index: IndexRecord) => Promise<number>;
  /** This process's task projection: a deletion waits for the index's earlier tasks. */
  readonly tasks?: Pick<TaskRunner, 'state' | 'onChange'>;
  /** Longest wait of a deletion for the index's earlier tasks (default 30 s). */
  readonly deletionDrainMs?: number;
  /** A background task whose outcome could not be appended (the log is down). */
  readonly onBackgroundError?: (err: unknown, taskUid: number) => void;
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
  /** `PATCH /indexes/{uid}`; `newUid` renames the index. */
  updateTask(uid: string, primaryKey: string | null, newUid?: string): Promise<IndexTask>;
  /** `POST /swap-indexes`: one `IndexesSwapped` control record, so every process switches at once. */
  swapTask(swaps: readonly IndexSwap[]): Promise<IndexTask>;
  /** `DELETE /indexes/{uid}`: answered once enqueued; the deletion itself runs after the index's earlier tasks. */
  deleteTask(uid: string): Promise<IndexTask>;
  /**
   * Resolves when this process's pending deletion of `uid` is done; undefined when none is
   * pending. A write enqueued after a deletion waits for it, so it lands in the next generation.
   */
  deletionOf(uid: string): Promise<void> | undefined;
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
  /** Deletions this process answered and still runs, by index uid. */
  const pendingDeletions = new Map<string, Promise<void>>();

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
      // The docs topic exists before the event that makes indexers and ingest look for it: a spare
      // (another process may take the same one first: then this record is ignored and retried), or
      // one created now; the last attempt takes no spare. The inbox topic is not on this path: the
      // inbox router creates it when it sees the index.
      const spare = attempt < MAX_CREATE_ATTEMPTS - 1 ? ((await deps.spares?.take()) ?? null) : null;
      if (spare === null)
        await deps.ensureTopic(docsTopicSpec(deps.topics, uid, generation, deps.shards, deps.policy));
      const stampOf = attempt === 0 ? s : { writeId: randomUUID(), timestamp: Date.now() };
      const offset = await writer.appendControl(
        indexCreated(stampOf, uid, generation, deps.shards, primaryKey, taskUid, spare),
      );
      await topology.waitForOffset(offset);
      const outcome = creationOutcome(topology.state(), uid, offset);
      if (outcome === 'ignored') continue;
      // The index may be gone again already (a later deletion): the outcome of this record stands.
      return { index: find(uid), existed: outcome === 'exists' };
    }
    throw miroirError('index_creation_failed', `Index \`${uid}\` could not be created.`);
  };

  /** Decides an enqueued index task and appends its outcome. */
  const settle = async (
    uid: string | null,
    taskUid: number,
    s: EventStamp,
    work: (taskUid: number, s: EventStamp) => Promise<{ deletedDocuments?: number } | MiroirError>,
  ): Promise<void> => {
    let outcome: { deletedDocuments?: number } | MiroirError;
    try {
      outcome = await serialized(() => work(taskUid, s));
    } catch (err) {
      outcome = isMiroirError(err)
        ? err
        : miroirError('internal', err instanceof Error ? err.message : String(err));
    }
    // The outcome carries its own time, so the task shows how long it took.
    const done = { writeId: s.writeId, timestamp: Date.now() };
    if (outcome instanceof Error) await writer.appendTask(taskFailed(done, taskUid, uid, errorBody(outcome)));
    else await writer.appendTask(taskSucceeded(done, taskUid, uid, outcome));
  };

  /**
   * Runs an index task: enqueue, decide, then succeed or fail it in the log. A task that may wait
   * (a deletion waits for the index's earlier tasks) is answered once enqueued, as Meilisearch
   * answers 202 at once; the ones after it in this process still run after it.
   */
  const runTask = async (
    taskType: 'indexCreation' | 'indexUpdate' | 'indexDeletion',
    uid: string,
    details: { primaryKey?: string | null },
    work: (taskUid: number, s: EventStamp) => Promise<{ deletedDocuments?: number } | MiroirError>,
    opts: { background?: boolean } = {},
  ): Promise<IndexTask> => {
    const s = stamp();
    const taskUid = await writer.appendTask(
      indexTaskEnqueued(s, taskType, uid, details, deps.replicationFactor),
    );
    const settled = settle(uid, taskUid, s, work);
    if (opts.background === true) {
      const tracked = settled.catch((err: unknown) => deps.onBackgroundError?.(err, taskUid));
      pendingDeletions.set(uid, tracked);
      void tracked.finally(() => {
        if (pendingDeletions.get(uid) === tracked) pendingDeletions.delete(uid);
      });
    } else {
      await settled;
    }
    return { taskUid, enqueuedAt: s.timestamp };
  };

  /**
   * Waits (bounded) until the index's tasks enqueued before `taskUid` are final, as Meilisearch
   * runs them before the deletion; returns the ones still open when the wait ends.
   */
  const drainEarlierTasks = async (uid: string, taskUid: number): Promise<number[]> => {
    const tasks = deps.tasks;
    if (tasks === undefined) return [];
    const open = (): number[] => openTasksBefore(tasks.state(), uid, taskUid);
    if (open().length === 0) return [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, deps.deletionDrainMs ?? 30_000);
      const unsubscribe = tasks.onChange(() => {
        if (open().length === 0) done();
      });
      function done(): void {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      }
    });
    return open();
  };

  const notFound = (uid: string): MiroirError =>
    miroirError('index_not_found', `Index \`${uid}\` not found.`);

  /** The primary key part of an index update (only while the index never held documents). */
  const updatePrimaryKey = async (
    index: IndexRecord,
    primaryKey: string | null,
    taskUid: number,
    s: EventStamp,
  ): Promise<{ deletedDocuments?: number } | MiroirError> => {
    if (primaryKey === null || primaryKey === index.primaryKey) return {};
    if (index.primaryKey !== null && (await deps.documentRecords(index)) > 0) {
      return miroirError(
        'index_primary_key_already_exists',
        `Index already has a primary key: \`${index.primaryKey}\`.`,
      );
    }
    await appendControlAndWait(primaryKeySet(s, index.uid, index.generation, primaryKey, taskUid));
    return {};
  };

  /** Appends the swaps once this process's view allows them; the projection checks them again. */
  const swapNow = async (
    swaps: readonly IndexSwap[],
    taskUid: number,
    s: EventStamp,
  ): Promise<{ deletedDocuments?: number } | MiroirError> => {
    const problem = swapProblem(topology.state(), swaps);
    if (problem !== null) return miroirError(problem.code, problem.message);
    await appendControlAndWait(indexesSwapped(s, swaps, taskUid));
    return {};
  };

  return {
    find,
    deletionOf: (uid) => pendingDeletions.get(uid),
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
    updateTask: (uid, primaryKey, newUid) =>
      runTask(
        'indexUpdate',
        uid,
        { primaryKey, ...(newUid !== undefined ? { oldIndexUid: uid, newIndexUid: newUid } : {}) },
        async (taskUid, s) => {
          const index = find(uid);
          if (index === undefined) return notFound(uid);
          if (newUid !== undefined && newUid !== uid && find(newUid) !== undefined)
            return miroirError('index_already_exists', `Index \`${newUid}\` already exists.`);
          const keyDone = await updatePrimaryKey(index, primaryKey, taskUid, s);
          if (keyDone instanceof Error || newUid === undefined || newUid === uid) return keyDone;
          return swapNow([{ indexes: [uid, newUid], rename: true }], taskUid, s);
        },
      ),
    swapTask: async (swaps) => {
      const s = stamp();
      const taskUid = await writer.appendTask(
        taskEnqueued(s, 'indexSwap', null, { swaps: JSON.stringify(swaps) }, deps.replicationFactor),
      );
      await settle(null, taskUid, s, (uid, st) => swapNow(swaps, uid, st));
      return { taskUid, enqueuedAt: s.timestamp };
    },
    deleteTask: (uid) =>
      runTask(
        'indexDeletion',
        uid,
        {},
        async (taskUid, s) => {
          if (find(uid) === undefined) return notFound(uid);
          const stillOpen = await drainEarlierTasks(uid, taskUid);
          const index = find(uid);
          if (index === undefined) return notFound(uid);
          await appendControlAndWait(indexDeleted(s, uid, index.generation, taskUid));
          // Tasks the replicas could not finish in time (a node down): their index is gone now.
          for (const open of stillOpen) {
            const error = miroirError(
              'index_not_found',
              `Index \`${uid}\` was deleted (task ${taskUid}) before this task was applied on every shard.`,
            );
            await writer.appendTask(
              taskFailed({ writeId: randomUUID(), timestamp: Date.now() }, open, uid, errorBody(error)),
            );
          }
          return {};
        },
        { background: true },
      ),
  };
}
