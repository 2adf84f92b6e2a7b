// `GET /tasks` and `GET /tasks/{uid}` over the task projection, with Meilisearch's filters,
// pagination (`from`/`limit`/`reverse`, response `results/total/limit/from/next`) and its exact
// validation errors (crates/meilisearch/src/routes/tasks.rs and its deserr query-parameter rules).
import { miroirError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import { TASK_STATUSES, TASK_TYPES, type TaskStatus, type TaskType, type TaskView } from './task-kinds.ts';
import type { TaskState, TaskTable } from './task-projection.ts';
import { isDeletedTask, renderTask } from './task-view.ts';

/** Meilisearch's default page size for task lists. */
export const DEFAULT_TASK_LIMIT = 20;

export interface TasksQuery {
  readonly limit: number;
  readonly from: number | null;
  readonly reverse: boolean;
  /** null means "any" (parameter absent or `*`). */
  readonly uids: readonly number[] | null;
  readonly batchUids: readonly number[] | null;
  readonly canceledBy: readonly number[] | null;
  readonly types: readonly TaskType[] | null;
  readonly statuses: readonly TaskStatus[] | null;
  readonly indexUids: readonly string[] | null;
  /** Exclusive bounds in ms since the epoch. */
  readonly afterEnqueuedAt: number | null;
  readonly beforeEnqueuedAt: number | null;
  readonly afterStartedAt: number | null;
  readonly beforeStartedAt: number | null;
  readonly afterFinishedAt: number | null;
  readonly beforeFinishedAt: number | null;
}

export interface TaskList {
  results: TaskView[];
  total: number;
  limit: number;
  from: number | null;
  next: number | null;
}

/** Raw query parameters as an HTTP framework hands them over (a repeated parameter keeps its last value). */
export type RawQuery = Readonly<Record<string, string | readonly string[] | undefined>>;

// Accepted parameters, in the order Meilisearch lists them in its "Unknown parameter" message.
const PARAMETERS = [
  'limit',
  'from',
  'reverse',
  'batchUids',
  'uids',
  'canceledBy',
  'types',
  'statuses',
  'indexUids',
  'afterEnqueuedAt',
  'beforeEnqueuedAt',
  'afterStartedAt',
  'beforeStartedAt',
  'afterFinishedAt',
  'beforeFinishedAt',
] as const;

type Parameter = (typeof PARAMETERS)[number];

const DATE_CODES = {
  afterEnqueuedAt: 'invalid_task_after_enqueued_at',
  beforeEnqueuedAt: 'invalid_task_before_enqueued_at',
  afterStartedAt: 'invalid_task_after_started_at',
  beforeStartedAt: 'invalid_task_before_started_at',
  afterFinishedAt: 'invalid_task_after_finished_at',
  beforeFinishedAt: 'invalid_task_before_finished_at',
} as const satisfies Partial<Record<Parameter, ErrorCode>>;

type DateParameter = keyof typeof DATE_CODES;

const U32_MAX = 4_294_967_295;

function invalidValue(code: ErrorCode, location: string, reason: string): Error {
  return miroirError(code, `Invalid value in parameter \`${location}\`: ${reason}`);
}

/** Rust's `u32::from_str`: optional `+`, ASCII digits, at most 2^32-1. */
function parseU32(text: string): number | null {
  if (!/^\+?[0-9]+$/.test(text)) return null;
  const value = Number(text.startsWith('+') ? text.slice(1) : text);
  return value <= U32_MAX ? value : null;
}

/** Optimal string alignment distance (strsim's Damerau-Levenshtein for these short names). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** deserr's "did you mean": typos allowed grow with the length of what was received. */
function didYouMean(received: string, accepted: readonly string[]): string {
  const len = Buffer.byteLength(received);
  const allowed = len <= 3 ? 0 : len <= 7 ? 1 : len <= 12 ? 2 : len <= 17 ? 3 : len <= 24 ? 4 : 5;
  if (allowed === 0) return '';
  let best: { name: string; distance: number } | null = null;
  for (const name of accepted) {
    const distance = editDistance(received, name);
    if (distance <= allowed && (best === null || distance < best.distance)) best = { name, distance };
  }
  return best === null ? '' : `did you mean \`${best.name}\`? `;
}

function lastValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[value.length - 1];
}

type ItemResult<T> = { readonly value: T } | { readonly error: string };

/**
 * A comma-separated list where `*` anywhere means "any". The first bad item is reported, indexed
 * (`uids[1]`) only when the list has more than one item.
 */
function parseList<T>(
  name: Parameter,
  raw: string,
  code: ErrorCode,
  parseItem: (item: string) => ItemResult<T>,
): T[] | null {
  const items = raw.split(',');
  const values: T[] = [];
  let star = false;
  for (const [i, item] of items.entries()) {
    if (item === '*') {
      star = true;
      continue;
    }
    const parsed = parseItem(item);
    if ('error' in parsed) throw invalidValue(code, items.length > 1 ? `${name}[${i}]` : name, parsed.error);
    values.push(parsed.value);
  }
  return star ? null : values;
}

function u32Item(item: string): ItemResult<number> {
  const value = parseU32(item);
  return value === null ? { error: `could not parse \`${item}\` as a positive integer` } : { value };
}

function typeItem(item: string): ItemResult<TaskType> {
  const lower = item.toLowerCase();
  const found = TASK_TYPES.find((t) => t.toLowerCase() === lower);
  return found !== undefined
    ? { value: found }
    : {
        error: `\`${item}\` is not a valid task type. Available types are ${TASK_TYPES.map((t) => `\`${t}\``).join(', ')}.`,
      };
}

function statusItem(item: string): ItemResult<TaskStatus> {
  const lower = item.toLowerCase();
  const found = TASK_STATUSES.find((s) => s === lower);
  return found !== undefined
    ? { value: found }
    : {
        error: `\`${item}\` is not a valid task status. Available statuses are ${TASK_STATUSES.map((s) => `\`${s}\``).join(', ')}.`,
      };
}

/** Meilisearch's index uid rule: ASCII alphanumerics, `-` and `_`, at most 400 bytes (its message says 512). */
function indexUidItem(item: string): ItemResult<string> {
  if (/^[A-Za-z0-9_-]+$/.test(item) && item.length <= 400) return { value: item };
  return {
    error: `\`${item}\` is not a valid index uid. Index uid can be an integer or a string containing only alphanumeric characters, hyphens (-) and underscores (_), and can not be more than 512 bytes.`,
  };
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

function validCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

/**
 * RFC 3339 date-time, or `YYYY-MM-DD`: a bare date means midnight UTC for `before*` bounds and the
 * next midnight for `after*` bounds (after the end of that day), as Meilisearch does.
 */
export function parseTaskDate(text: string, bound: 'before' | 'after'): number | null {
  const full = RFC3339.exec(text);
  if (full !== null) {
    const [y, mo, d, h, mi, s] = full.slice(1, 7).map(Number);
    if (!validCalendarDate(y ?? 0, mo ?? 0, d ?? 0) || (h ?? 0) > 23 || (mi ?? 0) > 59 || (s ?? 0) > 59)
      return null;
    const ms = Date.parse(text.toUpperCase());
    return Number.isNaN(ms) ? null : ms;
  }
  const date = DATE_ONLY.exec(text);
  if (date === null) return null;
  const [y, m, d] = date.slice(1, 4).map(Number);
  if (!validCalendarDate(y ?? 0, m ?? 0, d ?? 0)) return null;
  const midnight = Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 0);
  return bound === 'after' ? midnight + 86_400_000 : midnight;
}

/** Filters of `POST /tasks/cancel` and `DELETE /tasks`, in the order Meilisearch lists them. */
export const FILTER_PARAMETERS = [
  'uids',
  'batchUids',
  'canceledBy',
  'types',
  'statuses',
  'indexUids',
  'afterEnqueuedAt',
  'beforeEnqueuedAt',
  'afterStartedAt',
  'beforeStartedAt',
  'afterFinishedAt',
  'beforeFinishedAt',
] as const;
/** The filters the "missing" message names (Meilisearch leaves `batchUids` out of it). */
export const MISSING_FILTER_NAMES = [
  'uids',
  'indexUids',
  'statuses',
  'types',
  'canceledBy',
  'beforeEnqueuedAt',
  'afterEnqueuedAt',
  'beforeStartedAt',
  'afterStartedAt',
  'beforeFinishedAt',
  'afterFinishedAt',
] as const;

/**
 * Validates the filters of a task cancelation or deletion: the `GET /tasks` filters without
 * paging, at least one of them. Every task matching counts (`limit` is unbounded).
 */
export function parseTaskFilter(raw: RawQuery, action: 'cancel' | 'delete'): TasksQuery {
  const names = Object.keys(raw).filter((name) => lastValue(raw[name]) !== undefined);
  for (const name of names) {
    if (!(FILTER_PARAMETERS as readonly string[]).includes(name))
      throw miroirError(
        'bad_request',
        `Unknown parameter \`${name}\`: ${didYouMean(name, FILTER_PARAMETERS)}expected one of ${FILTER_PARAMETERS.map((p) => `\`${p}\``).join(', ')}`,
      );
  }
  if (names.length === 0)
    throw miroirError(
      'missing_task_filters',
      `Query parameters to filter the tasks to ${action} are missing. Available query parameters are: ${MISSING_FILTER_NAMES.map((p) => `\`${p}\``).join(', ')}.`,
    );
  return { ...parseTasksQuery(raw), limit: Number.MAX_SAFE_INTEGER };
}

/** Every task `query` matches (deleted tasks excluded), ascending by uid. */
export function matchingTasks(tasks: TaskTable, query: TasksQuery): TaskState[] {
  const matching: TaskState[] = [];
  for (const state of tasks.values()) if (matches(state, query)) matching.push(state);
  return matching.sort((a, b) => a.uid - b.uid);
}

/** Validates `GET /tasks` query parameters; throws Meilisearch's error for the first bad one. */
export function parseTasksQuery(raw: RawQuery): TasksQuery {
  const query: { -readonly [K in keyof TasksQuery]: TasksQuery[K] } = {
    limit: DEFAULT_TASK_LIMIT,
    from: null,
    reverse: false,
    uids: null,
    batchUids: null,
    canceledBy: null,
    types: null,
    statuses: null,
    indexUids: null,
    afterEnqueuedAt: null,
    beforeEnqueuedAt: null,
    afterStartedAt: null,
    beforeStartedAt: null,
    afterFinishedAt: null,
    beforeFinishedAt: null,
  };
  for (const [name, rawValue] of Object.entries(raw)) {
    const value = lastValue(rawValue);
    if (value === undefined) continue;
    if (!(PARAMETERS as readonly string[]).includes(name)) {
      throw miroirError(
        'bad_request',
        `Unknown parameter \`${name}\`: ${didYouMean(name, PARAMETERS)}expected one of ${PARAMETERS.map((p) => `\`${p}\``).join(', ')}`,
      );
    }
    const param = name as Parameter;
    switch (param) {
      case 'limit':
      case 'from': {
        const parsed = parseU32(value);
        if (parsed === null)
          throw invalidValue(
            param === 'limit' ? 'invalid_task_limit' : 'invalid_task_from',
            param,
            `could not parse \`${value}\` as a positive integer`,
          );
        query[param] = parsed;
        break;
      }
      case 'reverse':
        if (value !== 'true' && value !== 'false') {
          throw invalidValue(
            'invalid_task_reverse',
            param,
            `could not parse \`${value}\` as a boolean, expected either \`true\` or \`false\``,
          );
        }
        query.reverse = value === 'true';
        break;
      case 'uids':
        query.uids = parseList(param, value, 'invalid_task_uids', u32Item);
        break;
      case 'batchUids':
        query.batchUids = parseList(param, value, 'invalid_batch_uids', u32Item);
        break;
      case 'canceledBy':
        query.canceledBy = parseList(param, value, 'invalid_task_canceled_by', u32Item);
        break;
      case 'types':
        query.types = parseList(param, value, 'invalid_task_types', typeItem);
        break;
      case 'statuses':
        query.statuses = parseList(param, value, 'invalid_task_statuses', statusItem);
        break;
      case 'indexUids':
        query.indexUids = parseList(param, value, 'invalid_index_uid', indexUidItem);
        break;
      default: {
        const dateParam: DateParameter = param;
        if (value === '*') break;
        const ms = parseTaskDate(value, dateParam.startsWith('after') ? 'after' : 'before');
        if (ms === null) {
          throw invalidValue(
            DATE_CODES[dateParam],
            dateParam,
            `\`${value}\` is an invalid date-time. It should follow the YYYY-MM-DD or RFC 3339 date-time format.`,
          );
        }
        query[dateParam] = ms;
      }
    }
  }
  return query;
}

function within(value: number | null, after: number | null, before: number | null): boolean {
  if (after === null && before === null) return true;
  // A bound on a date the task does not have yet (not started, not finished) excludes it.
  if (value === null) return false;
  return (after === null || value > after) && (before === null || value < before);
}

function matches(state: TaskState, query: TasksQuery): boolean {
  const enqueued = state.enqueued;
  if (enqueued === null || isDeletedTask(state)) return false;
  const batchUid = state.startedAt === null ? null : state.uid;
  return (
    (query.uids === null || query.uids.includes(state.uid)) &&
    (query.batchUids === null || (batchUid !== null && query.batchUids.includes(batchUid))) &&
    (query.canceledBy === null ||
      (state.canceledBy != null && query.canceledBy.includes(state.canceledBy))) &&
    (query.types === null || query.types.includes(enqueued.type as TaskType)) &&
    (query.statuses === null || query.statuses.includes(state.status)) &&
    (query.indexUids === null ||
      (enqueued.indexUid !== null && query.indexUids.includes(enqueued.indexUid))) &&
    within(enqueued.enqueuedAt, query.afterEnqueuedAt, query.beforeEnqueuedAt) &&
    within(state.startedAt, query.afterStartedAt, query.beforeStartedAt) &&
    within(state.finishedAt, query.afterFinishedAt, query.beforeFinishedAt)
  );
}

/**
 * One page of tasks: newest first unless `reverse`; `from` is the first uid of the page (inclusive);
 * `total` counts every match regardless of `from` and `limit`; `next` is the uid that starts the next page.
 */
export function queryTasks(tasks: TaskTable, query: TasksQuery): TaskList {
  return pageOf(matchingTasks(tasks, query), query, (state) => renderTask(state) as TaskView);
}

/**
 * One page of `ascending` (states by uid) in the query's order (newest first unless `reverse`),
 * starting at `from`, with Meilisearch's paging fields: `total` counts every state, `next` is the
 * uid that starts the next page.
 */
export function pageOf<V>(
  ascending: readonly TaskState[],
  query: TasksQuery,
  render: (state: TaskState) => V,
): { results: V[]; total: number; limit: number; from: number | null; next: number | null } {
  const ordered = query.reverse ? ascending : [...ascending].reverse();
  const from = query.from;
  const window =
    from === null ? ordered : ordered.filter((s) => (query.reverse ? s.uid >= from : s.uid <= from));
  const page = window.slice(0, query.limit);
  return {
    results: page.map(render),
    total: ascending.length,
    limit: query.limit,
    from: page[0]?.uid ?? null,
    next: window.length > query.limit ? (window[query.limit] as TaskState).uid : null,
  };
}

/** `GET /tasks/{uid}`: the path segment as received. */
export function getTask(tasks: TaskTable, uidText: string): TaskView {
  const uid = parseU32(uidText);
  if (uid === null)
    throw miroirError(
      'invalid_task_uids',
      `Task uid \`${uidText}\` is invalid. It should only contain numeric characters.`,
    );
  const state = tasks.get(uid);
  const view = state === undefined ? null : renderTask(state);
  if (view === null) throw miroirError('task_not_found', `Task \`${uid}\` not found.`);
  return view;
}
