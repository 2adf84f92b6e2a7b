// The task model devnode shares with Meilisearch: one record per asynchronous write, its type
// names and statuses, and the payload each type needs to run (kept apart from the public view).
import type { ErrorBody } from '#core/errors.ts';
import type { Document } from '#devnode/engine/types.ts';
import type { SettingsPatch } from '#core/meili/settings.ts';
import type { FilterInput } from '#core/filter/ast.ts';

// Meilisearch's task types and statuses: one list, shared with Miroir's task projection.
export { TASK_TYPES, TASK_STATUSES, type TaskType, type TaskStatus } from '#core/tasks/task-kinds.ts';
import type { TaskType, TaskStatus } from '#core/tasks/task-kinds.ts';

export interface TaskRecord {
  uid: number;
  batchUid: number | null;
  indexUid: string | null;
  status: TaskStatus;
  type: TaskType;
  canceledBy: number | null;
  details: Record<string, unknown>;
  error: ErrorBody | null;
  duration: string | null;
  enqueuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export type TaskPayload =
  | {
      kind: 'addDocuments';
      mode: 'replace' | 'update';
      primaryKey: string | null;
      documents: Document[];
      /** `skipCreation`: documents whose id the index does not hold yet are left out. */
      skipCreation?: boolean;
    }
  | { kind: 'deleteDocuments'; ids: string[] }
  | { kind: 'deleteByFilter'; filter: FilterInput }
  | { kind: 'clearDocuments' }
  | { kind: 'settings'; patch: SettingsPatch }
  | { kind: 'createIndex'; primaryKey: string | null }
  | { kind: 'updateIndex'; primaryKey: string | null; newUid: string | null }
  | { kind: 'deleteIndex' }
  | { kind: 'swapIndexes'; swaps: { indexes: [string, string]; rename: boolean }[] }
  | { kind: 'cancelTasks'; uids: number[] }
  | { kind: 'deleteTasks'; uids: number[] };

/** The 202 answer of every asynchronous route (Meilisearch's SummarizedTaskView). */
export interface EnqueuedTaskView {
  taskUid: number;
  indexUid: string | null;
  status: 'enqueued';
  type: TaskType;
  enqueuedAt: string;
}
