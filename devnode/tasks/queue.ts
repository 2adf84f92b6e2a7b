// The task queue: assigns uids, persists each task with its payload before the 202, and runs
// tasks one at a time in uid order on one worker loop (so per-index order is enqueue order).
// A task turns `succeeded` in the same SQLite commit as its effects.
import { errorBody } from '#core/errors.ts';
import type { DevnodeStore } from '#devnode/store.ts';
import type { DevnodeState } from '#devnode/state.ts';
import { formatDuration, nowRfc3339 } from '#devnode/tasks/clock.ts';
import { executeTask, type ExecutionContext } from '#devnode/tasks/execute.ts';
import type { EnqueuedTaskView, TaskPayload, TaskRecord, TaskType } from '#devnode/tasks/types.ts';

/** Counters Meilisearch sets to 0 when a task fails. */
const ZEROED_ON_FAILURE = [
  'indexedDocuments',
  'editedDocuments',
  'deletedDocuments',
  'canceledTasks',
  'deletedTasks',
];

export class TaskQueue {
  readonly tasks = new Map<number, TaskRecord>();
  private readonly pending: number[] = [];
  private nextUid = 0;
  private nextBatchUid = 0;
  private running: Promise<void> | null = null;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: DevnodeStore,
    private readonly state: DevnodeState,
  ) {
    for (const task of store.loadTasks()) {
      // A task caught mid-run by a crash committed nothing: it runs again from the start.
      if (task.status === 'processing') {
        task.status = 'enqueued';
        task.startedAt = null;
        task.batchUid = null;
        store.updateTask(task);
      }
      this.tasks.set(task.uid, task);
      if (task.status === 'enqueued') this.pending.push(task.uid);
      this.nextUid = Math.max(this.nextUid, task.uid + 1);
      if (task.batchUid !== null) this.nextBatchUid = Math.max(this.nextBatchUid, task.batchUid + 1);
    }
  }

  /** Persists the task, then schedules it. Returns the 202 body. */
  enqueue(
    type: TaskType,
    indexUid: string | null,
    details: Record<string, unknown>,
    payload: TaskPayload,
  ): EnqueuedTaskView {
    const task: TaskRecord = {
      uid: this.nextUid++,
      batchUid: null,
      indexUid,
      status: 'enqueued',
      type,
      canceledBy: null,
      details,
      error: null,
      duration: null,
      enqueuedAt: nowRfc3339(),
      startedAt: null,
      finishedAt: null,
    };
    this.store.insertTask(task, payload);
    this.tasks.set(task.uid, task);
    this.pending.push(task.uid);
    this.start();
    return { taskUid: task.uid, indexUid, status: 'enqueued', type, enqueuedAt: task.enqueuedAt };
  }

  /** Starts the worker loop if it is not running (also used once at start to resume tasks). */
  start(): void {
    if (this.running || this.closed || this.pending.length === 0) return;
    this.running = this.loop().finally(() => {
      this.running = null;
      if (this.pending.length > 0 && !this.closed) this.start();
      else for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  isIndexing(indexUid: string): boolean {
    return (
      this.pending.some((uid) => this.tasks.get(uid)?.indexUid === indexUid) ||
      [...this.tasks.values()].some((t) => t.status === 'processing' && t.indexUid === indexUid)
    );
  }

  /** Resolves once no task is queued or running. */
  async idle(): Promise<void> {
    if (!this.running && (this.pending.length === 0 || this.closed)) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops after the running task; queued tasks stay persisted and run on the next start. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  lastUpdate(): string | null {
    let last: string | null = null;
    for (const t of this.tasks.values())
      if (t.finishedAt && (last === null || t.finishedAt > last)) last = t.finishedAt;
    return last;
  }

  private async loop(): Promise<void> {
    // Yield first: `start()` runs from `enqueue()`, and the 202 must leave before the task runs.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (!this.closed) {
      const uid = this.pending.shift();
      if (uid === undefined) return;
      const task = this.tasks.get(uid);
      if (!task || task.status !== 'enqueued') continue;
      this.run(task);
      // Let HTTP requests (and `GET /tasks` polls) in between two tasks.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private run(task: TaskRecord): void {
    const payload = this.store.loadPayload(task.uid);
    const started = process.hrtime.bigint();
    task.status = 'processing';
    task.batchUid = this.nextBatchUid++;
    task.startedAt = nowRfc3339();
    this.store.updateTask(task);
    const ctx: ExecutionContext = {
      state: this.state,
      store: this.store,
      queue: this,
      touched: new Set(),
      task,
    };
    try {
      if (!payload) throw new Error(`the payload of task ${task.uid} is missing from the store`);
      this.store.transaction(() => {
        const details = executeTask(ctx, payload);
        this.finish(task, started, 'succeeded', details, null);
      });
    } catch (err) {
      // Effects already applied to in-memory engines are rolled back by rebuilding them from the store.
      for (const uid of ctx.touched) this.state.reload(uid);
      const details = { ...task.details };
      for (const key of ZEROED_ON_FAILURE) if (key in details) details[key] = 0;
      this.store.transaction(() => {
        // Meilisearch creates the missing index of a document write even when the write fails
        // (without a primary key: an inferred one is not kept).
        const uid = task.indexUid;
        if (payload?.kind === 'addDocuments' && uid !== null && !this.state.get(uid))
          this.state.save(this.state.create(uid, null, task.startedAt ?? nowRfc3339()));
        this.finish(task, started, 'failed', details, errorBody(err));
      });
    }
  }

  private finish(
    task: TaskRecord,
    started: bigint,
    status: 'succeeded' | 'failed',
    details: Record<string, unknown>,
    error: TaskRecord['error'],
  ): void {
    task.status = status;
    task.details = details;
    task.error = error;
    task.finishedAt = nowRfc3339();
    task.duration = formatDuration(Number(process.hrtime.bigint() - started));
    this.store.updateTask(task);
  }

  /** Cancels enqueued tasks (used by a taskCancelation task); returns how many were canceled. */
  cancel(uids: number[], by: number): number {
    let canceled = 0;
    const now = nowRfc3339();
    for (const uid of uids) {
      const task = this.tasks.get(uid);
      if (!task || task.status !== 'enqueued') continue;
      task.status = 'canceled';
      task.canceledBy = by;
      task.startedAt = null;
      task.finishedAt = now;
      this.store.updateTask(task);
      const at = this.pending.indexOf(uid);
      if (at >= 0) this.pending.splice(at, 1);
      canceled++;
    }
    return canceled;
  }

  /** Deletes finished tasks (used by a taskDeletion task); returns how many were deleted. */
  delete(uids: number[]): number {
    let deleted = 0;
    for (const uid of uids) {
      const task = this.tasks.get(uid);
      if (!task || task.status === 'enqueued' || task.status === 'processing') continue;
      this.store.deleteTask(uid);
      this.tasks.delete(uid);
      deleted++;
    }
    return deleted;
  }
}

/** The public task object, keys in Meilisearch's order. */
export function taskView(task: TaskRecord): Record<string, unknown> {
  return {
    uid: task.uid,
    batchUid: task.batchUid,
    indexUid: task.indexUid,
    status: task.status,
    type: task.type,
    canceledBy: task.canceledBy,
    details: task.details,
    error: task.error,
    duration: task.duration,
    enqueuedAt: task.enqueuedAt,
    startedAt: task.startedAt,
    finishedAt: task.finishedAt,
  };
}
