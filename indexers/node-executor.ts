// Runs planned node requests against one node: makes sure the node index exists (with its
// primary key and `_miroir_shard` filterable) before the first write, sends each request, waits
// for the node task, retries transient failures, and bisects a batch the node rejects down to
// the documents (or ids) at fault. One executor per node, shared by every partition it applies.
import {
  isNodeApiError,
  type EnqueuedTask,
  type NodeClient,
  type NodeErrorBody,
  type NodeTask,
} from '#adapters/node-client.ts';
import type { Logger } from '#adapters/logger.ts';
import { bisectRejected, type AttemptResult } from './bisect.ts';
import { nodeSettingsReady, preparedNodeSettings } from './node-settings.ts';
import {
  documentsPayload,
  type DocumentItem,
  type IdItem,
  type NodeOp,
  type PartitionRecord,
} from './plan-batch.ts';
import { DEFAULT_MAX_ANSWERED_ATTEMPTS, retryTransient, type RetryHooks, type RetryPolicy } from './retry.ts';

/** What applying one node request did, per record and per task. */
export interface OpOutcome {
  /** Records, documents or ids the node rejected, with its error. */
  readonly rejected: readonly {
    readonly record: PartitionRecord;
    readonly item: DocumentItem | IdItem | null;
    readonly error: NodeErrorBody;
  }[];
  /** Counters per task uid for this request (null: the node's count cannot be split per task). */
  readonly counts: ReadonlyMap<number, { indexedDocuments: number | null; deletedDocuments: number | null }>;
  /** Node requests sent, bisect included. */
  readonly requests: number;
}

export interface ExecutorTarget {
  /** The index on the node. */
  readonly nodeIndexUid: string;
  /** Primary key known from the topology (the first upsert's key is used when null). */
  readonly primaryKey: string | null;
}

export interface NodeExecutorOptions {
  readonly client: NodeClient;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  /** Longest wait for one node task before polling again (the request is never resent while it may still run). */
  readonly taskWaitMs?: number;
}

/** Node task errors that are the node's own trouble (disk, internal): retried, never dead-lettered. */
function isTransientTaskError(error: NodeErrorBody): boolean {
  return error.type === 'system' || error.type === 'internal';
}

class IndexMissingError extends Error {
  readonly retriable = true;
  constructor(uid: string) {
    super(`index \`${uid}\` is missing on the node; recreating it`);
  }
}

class TransientTaskError extends Error {
  readonly retriable = true;
  constructor(readonly error: NodeErrorBody) {
    super(error.message);
  }
}

export interface NodeExecutor {
  /** Applies one request; rejections come back in the outcome, transient failures are retried until `hooks.isRunning()` is false. */
  run(op: NodeOp, target: ExecutorTarget, hooks: RetryHooks): Promise<OpOutcome>;
  /**
   * Creates the node index with Miroir's node settings ahead of its first write (at index
   * creation), so that write does not wait for it. Idempotent; failures are retried by the write.
   */
  prepare(target: ExecutorTarget, hooks: RetryHooks): Promise<void>;
  /** Forgets what the executor knows of the node's indexes (e.g. after the node was wiped). */
  reset(): void;
  /** Highest settings version known to be on the node index (-1: none known). */
  appliedSettings(nodeIndexUid: string): number;
  /** Records that the node index already got settings `version` (pushed by another member of the node's group). */
  noteAppliedSettings(nodeIndexUid: string, version: number): void;
}

export function createNodeExecutor(opts: NodeExecutorOptions): NodeExecutor {
  const { client, logger } = opts;
  const taskWaitMs = opts.taskWaitMs ?? 60_000;
  /** Node indexes known to exist with `_miroir_shard` filterable. */
  const ensured = new Map<string, Promise<void>>();
  /** Highest settings version pushed per node index, and the push in flight. */
  const settingsApplied = new Map<string, number>();
  const settingsInFlight = new Map<string, { version: number; done: Promise<NodeTask> }>();

  /** Waits for a node task, polling again (not resending) while it is still running. */
  async function waitTask(taskUid: number, hooks: RetryHooks): Promise<NodeTask> {
    return retryTransient(opts.retry, hooks, () => client.waitForTask(taskUid, { timeoutMs: taskWaitMs }));
  }

  /**
   * Sends a request and waits for its task. A task that failed for the node's own reasons is
   * resent after a back-off; a missing index is recreated; a deterministic failure is returned.
   */
  async function submit(
    uid: string,
    primaryKey: string | null,
    send: () => Promise<EnqueuedTask>,
    hooks: RetryHooks,
  ): Promise<NodeTask> {
    const limit = opts.retry.maxAnsweredAttempts ?? DEFAULT_MAX_ANSWERED_ATTEMPTS;
    let answered = 0;
    const givenUp = (error: NodeErrorBody): NodeTask => {
      logger.error(
        { nodeIndex: uid, code: error.code, attempts: answered },
        'the node keeps refusing this request; failing its task with the node error',
      );
      return { uid: -1, indexUid: uid, status: 'failed', type: 'request', error };
    };
    return retryTransient(opts.retry, hooks, async () => {
      try {
        await ensureIndex(uid, primaryKey, hooks);
      } catch (err) {
        // The node refuses to create or prepare its index: its answer, retried a few times only.
        if (err instanceof TransientTaskError && (answered += 1) >= limit) return givenUp(err.error);
        throw err;
      }
      let enqueued: EnqueuedTask;
      try {
        enqueued = await send();
      } catch (err) {
        // The node answered 5xx: its trouble, retried, but not forever for the same request.
        if (isNodeApiError(err) && err.retriable && err.status !== 429 && (answered += 1) >= limit)
          return givenUp(err.body);
        // Rejected at request time (malformed payload, filter syntax, too large): as deterministic as a failed task.
        if (!isNodeApiError(err) || err.retriable) throw err;
        if (err.code === 'index_not_found') {
          ensured.delete(uid);
          throw new IndexMissingError(uid);
        }
        return { uid: -1, indexUid: uid, status: 'failed', type: 'request', error: err.body };
      }
      const task = await waitTask(enqueued.taskUid, hooks);
      if (task.status === 'succeeded') return task;
      if (task.status === 'canceled')
        throw new TransientTaskError({
          message: `Task ${task.uid} was canceled on the node.`,
          code: 'task_canceled',
          type: 'system',
          link: '',
        });
      const error = task.error ?? {
        message: `Task ${task.uid} failed without an error object.`,
        code: 'internal',
        type: 'internal',
        link: '',
      };
      if (error.code === 'index_not_found') {
        ensured.delete(uid);
        settingsApplied.delete(uid);
        throw new IndexMissingError(uid);
      }
      if (isTransientTaskError(error)) {
        if ((answered += 1) >= limit) return givenUp(error);
        throw new TransientTaskError(error);
      }
      return task;
    });
  }

  async function createAndPrepare(uid: string, primaryKey: string | null, hooks: RetryHooks): Promise<void> {
    let settings: Record<string, unknown>;
    try {
      settings = await client.getSettings(uid);
    } catch (err) {
      if (!isNodeApiError(err) || err.code !== 'index_not_found') throw err;
      const enqueued = await client.createIndex(uid, primaryKey);
      const task = await waitTask(enqueued.taskUid, hooks);
      // Another applier of this node may have created it first: that is fine.
      if (task.status === 'failed' && task.error?.code !== 'index_already_exists') {
        throw new TransientTaskError(
          task.error ?? { message: 'index creation failed', code: 'internal', type: 'internal', link: '' },
        );
      }
      logger.info({ nodeIndex: uid }, 'created node index');
      settings = await client.getSettings(uid);
    }
    if (nodeSettingsReady(settings)) return;
    const enqueued = await client.updateSettings(uid, preparedNodeSettings(settings));
    const task = await waitTask(enqueued.taskUid, hooks);
    if (task.status !== 'succeeded') {
      throw new TransientTaskError(
        task.error ?? {
          message: 'preparing node settings failed',
          code: 'internal',
          type: 'internal',
          link: '',
        },
      );
    }
  }

  async function ensureIndex(uid: string, primaryKey: string | null, hooks: RetryHooks): Promise<void> {
    let pending = ensured.get(uid);
    if (pending === undefined) {
      pending = createAndPrepare(uid, primaryKey, hooks);
      ensured.set(uid, pending);
      // A failed attempt must not stick: the next call tries again.
      pending.catch(() => ensured.delete(uid));
    }
    await pending;
  }

  const failedError = (task: NodeTask): NodeErrorBody =>
    task.error ?? { message: `Task ${task.uid} failed.`, code: 'internal', type: 'internal', link: '' };

  const perTask = (
    records: readonly PartitionRecord[],
    value: (taskUid: number) => { indexedDocuments: number | null; deletedDocuments: number | null },
  ) => {
    const counts = new Map<number, { indexedDocuments: number | null; deletedDocuments: number | null }>();
    for (const record of records)
      if (!counts.has(record.event.taskUid)) counts.set(record.event.taskUid, value(record.event.taskUid));
    return counts;
  };

  const deletedOf = (task: NodeTask): number | null => {
    const value = task.details?.deletedDocuments;
    return typeof value === 'number' ? value : null;
  };

  async function runDocuments(
    op: Extract<NodeOp, { kind: 'upsert' | 'update' }>,
    target: ExecutorTarget,
    hooks: RetryHooks,
  ): Promise<OpOutcome> {
    const primaryKey = target.primaryKey ?? op.primaryKey;
    let requests = 0;
    const attempt = async (items: readonly DocumentItem[]): Promise<AttemptResult<NodeErrorBody>> => {
      requests += 1;
      const payload = documentsPayload(items);
      const send = () =>
        op.kind === 'upsert'
          ? client.addDocuments(target.nodeIndexUid, payload, { primaryKey: op.primaryKey })
          : client.updateDocuments(target.nodeIndexUid, payload, { primaryKey: op.primaryKey });
      const task = await submit(target.nodeIndexUid, primaryKey, send, hooks);
      return task.status === 'succeeded' ? { ok: true } : { ok: false, error: failedError(task) };
    };
    const first = await attempt(op.items);
    const rejected = first.ok ? [] : (await bisectRejected(op.items, first.error, attempt)).rejected;
    const rejectedPerTask = new Map<number, number>();
    for (const { item } of rejected)
      rejectedPerTask.set(
        item.record.event.taskUid,
        (rejectedPerTask.get(item.record.event.taskUid) ?? 0) + 1,
      );
    const sent = new Map<number, number>();
    for (const item of op.items)
      sent.set(item.record.event.taskUid, (sent.get(item.record.event.taskUid) ?? 0) + 1);
    return {
      rejected: rejected.map(({ item, error }) => ({ record: item.record, item, error })),
      counts: perTask(op.records, (uid) => ({
        indexedDocuments: (sent.get(uid) ?? 0) - (rejectedPerTask.get(uid) ?? 0),
        deletedDocuments: null,
      })),
      requests,
    };
  }

  async function runDeleteIds(
    op: Extract<NodeOp, { kind: 'deleteIds' }>,
    target: ExecutorTarget,
    hooks: RetryHooks,
  ): Promise<OpOutcome> {
    let requests = 0;
    let lastTask: NodeTask | undefined;
    const attempt = async (items: readonly IdItem[]): Promise<AttemptResult<NodeErrorBody>> => {
      requests += 1;
      const task = await submit(
        target.nodeIndexUid,
        target.primaryKey,
        () =>
          client.deleteDocuments(
            target.nodeIndexUid,
            items.map((i) => i.id),
          ),
        hooks,
      );
      lastTask = task;
      return task.status === 'succeeded' ? { ok: true } : { ok: false, error: failedError(task) };
    };
    const first = await attempt(op.items);
    const rejected = first.ok ? [] : (await bisectRejected(op.items, first.error, attempt)).rejected;
    const tasks = new Set(op.records.map((r) => r.event.taskUid));
    // The node counts deletions per request: exact for a task only when the request held that task alone.
    const deleted = first.ok && tasks.size === 1 && lastTask !== undefined ? deletedOf(lastTask) : null;
    return {
      rejected: rejected.map(({ item, error }) => ({ record: item.record, item, error })),
      counts: perTask(op.records, () => ({ indexedDocuments: null, deletedDocuments: deleted })),
      requests,
    };
  }

  async function runSingle(
    op: Extract<NodeOp, { kind: 'deleteByFilter' | 'settings' }>,
    target: ExecutorTarget,
    hooks: RetryHooks,
  ): Promise<OpOutcome> {
    const record = op.records[0] as PartitionRecord;
    let task: NodeTask;
    if (op.kind === 'settings') {
      const applied = settingsApplied.get(target.nodeIndexUid) ?? -1;
      // The barrier sits in every partition: the node gets each settings version once, and never an older one after a newer.
      if (op.settingsVersion <= applied)
        return {
          rejected: [],
          counts: perTask(op.records, () => ({ indexedDocuments: null, deletedDocuments: null })),
          requests: 0,
        };
      const inFlight = settingsInFlight.get(target.nodeIndexUid);
      if (inFlight !== undefined && inFlight.version === op.settingsVersion) {
        task = await inFlight.done;
      } else {
        const done = submit(
          target.nodeIndexUid,
          target.primaryKey,
          () => client.updateSettings(target.nodeIndexUid, op.settings),
          hooks,
        );
        settingsInFlight.set(target.nodeIndexUid, { version: op.settingsVersion, done });
        try {
          task = await done;
        } finally {
          if (settingsInFlight.get(target.nodeIndexUid)?.done === done)
            settingsInFlight.delete(target.nodeIndexUid);
        }
        settingsApplied.set(
          target.nodeIndexUid,
          Math.max(op.settingsVersion, settingsApplied.get(target.nodeIndexUid) ?? -1),
        );
      }
    } else {
      task = await submit(
        target.nodeIndexUid,
        target.primaryKey,
        () => client.deleteDocumentsByFilter(target.nodeIndexUid, op.filter),
        hooks,
      );
    }
    if (task.status !== 'succeeded') {
      return { rejected: [{ record, item: null, error: failedError(task) }], counts: new Map(), requests: 1 };
    }
    const deleted = op.kind === 'deleteByFilter' ? deletedOf(task) : null;
    return {
      rejected: [],
      counts: perTask(op.records, () => ({ indexedDocuments: null, deletedDocuments: deleted })),
      requests: 1,
    };
  }

  return {
    run(op, target, hooks) {
      switch (op.kind) {
        case 'upsert':
        case 'update':
          return runDocuments(op, target, hooks);
        case 'deleteIds':
          return runDeleteIds(op, target, hooks);
        case 'deleteByFilter':
        case 'settings':
          return runSingle(op, target, hooks);
      }
    },
    prepare: (target, hooks) =>
      retryTransient(opts.retry, hooks, () => ensureIndex(target.nodeIndexUid, target.primaryKey, hooks)),
    reset() {
      ensured.clear();
      settingsApplied.clear();
    },
    appliedSettings: (nodeIndexUid) => settingsApplied.get(nodeIndexUid) ?? -1,
    noteAppliedSettings(nodeIndexUid, version) {
      if (version > (settingsApplied.get(nodeIndexUid) ?? -1)) settingsApplied.set(nodeIndexUid, version);
    },
  };
}
