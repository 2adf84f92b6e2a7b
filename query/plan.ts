// The query planner, pure: which shards a request must reach (a filter pinning the primary key, or
// a list of ids, reaches only the owning shards), the `_miroir_shard` clause that confines a node to
// the shards it answers for, and whether a node needs that clause at all.
import { miroirError } from '#core/errors.ts';
import type { FilterInput } from '#core/filter/ast.ts';
import { parseFilter } from '#core/filter/parse.ts';
import { pinnedPrimaryKeys, type PinOptions } from '#core/filter/pin.ts';
import { groupPlacement, shardOf, type PlacementTable } from '#core/routing/index.ts';
import { shardClause, type NodeFilter } from '#core/routing/shard-field.ts';

export { shardClause, type NodeFilter } from '#core/routing/shard-field.ts';

function allShards(table: PlacementTable): number[] {
  const shards = new Array<number>(table.shards);
  for (let shard = 0; shard < table.shards; shard++) shards[shard] = shard;
  return shards;
}

function shardsOfIds(ids: readonly string[], shards: number): number[] {
  return [...new Set(ids.map((id) => shardOf(id, shards)))].sort((a, b) => a - b);
}

/**
 * Shards a filter can match documents on: the owners of the ids it pins, else every shard. A
 * filter the planner cannot read is not pinned: the nodes answer its syntax error themselves.
 */
export function shardsForFilter(
  table: PlacementTable,
  primaryKey: string | null,
  filter: unknown,
  opts: PinOptions = {},
): number[] {
  if (primaryKey === null || filter === undefined || filter === null) return allShards(table);
  // Clients repeat their filters: a string filter's shards are remembered per table and key.
  if (typeof filter !== 'string' || Object.keys(opts).length > 0)
    return pinnedShards(table, primaryKey, filter, opts);
  let byFilter = filterCache.get(table);
  if (byFilter === undefined) {
    byFilter = new Map();
    filterCache.set(table, byFilter);
  }
  const key = `${primaryKey}\u0000${filter}`;
  let shards = byFilter.get(key);
  if (shards === undefined) {
    shards = pinnedShards(table, primaryKey, filter, opts);
    if (byFilter.size >= FILTER_CACHE_SIZE) byFilter.clear();
    byFilter.set(key, shards);
  }
  return [...shards];
}

const FILTER_CACHE_SIZE = 1000;
const filterCache = new WeakMap<PlacementTable, Map<string, readonly number[]>>();

function pinnedShards(
  table: PlacementTable,
  primaryKey: string,
  filter: unknown,
  opts: PinOptions,
): number[] {
  let pinned: string[] | null = null;
  try {
    const expr = parseFilter(filter as FilterInput);
    pinned = expr === null ? null : pinnedPrimaryKeys(expr, primaryKey, opts);
  } catch {
    pinned = null;
  }
  return pinned === null ? allShards(table) : shardsOfIds(pinned, table.shards);
}

/** Shards of a document listing: the owners of its `ids` when given, narrowed by its filter. */
export function shardsForDocuments(
  table: PlacementTable,
  primaryKey: string | null,
  ids: readonly (string | number)[] | null | undefined,
  filter: unknown,
): number[] {
  const byFilter = shardsForFilter(table, primaryKey, filter);
  if (ids === undefined || ids === null) return byFilter;
  const byIds = new Set(
    shardsOfIds(
      ids.map((id) => String(id)),
      table.shards,
    ),
  );
  return byFilter.filter((shard) => byIds.has(shard));
}

/**
 * A pinned search matching no shard (`id = 1 AND id = 2`) still asks one shard: its empty answer
 * carries the exact response shape (facet names, totals) a node gives for no match.
 */
export function atLeastOneShard(shards: readonly number[]): number[] {
  return shards.length > 0 ? [...shards] : [0];
}

/**
 * The client's filter ANDed with the shard clause, in Meilisearch's array form so the client's
 * expression is never re-parsed or re-quoted and its syntax errors keep their positions.
 */
export function withShardClause(filter: unknown, shards: readonly number[]): NodeFilter {
  const clause = shardClause(shards);
  if (filter === undefined || filter === null) return clause;
  if (typeof filter === 'string') return filter.trim() === '' ? clause : [filter, clause];
  if (Array.isArray(filter)) return [...(filter as (string | string[])[]), clause];
  throw miroirError(
    'invalid_search_filter',
    `Invalid syntax for the filter parameter: \`expected String, Array, found: ${JSON.stringify(filter)}\`.`,
  );
}

const heldCache = new WeakMap<PlacementTable, Map<string, ReadonlySet<number>>>();

/** Shards whose documents a node of `group` may hold: those it serves now or is receiving. */
export function shardsHeldBy(table: PlacementTable, group: string, node: string): ReadonlySet<number> {
  let byNode = heldCache.get(table);
  if (byNode === undefined) {
    byNode = new Map();
    heldCache.set(table, byNode);
  }
  const key = `${group}\u0000${node}`;
  let held = byNode.get(key);
  if (held === undefined) {
    const placement = groupPlacement(table, group);
    const shards = new Set<number>();
    for (let shard = 0; shard < table.shards; shard++) {
      if (placement.owners[shard]?.includes(node) || placement.serving[shard]?.includes(node))
        shards.add(shard);
    }
    held = shards;
    byNode.set(key, held);
  }
  return held;
}

/**
 * Whether a node answering for `shards` must be confined by the shard clause: yes as soon as it
 * may hold a document of another shard (RF > 1, a pinned query, a node being refilled). A node
 * asked for every shard it holds answers exactly those shards without it.
 */
export function needsShardClause(
  table: PlacementTable,
  group: string,
  node: string,
  shards: readonly number[],
): boolean {
  const asked = new Set(shards);
  for (const shard of shardsHeldBy(table, group, node)) if (!asked.has(shard)) return true;
  return false;
}
