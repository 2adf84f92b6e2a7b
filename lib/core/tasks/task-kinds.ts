// Meilisearch's task types and statuses, in Meilisearch's own order (its error messages list them
// in this order), and the task object Miroir answers with (`GET /tasks/{uid}`).
import type { EventError } from '../events/envelope.ts';

/** Every `type` of Meilisearch v1.x tasks (crates/meilisearch-types/src/tasks/mod.rs `Kind`). */
export const TASK_TYPES = [
  'documentAdditionOrUpdate',
  'documentEdition',
  'documentDeletion',
  'settingsUpdate',
  'indexCreation',
  'indexDeletion',
  'indexUpdate',
  'indexSwap',
  'taskCancelation',
  'taskDeletion',
  'dumpCreation',
  'snapshotCreation',
  'export',
  'upgradeDatabase',
  'indexCompaction',
  'networkTopologyChange',
  'dsrUpdate',
  'dsrClear',
] as const;

export type TaskType = (typeof TASK_TYPES)[number];

export const TASK_STATUSES = ['enqueued', 'processing', 'succeeded', 'failed', 'canceled'] as const;

export type TaskStatus = (typeof TASK_STATUSES)[number];

export function isTaskType(value: string): value is TaskType {
  return (TASK_TYPES as readonly string[]).includes(value);
}

/** A Meilisearch task object; keys are created in Meilisearch's order so JSON output matches. */
export interface TaskView {
  uid: number;
  batchUid: number | null;
  indexUid: string | null;
  status: TaskStatus;
  type: string;
  canceledBy: number | null;
  /** Left out entirely for task types without details (`snapshotCreation`). */
  details?: Record<string, unknown>;
  error: EventError | null;
  duration: string | null;
  enqueuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Left out when the write did not set it. */
  customMetadata?: string;
}

/** The 202 answer of every asynchronous route (`EnqueuedTask` / `SummarizedTaskView`). */
export interface EnqueuedTaskView {
  taskUid: number;
  indexUid: string | null;
  status: 'enqueued';
  type: string;
  enqueuedAt: string;
  customMetadata?: string;
}
