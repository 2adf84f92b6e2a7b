// `/multi-search`: independent queries answered in order, or (with `federation`) one merged
// list ranked by each hit's ranking score times its query's weight, with federation paging,
// per-index facets or merged facets.
import type { FastifyInstance } from 'fastify';
import { isMiroirError, miroirError } from '#core/errors.ts';
import type { Document, SearchRequest, SearchResponse } from '#devnode/engine/types.ts';
import { runSearch } from '#devnode/routes/search.ts';
import { jsonBody } from '#adapters/meili-request.ts';
import type { DevnodeContext } from '#devnode/routes/context.ts';
import {
  expectObject,
  JsonFields,
  kindOf,
  missingFieldError,
  typeError,
  valueError,
  type JsonObject,
} from '#core/meili/deserr.ts';
import { isValidIndexUid, indexUidMessage } from '#core/meili/index-uid.ts';
import { parseSearchBody } from '#devnode/validate/search.ts';

/** Keys a multi-search query accepts besides the search parameters. */
const QUERY_EXTRA_FIELDS = ['indexUid', 'federationOptions'] as const;

interface ParsedQuery {
  indexUid: string;
  request: SearchRequest;
  weight: number;
  obj: JsonObject;
}

/** Errors raised while running query N get Meilisearch's `Inside .queries[N]:` prefix. */
function inside(i: number, err: unknown): unknown {
  if (!isMiroirError(err)) return err;
  return miroirError(err.code, `Inside \`.queries[${i}]\`: ${err.message}`);
}

function parseQuery(item: unknown, i: number, federated: boolean): ParsedQuery {
  const path = `.queries[${i}]`;
  const { request, obj } = parseSearchBody(item, { extraFields: QUERY_EXTRA_FIELDS, path });
  if (obj.indexUid === undefined) throw missingFieldError('missing_index_uid', 'indexUid', path);
  if (typeof obj.indexUid !== 'string')
    throw typeError('invalid_index_uid', `${path}.indexUid`, ['string'], obj.indexUid);
  if (!isValidIndexUid(obj.indexUid))
    throw valueError('invalid_index_uid', `${path}.indexUid`, indexUidMessage(obj.indexUid));
  let weight = 1;
  if (obj.federationOptions !== undefined && obj.federationOptions !== null) {
    if (!federated) {
      throw miroirError(
        'invalid_multi_search_federation_options',
        `Inside \`.queries[${i}]\`: Using \`federationOptions\` is not allowed in a non-federated search.\n - Hint: remove \`federationOptions\` from query #${i} or add \`federation\` to the request.`,
      );
    }
    const optsPath = `${path}.federationOptions`;
    const opts = expectObject(
      obj.federationOptions,
      ['weight', 'remote', 'queryPosition'],
      'invalid_multi_search_federation_options',
      optsPath,
    );
    const w = new JsonFields(opts, optsPath).float('weight', 'invalid_multi_search_weight', true);
    if (w !== undefined && w < 0)
      throw valueError(
        'invalid_multi_search_weight',
        `${optsPath}.weight`,
        'the value of `weight` is invalid, expected a positive float (>= 0.0).',
      );
    weight = w ?? 1;
  }
  if (federated) {
    for (const key of ['limit', 'offset', 'page', 'hitsPerPage']) {
      if (obj[key] !== undefined) {
        throw miroirError(
          'invalid_multi_search_query_pagination',
          `Inside \`.queries[${i}]\`: Using pagination options is not allowed in federated queries.\n - Hint: remove \`${key}\` from query #${i} or remove \`federation\` from the request\n - Hint: pass \`federation.limit\` and \`federation.offset\` for pagination in federated search`,
        );
      }
    }
    if (obj.facets !== undefined && obj.facets !== null) {
      throw miroirError(
        'invalid_multi_search_query_facets',
        `Inside \`.queries[${i}]\`: Using facets is not allowed in federated queries.\n - Hint: remove \`facets\` from query #${i} or remove \`federation\` from the request\n - Hint: pass \`federation.facetsByIndex.${obj.indexUid}: ${JSON.stringify(obj.facets)}\` for facets in federated search`,
      );
    }
  }
  return { indexUid: obj.indexUid, request, weight, obj };
}

interface Federation {
  offset: number;
  limit: number;
  page?: number;
  hitsPerPage?: number;
  facetsByIndex: Record<string, string[]> | null;
  mergeFacets: { maxValuesPerFacet: number } | null;
}

function parseFederation(value: unknown): Federation {
  const obj = expectObject(
    value,
    [
      'limit',
      'offset',
      'page',
      'hitsPerPage',
      'facetsByIndex',
      'mergeFacets',
      'distinct',
      'showPerformanceDetails',
    ],
    'invalid_multi_search_federated',
    '.federation',
  );
  const f = new JsonFields(obj, '.federation');
  const fed: Federation = {
    offset: f.usize('offset', 'invalid_search_offset') ?? 0,
    limit: f.usize('limit', 'invalid_search_limit') ?? 20,
    facetsByIndex: null,
    mergeFacets: null,
  };
  const page = f.usize('page', 'invalid_search_page', true);
  const hitsPerPage = f.usize('hitsPerPage', 'invalid_search_hits_per_page', true);
  if (page !== undefined || hitsPerPage !== undefined) {
    fed.page = page ?? 1;
    fed.hitsPerPage = hitsPerPage ?? 20;
  }
  if (obj.facetsByIndex !== undefined && obj.facetsByIndex !== null) {
    if (kindOf(obj.facetsByIndex) !== 'object')
      throw typeError(
        'invalid_multi_search_facets_by_index',
        '.federation.facetsByIndex',
        ['object'],
        obj.facetsByIndex,
      );
    fed.facetsByIndex = {};
    for (const uid of Object.keys(obj.facetsByIndex)) {
      fed.facetsByIndex[uid] =
        new JsonFields(obj.facetsByIndex as JsonObject, '.federation.facetsByIndex').stringArray(
          uid,
          'invalid_multi_search_facets_by_index',
        ) ?? [];
    }
  }
  if (obj.mergeFacets !== undefined && obj.mergeFacets !== null) {
    const m = expectObject(
      obj.mergeFacets,
      ['maxValuesPerFacet'],
      'invalid_multi_search_merge_facets',
      '.federation.mergeFacets',
    );
    fed.mergeFacets = {
      maxValuesPerFacet:
        new JsonFields(m, '.federation.mergeFacets').usize(
          'maxValuesPerFacet',
          'invalid_multi_search_max_values_per_facet',
        ) ?? 100,
    };
    if (fed.facetsByIndex === null) {
      throw miroirError(
        'invalid_multi_search_merge_facets',
        '`federation.mergeFacets` requires setting a non-empty value for `federation.facetsByIndex`.',
      );
    }
  }
  return fed;
}

type Distribution = Record<string, Record<string, number>>;
type Stats = Record<string, { min: number; max: number }>;

/** Facet counts of one index over the documents its queries match (the union is approximated by the largest count). */
function indexFacets(
  ctx: DevnodeContext,
  uid: string,
  facets: string[],
  queries: ParsedQuery[],
): { distribution: Distribution; stats: Stats } {
  const distribution: Distribution = {};
  const stats: Stats = {};
  const own = queries.filter((q) => q.indexUid === uid);
  if (own.length === 0) {
    throw miroirError(
      'invalid_multi_search_facets_by_index',
      `Inside \`.federation.facetsByIndex.${uid}\`: Index \`${uid}\` is not used in queries.`,
    );
  }
  for (const q of own) {
    const res = runSearch(ctx, uid, {
      ...q.request,
      offset: 0,
      limit: 0,
      page: undefined,
      hitsPerPage: undefined,
      facets,
    });
    for (const [attr, values] of Object.entries(res.facetDistribution ?? {})) {
      const target = (distribution[attr] ??= {});
      for (const [value, count] of Object.entries(values))
        target[value] = Math.max(target[value] ?? 0, count);
    }
    for (const [attr, s] of Object.entries(res.facetStats ?? {})) {
      const cur = stats[attr];
      stats[attr] = cur ? { min: Math.min(cur.min, s.min), max: Math.max(cur.max, s.max) } : { ...s };
    }
  }
  return { distribution, stats };
}

function federatedSearch(
  ctx: DevnodeContext,
  queries: ParsedQuery[],
  fed: Federation,
): Record<string, unknown> {
  const started = performance.now();
  const pageMode = fed.page !== undefined;
  const offset = pageMode ? (Math.max(fed.page!, 1) - 1) * fed.hitsPerPage! : fed.offset;
  const limit = pageMode ? (fed.page === 0 ? 0 : fed.hitsPerPage!) : fed.limit;
  const ranked: { hit: Document; score: number; query: number; rank: number }[] = [];
  let total = 0;
  queries.forEach((q, i) => {
    let res: SearchResponse;
    try {
      res = runSearch(ctx, q.indexUid, {
        ...q.request,
        offset: 0,
        limit: offset + limit,
        showRankingScore: true,
      });
    } catch (err) {
      throw inside(i, err);
    }
    total += res.estimatedTotalHits ?? res.totalHits ?? res.hits.length;
    res.hits.forEach((hit, rank) => {
      const score = typeof hit._rankingScore === 'number' ? hit._rankingScore : 0;
      const weighted = score * q.weight;
      const out: Document = { ...hit };
      if (!q.request.showRankingScore) delete out._rankingScore;
      out._federation = { indexUid: q.indexUid, queriesPosition: i, weightedRankingScore: weighted };
      ranked.push({ hit: out, score: weighted, query: i, rank });
    });
  });
  ranked.sort((a, b) => b.score - a.score || a.query - b.query || a.rank - b.rank);
  const hits = ranked.slice(offset, offset + limit).map((r) => r.hit);
  const body: Record<string, unknown> = { hits, processingTimeMs: Math.round(performance.now() - started) };
  if (pageMode) {
    Object.assign(body, {
      hitsPerPage: fed.hitsPerPage,
      page: fed.page,
      totalPages: fed.hitsPerPage === 0 ? 0 : Math.ceil(total / fed.hitsPerPage!),
      totalHits: total,
    });
  } else {
    Object.assign(body, { limit: fed.limit, offset: fed.offset, estimatedTotalHits: total });
  }
  if (fed.facetsByIndex) {
    const byIndex: Record<string, { distribution: Distribution; stats: Stats }> = {};
    for (const [uid, facets] of Object.entries(fed.facetsByIndex))
      byIndex[uid] = indexFacets(ctx, uid, facets, queries);
    if (fed.mergeFacets) {
      const distribution: Distribution = {};
      const stats: Stats = {};
      for (const f of Object.values(byIndex)) {
        for (const [attr, values] of Object.entries(f.distribution)) {
          const target = (distribution[attr] ??= {});
          for (const [value, count] of Object.entries(values)) target[value] = (target[value] ?? 0) + count;
        }
        for (const [attr, s] of Object.entries(f.stats)) {
          const cur = stats[attr];
          stats[attr] = cur ? { min: Math.min(cur.min, s.min), max: Math.max(cur.max, s.max) } : { ...s };
        }
      }
      for (const attr of Object.keys(distribution)) {
        const sorted = Object.entries(distribution[attr]!).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        distribution[attr] = Object.fromEntries(sorted.slice(0, fed.mergeFacets.maxValuesPerFacet));
      }
      Object.assign(body, { facetDistribution: distribution, facetStats: stats });
    } else {
      body.facetsByIndex = byIndex;
    }
  }
  return body;
}

export function registerMultiSearchRoute(app: FastifyInstance, ctx: DevnodeContext): void {
  app.post('/multi-search', async (req) => {
    const obj = expectObject(jsonBody(req), ['federation', 'queries']);
    if (obj.queries === undefined) throw missingFieldError('bad_request', 'queries');
    if (!Array.isArray(obj.queries)) throw typeError('bad_request', '.queries', ['array'], obj.queries);
    const federated = obj.federation !== undefined && obj.federation !== null;
    const queries = obj.queries.map((q, i) => parseQuery(q, i, federated));
    if (federated) return federatedSearch(ctx, queries, parseFederation(obj.federation));
    const results = queries.map((q, i) => {
      try {
        return { indexUid: q.indexUid, ...runSearch(ctx, q.indexUid, q.request) };
      } catch (err) {
        throw inside(i, err);
      }
    });
    return { results };
  });
}
