// Federated multi-search (`POST /multi-search` with `federation`) over sharded indexes. Each query
// first runs as a sharded search (planFederatedQueries -> planShardRequest -> mergeSearchResults);
// this module merges the per-query results as Meilisearch's federated search does
// (search/federated/perform.rs): weighted scores, ties by query position, a document found by
// several queries of one index kept once, federation distinct and pagination, `_federation` hit
// metadata, facetsByIndex or mergeFacets. RRF is an opt-in alternative order.
import { miroirError } from '#core/errors.ts';
import { DistinctFilter } from './distinct.ts';
import { facetOrderOf } from './facets.ts';
import { cleanHit } from './fields.ts';
import { createHitRanker, isHybrid, isSemanticHit, type HitRanker, type RankKey } from './hit-order.ts';
import { kwayMerge, type MergeList } from './kway-merge.ts';
import { paginationFields, pageWindow, readCount } from './pagination.ts';
import { validateSearchRequest } from './plan-shard-request.ts';
import { DEFAULT_RRF_K, rrfMerge } from './rrf.ts';
import { shardHitCount } from './merge-search.ts';
import { compareCodePoints } from './sort-values.ts';
import {
  DEFAULT_MAX_TOTAL_HITS,
  DEFAULT_SEARCH_LIMIT,
  type FacetDistribution,
  type FacetOrder,
  type FacetStats,
  type Hit,
  type MergeContext,
  type SearchRequest,
  type SearchResponseBody,
} from './types.ts';

export interface FederationOptions {
  weight?: number;
  remote?: string;
  queryPosition?: number;
}

export interface FederatedQuery extends SearchRequest {
  indexUid: string;
  federationOptions?: FederationOptions | null;
}

export interface Federation {
  limit?: number;
  offset?: number;
  page?: number;
  hitsPerPage?: number;
  facetsByIndex?: Record<string, string[] | null> | null;
  mergeFacets?: { maxValuesPerFacet?: number } | null;
  distinct?: string | null;
  [option: string]: unknown;
}

export interface FederatedSearchRequest {
  queries: FederatedQuery[];
  federation: Federation;
}

export interface FederatedContext {
  /** Settings per index uid (maxTotalHits, primaryKey, faceting, rankingRules). */
  indexes?: Record<string, MergeContext>;
  processingTimeMs?: number;
  requestUid?: string;
  /** `score` (Meilisearch's order, default) or `rrf` (opt-in reciprocal rank fusion). */
  mergeStrategy?: 'score' | 'rrf';
  rrfK?: number;
}

export interface FederatedResponseBody {
  hits: Hit[];
  processingTimeMs: number;
  facetDistribution?: FacetDistribution;
  facetStats?: FacetStats;
  facetsByIndex?: Record<string, { distribution: FacetDistribution; stats: FacetStats }>;
  requestUid?: string;
  semanticHitCount?: number;
  [field: string]: unknown;
}

const PAGINATION_PARAMS = ['limit', 'offset', 'page', 'hitsPerPage'] as const;

function indexContext(ctx: FederatedContext, indexUid: string): MergeContext {
  return ctx.indexes?.[indexUid] ?? {};
}

function weightOf(query: FederatedQuery, position: number): number {
  const weight = query.federationOptions?.weight ?? 1;
  if (typeof weight !== 'number' || !(weight >= 0)) {
    throw miroirError(
      'invalid_multi_search_weight',
      `Invalid value at \`.queries[${position}].federationOptions.weight\`: the value of \`weight\` is invalid, expected a positive float (>= 0.0).`,
    );
  }
  return weight;
}

/** Checks the federated request shape the merge depends on (Meilisearch's messages and codes). */
export function validateFederatedRequest(request: FederatedSearchRequest): void {
  if (
    typeof request?.federation !== 'object' ||
    request.federation === null ||
    !Array.isArray(request.queries)
  ) {
    throw miroirError(
      'invalid_multi_search_federated',
      'Invalid value type at `.federation`: expected an object.',
    );
  }
  const federation = request.federation;
  readCount(federation.offset, 'federation.offset', 'invalid_search_offset');
  readCount(federation.limit, 'federation.limit', 'invalid_search_limit');
  readCount(federation.page, 'federation.page', 'invalid_search_page', true);
  readCount(federation.hitsPerPage, 'federation.hitsPerPage', 'invalid_search_hits_per_page', true);
  request.queries.forEach((query, position) => {
    if (typeof query?.indexUid !== 'string')
      throw miroirError('missing_index_uid', `Missing field \`indexUid\` inside \`.queries[${position}]\``);
    for (const param of PAGINATION_PARAMS) {
      if (query[param] !== undefined && query[param] !== null) {
        throw miroirError(
          'invalid_multi_search_query_pagination',
          `Inside \`.queries[${position}]\`: Using pagination options is not allowed in federated queries.\n - Hint: remove \`${param}\` from query #${position} or remove \`federation\` from the request\n - Hint: pass \`federation.limit\` and \`federation.offset\` for pagination in federated search`,
        );
      }
    }
    if (query.facets !== undefined && query.facets !== null) {
      throw miroirError(
        'invalid_multi_search_query_facets',
        `Inside \`.queries[${position}]\`: Using facets options is not allowed in federated queries.\n - Hint: remove \`facets\` from query #${position} or remove \`federation\` from the request\n - Hint: pass \`federation.facetsByIndex.${query.indexUid}: ${JSON.stringify(query.facets)}\` for facets in federated search`,
      );
    }
    if (
      query.distinct !== undefined &&
      query.distinct !== null &&
      federation.distinct !== undefined &&
      federation.distinct !== null
    ) {
      throw miroirError(
        'invalid_multi_search_distinct',
        `Inside \`.queries[${position}]\`: \`distinct\` cannot be used in a query and in \`federation\` at the same time.`,
      );
    }
    weightOf(query, position);
  });
  if (federation.mergeFacets !== undefined && federation.mergeFacets !== null) {
    readCount(
      federation.mergeFacets.maxValuesPerFacet,
      'federation.mergeFacets.maxValuesPerFacet',
      'invalid_multi_search_max_values_per_facet',
      true,
    );
  }
}

/** Hits every query must bring: the end of the federation's page (perform.rs `required_hit_count`). */
function requiredHitCount(federation: Federation): number {
  const pageMode = federation.page !== undefined || federation.hitsPerPage !== undefined;
  if (!pageMode) return (federation.limit ?? DEFAULT_SEARCH_LIMIT) + (federation.offset ?? 0);
  if (federation.page === 0) return 0;
  return (federation.hitsPerPage ?? DEFAULT_SEARCH_LIMIT) * (federation.page ?? 1);
}

/**
 * The single-index search each query runs across its index's shards: top hits from offset 0,
 * always scored, the primary key retrieved (duplicates across queries), the index's facets on
 * its first query, the federation's distinct.
 */
export function planFederatedQueries(
  request: FederatedSearchRequest,
  ctx: FederatedContext = {},
): SearchRequest[] {
  validateFederatedRequest(request);
  const federation = request.federation;
  const facetsDone = new Set<string>();
  return request.queries.map((query) => {
    const { indexUid, federationOptions: _options, ...search } = query;
    const index = indexContext(ctx, indexUid);
    const planned: SearchRequest = {
      ...search,
      offset: 0,
      limit: Math.min(requiredHitCount(federation), index.maxTotalHits ?? DEFAULT_MAX_TOTAL_HITS),
      showRankingScore: true,
    };
    if (federation.distinct !== undefined && federation.distinct !== null)
      planned.distinct = federation.distinct;
    const facets = federation.facetsByIndex?.[indexUid];
    if (Array.isArray(facets) && !facetsDone.has(indexUid)) {
      planned.facets = facets;
      facetsDone.add(indexUid);
    }
    const attributes = search.attributesToRetrieve;
    const pk = index.primaryKey;
    if (
      Array.isArray(attributes) &&
      typeof pk === 'string' &&
      !attributes.includes('*') &&
      !attributes.includes(pk)
    ) {
      planned.attributesToRetrieve = [...attributes, pk];
    }
    validateSearchRequest(planned, index);
    return planned;
  });
}

interface Candidate {
  hit: Hit;
  query: number;
  key: RankKey;
}

function identityOf(hit: Hit, query: FederatedQuery, ctx: FederatedContext): string | null {
  const pk = indexContext(ctx, query.indexUid).primaryKey;
  if (typeof pk !== 'string' || !Object.hasOwn(hit, pk)) return null;
  return `${query.indexUid}\u0000${JSON.stringify(hit[pk])}`;
}

function mergedFacets(
  request: FederatedSearchRequest,
  results: readonly SearchResponseBody[],
  ctx: FederatedContext,
): Pick<FederatedResponseBody, 'facetDistribution' | 'facetStats' | 'facetsByIndex'> {
  const federation = request.federation;
  const perIndex = new Map<string, { distribution: FacetDistribution; stats: FacetStats }>();
  request.queries.forEach((query, position) => {
    const result = results[position];
    if (result?.facetDistribution === undefined || perIndex.has(query.indexUid)) return;
    perIndex.set(query.indexUid, { distribution: result.facetDistribution, stats: result.facetStats ?? {} });
  });
  if (federation.mergeFacets === undefined || federation.mergeFacets === null) {
    if (perIndex.size === 0) return {};
    const facetsByIndex: Record<string, { distribution: FacetDistribution; stats: FacetStats }> = {};
    for (const uid of [...perIndex.keys()].sort(compareCodePoints))
      facetsByIndex[uid] = perIndex.get(uid) as { distribution: FacetDistribution; stats: FacetStats };
    return { facetsByIndex };
  }
  // mergeFacets: one order per facet across indexes, else Meilisearch refuses the request.
  const orders = new Map<string, { order: FacetOrder; uid: string }>();
  const counts = new Map<string, Map<string, number>>();
  const stats = new Map<string, { min: number; max: number }>();
  for (const [uid, facets] of [...perIndex.entries()].sort((a, b) => compareCodePoints(a[0], b[0]))) {
    const requested = federation.facetsByIndex?.[uid] ?? [];
    for (const [facet, values] of Object.entries(facets.distribution)) {
      const order = facetOrderOf(facet, requested, indexContext(ctx, uid));
      const previous = orders.get(facet);
      if (previous === undefined) orders.set(facet, { order, uid });
      else if (previous.order !== order) {
        throw miroirError(
          'invalid_multi_search_facet_order',
          `Inconsistent order for values in facet \`${facet}\`: index \`${previous.uid}\` orders ${previous.order === 'alpha' ? 'alphabetically' : 'by count'}, but index \`${uid}\` orders ${order === 'alpha' ? 'alphabetically' : 'by count'}.\n - Hint: Remove \`federation.mergeFacets\` or change \`faceting.sortFacetValuesBy\` to be consistent in settings.`,
        );
      }
      const merged = counts.get(facet) ?? new Map<string, number>();
      counts.set(facet, merged);
      for (const [value, count] of Object.entries(values))
        merged.set(value, (merged.get(value) ?? 0) + count);
    }
    for (const [facet, stat] of Object.entries(facets.stats)) {
      const seen = stats.get(facet);
      if (seen === undefined) stats.set(facet, { min: stat.min, max: stat.max });
      else {
        seen.min = Math.min(seen.min, stat.min);
        seen.max = Math.max(seen.max, stat.max);
      }
    }
  }
  const max = federation.mergeFacets.maxValuesPerFacet;
  const facetDistribution: FacetDistribution = {};
  for (const facet of [...counts.keys()].sort(compareCodePoints)) {
    const entries = [...(counts.get(facet) as Map<string, number>).entries()];
    // Meilisearch re-sorts merged values by plain key order or by count (types.rs FederatedFacets::merge).
    if (orders.get(facet)?.order === 'count')
      entries.sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]));
    else entries.sort((a, b) => compareCodePoints(a[0], b[0]));
    facetDistribution[facet] = Object.fromEntries(max === undefined ? entries : entries.slice(0, max));
  }
  const facetStats: FacetStats = {};
  for (const facet of [...stats.keys()].sort(compareCodePoints))
    facetStats[facet] = stats.get(facet) as { min: number; max: number };
  return { facetDistribution, facetStats };
}

/**
 * Merges per-query results (each already merged across its index's shards, aligned with
 * `request.queries`) into the federated response.
 */
export function mergeFederatedSearch(
  request: FederatedSearchRequest,
  results: readonly SearchResponseBody[],
  ctx: FederatedContext = {},
): FederatedResponseBody {
  validateFederatedRequest(request);
  if (results.length !== request.queries.length || results.some((result) => !Array.isArray(result?.hits))) {
    throw miroirError('internal', 'A federated merge needs one search result with `hits` per query.');
  }
  const federation = request.federation;
  const window = pageWindow(
    {
      offset: federation.offset,
      limit: federation.limit,
      page: federation.page,
      hitsPerPage: federation.hitsPerPage,
    },
    Number.MAX_SAFE_INTEGER,
  );
  const rankers: HitRanker[] = request.queries.map((query, position) =>
    createHitRanker(query, indexContext(ctx, query.indexUid), weightOf(query, position)),
  );
  const compare = (rankers[0] ?? createHitRanker({}, {})).compare;
  const lists: MergeList<Hit>[] = results.map((result, position) => ({
    shard: position,
    items: result.hits,
  }));

  let ordered: Iterable<Candidate>;
  if (ctx.mergeStrategy === 'rrf') {
    const fused = rrfMerge(
      lists.map((list, position) => ({
        items: list.items,
        weight: weightOf(request.queries[position] as FederatedQuery, position),
      })),
      (hit, position) => identityOf(hit, request.queries[position] as FederatedQuery, ctx),
      ctx.rrfK ?? DEFAULT_RRF_K,
    );
    ordered = fused.map((entry) => ({
      hit: entry.item,
      query: entry.list,
      key: (rankers[entry.list] as HitRanker).key(entry.item, entry.list),
    }));
  } else {
    ordered = (function* () {
      for (const merged of kwayMerge(
        lists,
        (hit, position) => (rankers[position] as HitRanker).key(hit, position),
        compare,
      )) {
        yield { hit: merged.item, query: merged.shard, key: merged.key };
      }
    })();
  }

  const seen = new Set<string>();
  const distinct = typeof federation.distinct === 'string' ? new DistinctFilter(federation.distinct) : null;
  let duplicates = 0;
  let accepted = 0;
  const page: Candidate[] = [];
  for (const candidate of ordered) {
    const id = identityOf(candidate.hit, request.queries[candidate.query] as FederatedQuery, ctx);
    if (id !== null) {
      if (seen.has(id)) {
        duplicates += 1;
        continue;
      }
      seen.add(id);
    }
    if (distinct !== null && !distinct.accept(candidate.hit)) continue;
    if (accepted >= window.skip && accepted < window.skip + window.take) page.push(candidate);
    accepted += 1;
  }

  const hits = page.map(({ hit, query: position }) => {
    const query = request.queries[position] as FederatedQuery;
    const index = indexContext(ctx, query.indexUid);
    const pk = index.primaryKey;
    const askedPk =
      !Array.isArray(query.attributesToRetrieve) ||
      query.attributesToRetrieve.includes('*') ||
      (typeof pk === 'string' && query.attributesToRetrieve.includes(pk));
    const cleaned = cleanHit(hit, {
      showRankingScore: query.showRankingScore === true,
      showRankingScoreDetails: query.showRankingScoreDetails === true,
      added: !askedPk && typeof pk === 'string' ? [pk] : [],
    });
    const federationMeta = {
      indexUid: query.indexUid,
      queriesPosition: position,
      weightedRankingScore: (hit._rankingScore as number) * weightOf(query, position),
    };
    // `_federation` follows the document fields and precedes the formatting and score fields.
    const out: Hit = {};
    const tail: [string, unknown][] = [];
    for (const [key, value] of Object.entries(cleaned)) {
      if (
        key === '_formatted' ||
        key === '_matchesPosition' ||
        key === '_rankingScore' ||
        key === '_rankingScoreDetails'
      )
        tail.push([key, value]);
      else out[key] = value;
    }
    out._federation = federationMeta;
    for (const [key, value] of tail) out[key] = value;
    return out;
  });

  const total = Math.max(
    0,
    results.reduce((sum, result) => sum + shardHitCount(result), 0) - duplicates - (distinct?.rejected ?? 0),
  );
  const body: FederatedResponseBody = {
    hits,
    processingTimeMs:
      ctx.processingTimeMs ?? Math.max(0, ...results.map((result) => result.processingTimeMs ?? 0)),
    ...paginationFields(window, total),
    ...mergedFacets(request, results, ctx),
  };
  if (ctx.requestUid !== undefined) body.requestUid = ctx.requestUid;
  if (request.queries.some(isHybrid))
    body.semanticHitCount = page.filter((candidate) => isSemanticHit(candidate.hit)).length;
  return body;
}
