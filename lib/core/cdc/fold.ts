// The changelog's fold: one document event of a shard, applied to that shard's keyed state, gives
// the document changes a CDC consumer sees, one per document it changed, with before and after
// images. Partial updates merge as Meilisearch merges them (top-level fields of the update replace
// the document's); delete by filter reads the shard's filterable attributes as they were at that
// record, so a filter the nodes refuse removes nothing here either.
import type { DocumentEvent } from '#core/events/document-events.ts';
import { compileFilter, filterAttributes, matchesCompiled } from '#core/filter/evaluate.ts';
import type { FilterInput } from '#core/filter/ast.ts';
import { parseFilter } from '#core/filter/parse.ts';
import { matchesAnyPattern } from '#core/meili/field-patterns.ts';
import { filterablePatterns } from '#core/meili/settings-validate.ts';
import type { FilterableAttributeRule } from '#core/meili/settings.ts';

/** Debezium's operation codes: create, update, delete, snapshot read. */
export type ChangeOp = 'c' | 'u' | 'd' | 'r';

/** One document changed by one event; images are JSON text of the whole document. */
export interface DocumentChange {
  readonly op: ChangeOp;
  readonly key: string;
  readonly before: string | null;
  readonly after: string | null;
}

/** The keyed state of one shard as the fold reads and writes it (JSON text per primary key). */
export interface ShardState {
  get(key: string): string | undefined;
  /** Stores the after-image, or removes the key when `json` is null. */
  set(key: string, json: string | null): void;
  /** Every live document of the shard, including this batch's changes so far. */
  entries(): Iterable<readonly [string, string]>;
  /** A hint that these keys are read next, so a disk-backed state can fetch them in one go. */
  prefetch?(keys: readonly string[]): void;
}

/** What the fold needs of the shard's settings: their version and the filterable patterns. */
export interface ShardSettings {
  readonly settingsVersion: number;
  readonly filterable: readonly string[];
}

export const INITIAL_SHARD_SETTINGS: ShardSettings = { settingsVersion: -1, filterable: [] };

export interface FoldResult {
  readonly changes: DocumentChange[];
  readonly settings: ShardSettings;
}

/** Applies one document event to the shard state; returns its changes and the settings after it. */
export function foldDocumentEvent(
  event: DocumentEvent,
  state: ShardState,
  settings: ShardSettings,
): FoldResult {
  switch (event.type) {
    case 'DocumentsUpserted':
      return { changes: event.ids.map((id, i) => put(state, id, text(event.documents[i]))), settings };
    case 'DocumentsUpdated':
      return {
        changes: event.ids.map((id, i) =>
          put(state, id, mergeUpdate(state.get(id), text(event.documents[i]))),
        ),
        settings,
      };
    case 'DocumentsDeleted':
      return { changes: event.ids.flatMap((id) => remove(state, id)), settings };
    case 'DocumentsDeletedByFilter':
      return { changes: removeAll(state, filterMatcher(event.filter, settings.filterable)), settings };
    case 'DocumentsCleared':
      return { changes: removeAll(state, () => true), settings };
    case 'SettingsBarrier':
      return { changes: [], settings: foldSettings(settings, event.settingsVersion, event.settings) };
  }
}

/** Meilisearch's document update: the update's top-level fields replace the stored document's. */
export function mergeUpdate(base: string | undefined, update: string): string {
  if (base === undefined) return update;
  return JSON.stringify({ ...(JSON.parse(base) as object), ...(JSON.parse(update) as object) });
}

/** The shard settings after a settings update (JSON text of the client's PATCH; `null` resets). */
export function foldSettings(
  current: ShardSettings,
  settingsVersion: number,
  patchJson: string,
): ShardSettings {
  let filterable = current.filterable;
  const patch = parseObject(patchJson);
  if (patch !== null && 'filterableAttributes' in patch) {
    const value = patch.filterableAttributes;
    filterable = Array.isArray(value)
      ? filterablePatterns(value as (string | FilterableAttributeRule)[])
      : [];
  }
  return { settingsVersion: Math.max(current.settingsVersion, settingsVersion), filterable };
}

function put(state: ShardState, key: string, after: string): DocumentChange {
  const before = state.get(key) ?? null;
  state.set(key, after);
  return { op: before === null ? 'c' : 'u', key, before, after };
}

function remove(state: ShardState, key: string): DocumentChange[] {
  const before = state.get(key);
  if (before === undefined) return [];
  state.set(key, null);
  return [{ op: 'd', key, before, after: null }];
}

function removeAll(state: ShardState, matches: ((doc: string) => boolean) | null): DocumentChange[] {
  if (matches === null) return [];
  // Collected first: removing while iterating the state would skip entries.
  const doomed: string[] = [];
  for (const [key, doc] of state.entries()) if (matches(doc)) doomed.push(key);
  return doomed.flatMap((key) => remove(state, key));
}

/**
 * A test for the documents a delete-by-filter removes, or null when the nodes refuse the filter
 * (it does not parse, or reads an attribute that is not filterable at this record): nothing goes.
 */
export function filterMatcher(
  filterJson: string,
  filterable: readonly string[],
): ((doc: string) => boolean) | null {
  let expr;
  try {
    expr = parseFilter(JSON.parse(filterJson) as FilterInput);
  } catch {
    return null;
  }
  if (expr === null) return null;
  if (!filterAttributes(expr).every((attribute) => matchesAnyPattern(attribute, filterable))) return null;
  const compiled = compileFilter(expr);
  return (doc) => matchesCompiled(compiled, JSON.parse(doc) as Record<string, unknown>);
}

function parseObject(json: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function text(buf: Buffer | undefined): string {
  if (buf === undefined) throw new Error('a document event has fewer documents than ids');
  return buf.toString('utf8');
}

/** The shard settings as the changelog role stores them with its committed offsets (Kafka keeps 4 KB). */
export function shardSettingsMetadata(settings: ShardSettings): string {
  return JSON.stringify({ v: settings.settingsVersion, f: settings.filterable });
}

/** Reads `shardSettingsMetadata`; the initial settings when there is none (nothing committed yet). */
export function shardSettingsOf(metadata: string | null | undefined): ShardSettings {
  if (metadata === null || metadata === undefined || metadata === '') return INITIAL_SHARD_SETTINGS;
  const parsed = parseObject(metadata);
  if (parsed === null || typeof parsed.v !== 'number' || !Array.isArray(parsed.f))
    throw new Error(`unreadable changelog offset metadata: ${metadata.slice(0, 100)}`);
  return {
    settingsVersion: parsed.v,
    filterable: parsed.f.filter((p): p is string => typeof p === 'string'),
  };
}
