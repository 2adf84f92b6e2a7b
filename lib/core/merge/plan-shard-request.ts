// The search each shard owner receives for one client search: always scored, the whole window
// of the client's page from offset 0 (page mode stays page mode so totals stay exhaustive), and
// the fields the merge must read. Validates what the merge relies on, with Meilisearch's codes.
import { JsonFields, typeError, valueError } from '#core/meili/deserr.ts';
import { copyWithout } from '#core/own-copy.ts';
import { exactDistinctFacets } from './distinct-facets.ts';
import { clientFacetsCover, countableDistinctField } from './distinct-total.ts';
import { fieldsToAdd } from './fields.ts';
import { needsScoreDetails } from './hit-order.ts';
import { pageWindow } from './pagination.ts';
import { parseSort } from './sort-values.ts';
import { DEFAULT_MAX_TOTAL_HITS, type MergeContext, type SearchRequest } from './types.ts';

/** A float in [0, 1], as Meilisearch checks `rankingScoreThreshold` and `hybrid.semanticRatio`. */
function checkUnitInterval(
  value: unknown,
  path: string,
  code: 'invalid_search_ranking_score_threshold' | 'invalid_search_semantic_ratio',
): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number') throw typeError(code, path, ['integer', 'negativeInteger', 'float'], value);
  if (!(value >= 0 && value <= 1)) {
    const name = path.slice(path.lastIndexOf('.') + 1);
    throw valueError(
      code,
      path,
      `the value of \`${name}\` is invalid, expected a float between \`0.0\` and \`1.0\`.`,
    );
  }
}

/**
 * Checks one parameter the merge depends on; the others are the nodes' to check. Meilisearch
 * (deserr) reports the first bad field in the body's key order, so fields are checked in that order.
 */
function checkSearchParam(request: SearchRequest, fields: JsonFields, key: string): void {
  switch (key) {
    case 'offset':
      return void fields.usize('offset', 'invalid_search_offset');
    case 'limit':
      return void fields.usize('limit', 'invalid_search_limit');
    case 'page':
      return void fields.usize('page', 'invalid_search_page', true);
    case 'hitsPerPage':
      return void fields.usize('hitsPerPage', 'invalid_search_hits_per_page', true);
    case 'attributesToRetrieve':
      return void fields.stringArray('attributesToRetrieve', 'invalid_search_attributes_to_retrieve');
    case 'facets':
      return void fields.stringArray('facets', 'invalid_search_facets');
    case 'sort':
      return void parseSort(request.sort);
    case 'distinct':
      return void fields.string('distinct', 'invalid_search_distinct', true);
    case 'rankingScoreThreshold':
      return checkUnitInterval(
        request.rankingScoreThreshold,
        '.rankingScoreThreshold',
        'invalid_search_ranking_score_threshold',
      );
    case 'hybrid':
      return checkUnitInterval(
        request.hybrid?.semanticRatio,
        '.hybrid.semanticRatio',
        'invalid_search_semantic_ratio',
      );
  }
}

/** Checks every request parameter the merge depends on; throws a Meilisearch-style 400. */
export function validateSearchRequest(request: SearchRequest, _ctx: MergeContext): void {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    throw typeError('bad_request', '', ['object'], request);
  const fields = new JsonFields(request);
  for (const key of Object.keys(request)) checkSearchParam(request, fields, key);
}

/** Fields the merge reads from hits: sort fields (when nodes give no score details), distinct, identity. */
export function mergeFieldsNeeded(request: SearchRequest, ctx: MergeContext): string[] {
  const needed: string[] = [];
  for (const criterion of parseSort(request.sort))
    if (criterion.kind === 'field') needed.push(criterion.field);
  const distinct = request.distinct ?? ctx.distinctAttribute;
  if (typeof distinct === 'string') {
    needed.push(distinct);
    // Exact facet counts with distinct read the facet values of the hits that keep a value.
    if (exactDistinctFacets(request) && countableDistinctField(request, ctx) !== null)
      for (const facet of request.facets ?? []) if (!facet.includes('*')) needed.push(facet);
  }
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
