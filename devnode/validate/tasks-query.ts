// `GET /tasks` (and cancel/delete) filters: Meilisearch's parameter names, codes and messages,
// turned into one predicate over task records.
import { miroirError, type ErrorCode } from '#core/errors.ts';
import { TASK_STATUSES, TASK_TYPES, type TaskRecord } from '#devnode/tasks/types.ts';
import { QueryFields, type QueryParams } from '#core/meili/deserr.ts';
import { isValidIndexUid, indexUidMessage } from '#core/meili/index-uid.ts';
import { FILTER_PARAMETERS, MISSING_FILTER_NAMES } from '#core/tasks/task-query.ts';

// The filters and their order are Meilisearch's, shared with Miroir's own task log.
const LIST_PARAMS = ['limit', 'from', 'reverse', ...FILTER_PARAMETERS] as const;

const DATE_FIELDS = {
  afterEnqueuedAt: ['enqueuedAt', 'after'],
  beforeEnqueuedAt: ['enqueuedAt', 'before'],
  afterStartedAt: ['startedAt', 'after'],
  beforeStartedAt: ['startedAt', 'before'],
  afterFinishedAt: ['finishedAt', 'after'],
  beforeFinishedAt: ['finishedAt', 'before'],
} as const;

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const quoted = (names: readonly string[]): string => names.map((n) => `\`${n}\``).join(', ');

export interface TaskListQuery {
  limit: number;
  from: number | null;
  reverse: boolean;
  matches: (task: TaskRecord) => boolean;
  /** Whether any filter parameter was given (cancel and delete require one). */
  filtered: boolean;
}

function list(q: QueryFields, key: string, code: ErrorCode): string[] | null {
  const values = q.list(key, code);
  if (values === undefined || values.includes('*')) return null;
  return values;
}

function numbers(q: QueryFields, key: string, code: ErrorCode): Set<number> | null {
  const values = list(q, key, code);
  if (values === null) return null;
  return new Set(
    values.map((v) => {
      if (!/^\d+$/.test(v) || Number(v) > 4294967295)
        throw miroirError(
          code,
          `Invalid value in parameter \`${key}\`: could not parse \`${v}\` as a positive integer`,
        );
      return Number(v);
    }),
  );
}

/** `YYYY-MM-DD` (day bounds as Meilisearch reads them) or an RFC 3339 instant, in ms since epoch. */
function dateBound(value: string, key: string, direction: 'after' | 'before'): number {
  const code = `invalid_task_${snake(key)}` as ErrorCode;
  const fail = () =>
    miroirError(
      code,
      `Invalid value in parameter \`${key}\`: \`${value}\` is an invalid date-time. It should follow the YYYY-MM-DD or RFC 3339 date-time format.`,
    );
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const day = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(day)) throw fail();
    // A date-only `after` bound means after the whole day.
    return direction === 'after' ? day + 86_400_000 - 1 : day;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value)) throw fail();
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw fail();
  return t;
}

export function parseTaskQuery(params: QueryParams, mode: 'list' | 'cancel' | 'delete'): TaskListQuery {
  const q = new QueryFields(params, mode === 'list' ? LIST_PARAMS : FILTER_PARAMETERS);
  const limit = q.usize('limit', 'invalid_task_limit') ?? 20;
  const from = q.usize('from', 'invalid_task_from') ?? null;
  const reverse = q.bool('reverse', 'invalid_task_reverse') ?? false;
  const uids = numbers(q, 'uids', 'invalid_task_uids');
  const batchUids = numbers(q, 'batchUids', 'invalid_batch_uids');
  const canceledBy = numbers(q, 'canceledBy', 'invalid_task_canceled_by');
  const types = list(q, 'types', 'invalid_task_types')?.map((t) => {
    const found = TASK_TYPES.find((k) => k.toLowerCase() === t.toLowerCase());
    if (!found)
      throw miroirError(
        'invalid_task_types',
        `Invalid value in parameter \`types\`: \`${t}\` is not a valid task type. Available types are ${quoted(TASK_TYPES)}.`,
      );
    return found;
  });
  const statuses = list(q, 'statuses', 'invalid_task_statuses')?.map((s) => {
    const found = TASK_STATUSES.find((k) => k.toLowerCase() === s.toLowerCase());
    if (!found)
      throw miroirError(
        'invalid_task_statuses',
        `Invalid value in parameter \`statuses\`: \`${s}\` is not a valid task status. Available statuses are ${quoted(TASK_STATUSES)}.`,
      );
    return found;
  });
  const indexUids = list(q, 'indexUids', 'invalid_index_uid')?.map((uid) => {
    if (!isValidIndexUid(uid))
      throw miroirError(
        'invalid_index_uid',
        `Invalid value in parameter \`indexUids\`: ${indexUidMessage(uid)}`,
      );
    return uid;
  });
  const dates: {
    field: 'enqueuedAt' | 'startedAt' | 'finishedAt';
    direction: 'after' | 'before';
    bound: number;
  }[] = [];
  for (const [key, [field, direction]] of Object.entries(DATE_FIELDS)) {
    const value = q.string(key, `invalid_task_${snake(key)}` as ErrorCode);
    if (value !== undefined) dates.push({ field, direction, bound: dateBound(value, key, direction) });
  }
  const filtered = FILTER_PARAMETERS.some((k) => params[k] !== undefined);
  if (mode !== 'list' && !filtered) {
    const verb = mode === 'cancel' ? 'cancel' : 'delete';
    throw miroirError(
      'missing_task_filters',
      `Query parameters to filter the tasks to ${verb} are missing. Available query parameters are: ${quoted(MISSING_FILTER_NAMES)}.`,
    );
  }
  const matches = (t: TaskRecord): boolean => {
    if (uids && !uids.has(t.uid)) return false;
    if (batchUids && (t.batchUid === null || !batchUids.has(t.batchUid))) return false;
    if (canceledBy && (t.canceledBy === null || !canceledBy.has(t.canceledBy))) return false;
    if (types && !types.includes(t.type)) return false;
    if (statuses && !statuses.includes(t.status)) return false;
    if (indexUids && (t.indexUid === null || !indexUids.includes(t.indexUid))) return false;
    for (const d of dates) {
      const at = t[d.field];
      if (at === null) return false;
      const time = Date.parse(at);
      if (d.direction === 'after' ? !(time > d.bound) : !(time < d.bound)) return false;
    }
    return true;
  };
  return { limit, from, reverse, matches, filtered };
}
