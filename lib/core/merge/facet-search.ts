// Facet search across shards (`POST /indexes/{uid}/facet-search`): counts summed per facet value,
// ordered as milli's facet search orders facetHits (search/facet/search.rs): `alpha` by normalized
// value, `count` by count then value descending; cut to maxValuesPerFacet.
import { miroirError } from '#core/errors.ts';
import { facetOrderOf } from './facets.ts';
import { checkShardAnswers } from './merge-search.ts';
import { compareCodePoints, normalizeFacet } from './sort-values.ts';
import { DEFAULT_MAX_VALUES_PER_FACET, type MergeContext, type ShardAnswer } from './types.ts';

export interface FacetSearchRequest {
  facetName: string;
  facetQuery?: string | null;
  [param: string]: unknown;
}

export interface FacetHit {
  value: string;
  count: number;
}

export interface FacetSearchResponseBody {
  facetHits: FacetHit[];
  facetQuery: string | null;
  processingTimeMs: number;
  [field: string]: unknown;
}

function checkFacetSearchBody(body: FacetSearchResponseBody): string | null {
  if (!Array.isArray(body.facetHits)) return '`facetHits` is not an array';
  const bad = body.facetHits.some(
    (hit) =>
      typeof hit !== 'object' ||
      hit === null ||
      typeof hit.value !== 'string' ||
      typeof hit.count !== 'number',
  );
  return bad ? 'a facet hit is not `{value, count}`' : null;
}

export function mergeFacetSearch(
  clientRequest: FacetSearchRequest,
  shardResponses: readonly ShardAnswer<FacetSearchResponseBody>[],
  ctx: MergeContext = {},
): FacetSearchResponseBody {
  if (typeof clientRequest?.facetName !== 'string') {
    throw miroirError('missing_facet_search_facet_name', 'Missing field `facetName`');
  }
  checkShardAnswers(shardResponses, checkFacetSearchBody);
  const merged = new Map<string, { norm: string; hit: FacetHit }>();
  // Lower shard ids first: the spelling shown for a value does not depend on arrival order.
  for (const answer of [...shardResponses].sort((a, b) => a.shard - b.shard)) {
    for (const { value, count } of answer.body.facetHits) {
      const norm = normalizeFacet(value);
      const seen = merged.get(norm);
      if (seen === undefined) merged.set(norm, { norm, hit: { value, count } });
      else seen.hit.count += count;
    }
  }
  const order = facetOrderOf(clientRequest.facetName, [clientRequest.facetName], ctx);
  const entries = [...merged.values()];
  if (order === 'count') {
    entries.sort((a, b) => b.hit.count - a.hit.count || compareCodePoints(b.hit.value, a.hit.value));
  } else {
    entries.sort((a, b) => compareCodePoints(a.norm, b.norm) || compareCodePoints(a.hit.value, b.hit.value));
  }
  const facetHits = entries
    .slice(0, ctx.maxValuesPerFacet ?? DEFAULT_MAX_VALUES_PER_FACET)
    .map((entry) => entry.hit);
  return {
    facetHits,
    facetQuery: typeof clientRequest.facetQuery === 'string' ? clientRequest.facetQuery : null,
    processingTimeMs:
      ctx.processingTimeMs ?? Math.max(0, ...shardResponses.map((answer) => answer.body.processingTimeMs)),
  };
}
