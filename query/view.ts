// What the query role reads of the cluster: the placement tables (topology) plus, per index, what
// the nodes call it (one node index per generation), its primary key and the client's settings,
// from which the merge context is derived. Built from the topology projection's state.
import { miroirError } from '#core/errors.ts';
import type { FacetOrder, MergeContext } from '#core/merge/index.ts';
import { createTopology, readableGroups, type Topology } from '#core/topology.ts';
import { topologySpecOf, type TopologyState } from '#core/topology-projection.ts';
import type { PlacementTable } from '#core/routing/index.ts';

export interface ServedIndex {
  readonly uid: string;
  /** The index's name on every node (e.g. `books--g0`). */
  readonly nodeIndexUid: string;
  readonly primaryKey: string | null;
  /** The settings the client set (Meilisearch defaults apply to keys it did not set). */
  readonly settings: Readonly<Record<string, unknown>>;
}

export interface QueryView {
  readonly topology: Topology;
  readonly indexes: ReadonlyMap<string, ServedIndex>;
  /** Read aliases: alias -> target index uids. */
  readonly aliases?: Readonly<Record<string, readonly string[]>>;
}

/** One index, resolved for a request: what it is, where it lives, and which groups can serve it. */
export interface ResolvedIndex {
  readonly index: ServedIndex;
  readonly table: PlacementTable;
  readonly groups: readonly string[];
  readonly merge: MergeContext;
}

/** The view of a topology projection state (callers memoize it per state object). */
export function viewOfTopologyState(state: TopologyState): QueryView {
  const topology = createTopology(topologySpecOf(state));
  const indexes = new Map<string, ServedIndex>();
  for (const record of Object.values(state.indexes)) {
    indexes.set(record.uid, {
      uid: record.uid,
      nodeIndexUid: record.nodeIndexUid,
      primaryKey: record.primaryKey,
      settings: record.settings,
    });
  }
  return { topology, indexes, aliases: state.aliases };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The merge facts of an index, from the client's settings (absent keys keep Meilisearch's defaults). */
export function mergeContextOf(index: ServedIndex): MergeContext {
  const ctx: { -readonly [K in keyof MergeContext]: MergeContext[K] } = { primaryKey: index.primaryKey };
  const { pagination, faceting, rankingRules, distinctAttribute } = index.settings;
  if (isRecord(pagination) && typeof pagination.maxTotalHits === 'number')
    ctx.maxTotalHits = pagination.maxTotalHits;
  if (isRecord(faceting)) {
    if (typeof faceting.maxValuesPerFacet === 'number') ctx.maxValuesPerFacet = faceting.maxValuesPerFacet;
    if (isRecord(faceting.sortFacetValuesBy))
      ctx.sortFacetValuesBy = faceting.sortFacetValuesBy as Record<string, FacetOrder>;
  }
  if (Array.isArray(rankingRules))
    ctx.rankingRules = rankingRules.filter((rule): rule is string => typeof rule === 'string');
  if (typeof distinctAttribute === 'string') ctx.distinctAttribute = distinctAttribute;
  if (Array.isArray(index.settings.filterableAttributes))
    ctx.filterableAttributes = index.settings.filterableAttributes;
  return ctx;
}

/**
 * The index a client uid names (a single-target alias resolves to its target); Meilisearch's
 * `index_not_found` otherwise. An index no active group serves still resolves: every shard of it
 * is then uncovered, which the caller reports as a degraded answer or a 503.
 */
export function resolveIndex(view: QueryView, uid: string): ResolvedIndex {
  let index = view.indexes.get(uid);
  if (index === undefined) {
    const targets = view.aliases?.[uid];
    if (targets !== undefined && targets.length === 1) index = view.indexes.get(targets[0] as string);
  }
  const table = index === undefined ? undefined : view.topology.tables.get(index.uid);
  if (index === undefined || table === undefined)
    throw miroirError('index_not_found', `Index \`${uid}\` not found.`);
  return { index, table, groups: readableGroups(view.topology, index.uid), merge: mergeContextOf(index) };
}
