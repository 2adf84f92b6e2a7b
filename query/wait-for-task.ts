// Read-your-writes (`X-Miroir-Wait-For-Task: <uid>`): before a search fans out, wait (bounded) until
// the task has been applied, for every shard it touched, on at least one readable replica; the
// covering set then reads only replicas that applied it. A failed task or a task of another index
// has nothing to wait for. At the bound the search runs anyway and the response says so.
import { miroirError } from '#core/errors.ts';
import type { PlacementTable } from '#core/routing/index.ts';
import type { TaskState } from '#core/tasks/task-projection.ts';

export const WAIT_FOR_TASK_HEADER = 'x-miroir-wait-for-task';

/** Where task states come from: the task projection (memory or its Redis mirror). */
export type TaskLookup = (uid: number) => Promise<TaskState | undefined>;

/** The header's task uid; Meilisearch's `invalid_header_value` when it is not one. */
export function parseWaitForTask(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\d{1,15}$/.test(text.trim())) {
    throw miroirError(
      'invalid_header_value',
      `Invalid value in header \`X-Miroir-Wait-For-Task\`: expected a task uid (a non-negative integer), but found \`${String(text)}\`.`,
    );
  }
  return Number(text.trim());
}

/** `(node, shard)` pairs where the task is applied, or `all` when nothing restricts the read. */
export type AppliedReplicas = 'all' | ((node: string, shard: number) => boolean);

/**
 * The replicas a read may use for this task's writes to be visible, or undefined while some shard
 * the read needs has no readable replica that applied them.
 */
export function appliedReplicas(
  task: TaskState | undefined,
  uid: string,
  table: PlacementTable,
  groups: readonly string[],
  shards: readonly number[],
): AppliedReplicas | undefined {
  if (task === undefined) return undefined;
  if (task.status === 'failed') return 'all';
  if (task.enqueued === null) return task.status === 'succeeded' ? 'all' : undefined;
  if (task.enqueued.indexUid !== uid) return 'all';
  const touched = new Set(task.enqueued.shards.map((entry) => entry.shard));
  const applied = new Set(task.applies.map((mark) => `${mark.shard}\u0000${mark.nodeId}`));
  const readable = new Set(groups);
  for (const shard of shards) {
    if (!touched.has(shard)) continue;
    const ok = table.groups.some(
      (placement) =>
        readable.has(placement.group) &&
        (placement.readable[shard] ?? []).some((node) => applied.has(`${shard}\u0000${node}`)),
    );
    if (!ok) return undefined;
  }
  return (node, shard) => !touched.has(shard) || applied.has(`${shard}\u0000${node}`);
}

export interface WaitOptions {
  readonly lookup: TaskLookup;
  readonly timeoutMs: number;
  /** First poll interval; doubles up to 50 ms. Default 5 ms. */
  readonly intervalMs?: number;
}

export interface WaitOutcome {
  /** Replicas the read may use; `all` when it timed out (the read goes ahead unrestricted). */
  readonly eligible: AppliedReplicas;
  readonly timedOut: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitForTask(
  taskUid: number,
  uid: string,
  table: PlacementTable,
  groups: readonly string[],
  shards: readonly number[],
  opts: WaitOptions,
): Promise<WaitOutcome> {
  const deadline = performance.now() + opts.timeoutMs;
  let interval = opts.intervalMs ?? 5;
  for (;;) {
    const eligible = appliedReplicas(await opts.lookup(taskUid), uid, table, groups, shards);
    if (eligible !== undefined) return { eligible, timedOut: false };
    const left = deadline - performance.now();
    if (left <= 0) return { eligible: 'all', timedOut: true };
    await sleep(Math.min(interval, left));
    interval = Math.min(interval * 2, 50);
  }
}
