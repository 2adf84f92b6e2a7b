// The search each shard owner receives for one client search: always scored, the whole window
// of the client's page from offset 0 (page mode stays page mode so totals stay exhaustive), and
// the fields the merge must read. Validates what the merge relies on, with Meilisearch's codes.
import { miroirError } from '#core/errors.ts';
import { copyWithout } from '#core/own-copy.ts';
import { clientFacetsCover, countableDistinctField } from './distinct-total.ts';
import { fieldsToAdd } from './fields.ts';
import { needsScoreDetails } from './hit-order.ts';
import { pageWindow } from './pagination.ts';
import { parseSort } from './sort-values.ts';
import { DEFAULT_MAX_TOTAL_HITS, type MergeContext, type SearchRequest } from './types.ts';

function checkStringList(
  value: unknown,
  field: string,
  code: 'invalid_search_attributes_to_retrieve' | 'invalid_search_facets',
): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw miroirError(
      code,
      `Invalid value type at \`.${field}\`: expected an array of strings, but found \`${JSON.stringify(value)}\`.`,
    );
  }
}

function checkUnitInterval(
  value: unknown,
  field: string,
  code: 'invalid_search_ranking_score_threshold' | 'invalid_search_semantic_ratio',
): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw miroirError(
      code,
      `Invalid value at \`.${field}\`: the value of \`${field.split('.').pop() ?? field}\` is invalid, expected a float between \`0.0\` and \`1.0\`, but found \`${JSON.stringify(value)}\`.`,
    );
  }
}

/** Checks every request parameter the merge depends on; throws a Meilisearch-style 400. */
export function validateSearchRequest(request: SearchRequest, ctx: MergeContext): void {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw miroirError('bad_request', 'Invalid value type: expected an object for the search request.');
  }
  pageWindow(request, ctx.maxTotalHits ?? DEFAULT_MAX_TOTAL_HITS);
  parseSort(request.sort);
  checkStringList(
    request.attributesToRetrieve,
    'attributesToRetrieve',
    'invalid_search_attributes_to_retrieve',
  );
  checkStringList(request.facets, 'facets', 'invalid_search_facets');
  checkUnitInterval(
    request.rankingScoreThreshold,
    'rankingScoreThreshold',
    'invalid_search_ranking_score_threshold',
  );
  checkUnitInterval(request.hybrid?.semanticRatio, 'hybrid.semanticRatio', 'invalid_search_semantic_ratio');
  if (request.distinct !== undefined && request.distinct !== null && typeof request.distinct !== 'string') {
    throw miroirError(
      'invalid_search_distinct',
      `Invalid value type at \`.distinct\`: expected a string, but found \`${JSON.stringify(request.distinct)}\`.`,
    );
  }
}

/** Fields the merge reads from hits: sort fields (when nodes give no score details), distinct, identity. */
export function mergeFieldsNeeded(request: SearchRequest, ctx: MergeContext): string[] {
  const needed: string[] = [];
  for (const criterion of parseSort(request.sort))
    if (criterion.kind === 'field') needed.push(criterion.field);
  const distinct = request.distinct ?? ctx.distinctAttribute;
  if (typeof distinct === 'string') needed.push(distinct);
  if (typeof ctx.primaryKey === 'string') needed.push(ctx.primaryKey);
  return needed;
}

/** Fields added to a restricted `attributesToRetrieve`, removed again from the merged hits. */
export function fieldsAddedForMerge(request: SearchRequest, ctx: MergeContext): string[] {
  return fieldsToAdd(mergeFieldsNeeded(request, ctx), request.attributesToRetrieve);
}

/** The client's pagination, replaced in the shard request by the window from offset 0. */
const PAGINATION_KEYS: ReadonlySet<string> = new Set(['offset', 'limit', 'page', 'hitsPerPage']);

/**
 * The request every shard receives. Node settings carry what a request cannot: a node-side
 * `faceting.maxValuesPerFacet` large enough for exact merged counts (see docs/search-merge.md).
 * With distinct, offset mode also needs each shard's companion count search
 * (`planDistinctCountRequest`).
 */
export function planShardRequest(clientRequest: SearchRequest, ctx: MergeContext = {}): SearchRequest {
  validateSearchRequest(clientRequest, ctx);
  const window = pageWindow(clientRequest, ctx.maxTotalHits ?? DEFAULT_MAX_TOTAL_HITS);
  const size = window.skip + window.take;
  // A key-by-key copy: rest destructuring with excluded keys takes V8's slow generic path, and
  // this runs for every search.
  // A parsed `__proto__` key stays a plain field the node must see (and reject), not a prototype.
  const request = copyWithout(clientRequest, PAGINATION_KEYS) as SearchRequest;
  request.showRankingScore = true;
  if (needsScoreDetails(clientRequest, ctx)) request.showRankingScoreDetails = true;
  if (window.pageMode) {
    request.page = 1;
    request.hitsPerPage = size;
  } else {
    request.offset = 0;
    request.limit = size;
  }
  const attributes = clientRequest.attributesToRetrieve;
  if (attributes !== undefined && attributes !== null) {
    request.attributesToRetrieve = [...attributes, ...fieldsAddedForMerge(clientRequest, ctx)];
  }
  // With distinct, the shards' values of the distinct field make the merged total exact.
  const distinct = countableDistinctField(clientRequest, ctx);
  if (distinct !== null && !clientFacetsCover(clientRequest, distinct)) {
    request.facets = [...(Array.isArray(clientRequest.facets) ? clientRequest.facets : []), distinct];
  }
  return request;
}
