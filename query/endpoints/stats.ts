// `GET /indexes/{uid}/stats` and `GET /stats`: one covering set per index, never a double count
// over replicas; a node asked for some of its shards reports their exact share.
import { type Json } from '#adapters/node-client.ts';
import { mergeStats, type IndexStatsBody } from '#core/merge/index.ts';
import { needsShardClause, shardClause, type NodeFilter } from '../plan.ts';
import { resolveIndex, type ResolvedIndex } from '../view.ts';
import {
  isObject,
  type Degraded,
  type IndexRead,
  type QueryResult,
  type ReadContext,
  type ReadOptions,
} from '../read-context.ts';

export function statsEndpoints(ctx: ReadContext) {
  const { deps, currentView, scatter, answersOf, headersOf, single } = ctx;
  /**
   * Index stats over one covering set. A node asked for only some of the shards it holds (RF > 1)
   * reports those shards' exact document count (a filtered listing) and its other figures scaled
   * to that share: per-field counts are exact for fields every document has, estimated otherwise.
   */
  async function indexStatsRead(
    resolved: ResolvedIndex,
    opts: ReadOptions,
  ): Promise<IndexRead<IndexStatsBody>> {
    const nodeUid = resolved.index.nodeIndexUid;
    const shards = Array.from({ length: resolved.table.shards }, (_, shard) => shard);
    const filterable = filterableFields(resolved.index.settings);
    const result = await scatter('stats', resolved, shards, opts, async (target, client) => {
      const stats = (await client.indexStats(nodeUid)) as IndexStatsBody;
      if (!needsShardClause(resolved.table, target.group, target.node, target.shards)) return stats;
      const clause = shardClause(target.shards);
      const count = async (filter: NodeFilter): Promise<number> => {
        const listed = await client.fetchDocuments(nodeUid, { filter, limit: 0 });
        return typeof listed.total === 'number' ? listed.total : 0;
      };
      const scaled = scaleStats(stats, await count(clause));
      // Fields some documents lack are counted exactly when the node can filter on them.
      const partial = Object.entries(stats.fieldDistribution).filter(
        ([field, n]) => n < stats.numberOfDocuments && filterable.has(field),
      );
      const exact = await Promise.all(partial.map(([field]) => count([clause, `${field} EXISTS`])));
      partial.forEach(([field], i) => {
        const n = exact[i] as number;
        if (n > 0) scaled.fieldDistribution[field] = n;
        else delete scaled.fieldDistribution[field];
      });
      return scaled;
    });
    return {
      body: mergeStats(answersOf(result)),
      uncovered: result.uncovered,
      waitTimedOut: result.waitTimedOut,
    };
  }

  async function indexStats(uid: string, opts: ReadOptions = {}): Promise<QueryResult<IndexStatsBody>> {
    const resolved = resolveIndex(currentView(), uid);
    return single(uid, await indexStatsRead(resolved, opts), opts);
  }

  async function stats(opts: ReadOptions = {}): Promise<QueryResult<Json>> {
    const view = currentView();
    // An index-scoped key sees the stats of its indexes only, as Meilisearch's `/stats` filters them.
    const visible = opts.indexVisible ?? (() => true);
    const uids = [...view.indexes.keys()].filter(visible).sort();
    const degraded: Degraded = new Map();
    const indexes: Record<string, IndexStatsBody> = {};
    const reads = await Promise.all(uids.map((uid) => indexStatsRead(resolveIndex(view, uid), opts)));
    uids.forEach((uid, i) => {
      const read = reads[i] as IndexRead<IndexStatsBody>;
      indexes[uid] = read.body;
      if (read.uncovered.length > 0) degraded.set(uid, read.uncovered);
    });
    // Storage and last update are the whole cluster's: every node that answers counts once.
    const nodeStats = await Promise.all(
      view.topology.nodes
        .filter((node) => node.state === 'active' || node.state === 'draining')
        .map(
          (node) =>
            deps
              .node(node.id)
              ?.stats()
              .catch(() => undefined) ?? Promise.resolve(undefined),
        ),
    );
    let databaseSize = 0;
    let usedDatabaseSize = 0;
    let lastUpdate: string | null = null;
    for (const answer of nodeStats) {
      if (answer === undefined) continue;
      if (typeof answer.databaseSize === 'number') databaseSize += answer.databaseSize;
      if (typeof answer.usedDatabaseSize === 'number') usedDatabaseSize += answer.usedDatabaseSize;
      if (typeof answer.lastUpdate === 'string' && (lastUpdate === null || answer.lastUpdate > lastUpdate))
        lastUpdate = answer.lastUpdate;
    }
    return {
      body: { databaseSize, usedDatabaseSize, lastUpdate, indexes },
      headers: headersOf(degraded, true, false, undefined),
    };
  }

  return { indexStats, stats };
}

/** Attributes the nodes can filter on by exact name (the client's filterableAttributes). */
export function filterableFields(settings: Readonly<Record<string, unknown>>): Set<string> {
  const out = new Set<string>();
  const list = settings.filterableAttributes;
  if (!Array.isArray(list)) return out;
  for (const item of list as unknown[]) {
    if (typeof item === 'string' && !item.includes('*')) out.add(item);
    else if (isObject(item) && Array.isArray(item.attributePatterns)) {
      const filter = isObject(item.features) && isObject(item.features.filter) ? item.features.filter : {};
      // EXISTS needs equality filtering, which the object form may turn off.
      if (filter.equality === false) continue;
      for (const pattern of item.attributePatterns as unknown[]) {
        if (typeof pattern === 'string' && !pattern.includes('*')) out.add(pattern);
      }
    }
  }
  return out;
}

/** A node's stats narrowed to `documents` of its documents (see indexStatsRead). */
export function scaleStats(stats: IndexStatsBody, documents: number): IndexStatsBody {
  const total = stats.numberOfDocuments;
  const share = total === 0 ? 0 : documents / total;
  const scale = (value: number): number => (value >= total ? documents : Math.round(value * share));
  const fieldDistribution: Record<string, number> = {};
  for (const [field, count] of Object.entries(stats.fieldDistribution)) {
    const scaled = scale(count);
    if (scaled > 0) fieldDistribution[field] = scaled;
  }
  const out: IndexStatsBody = { ...stats, numberOfDocuments: documents, fieldDistribution };
  if (typeof stats.rawDocumentDbSize === 'number')
    out.rawDocumentDbSize = Math.round(stats.rawDocumentDbSize * share);
  return out;
}
