// Search parameters from a JSON body (POST, multi-search) or a query string (GET), validated
// with Meilisearch's per-parameter codes and normalized into the engine's SearchRequest.
import { miroirError, type ErrorCode } from '#core/errors.ts';
import type { FilterExpr, FilterInput } from '#core/filter/ast.ts';
import { parseFilter } from '#core/filter/parse.ts';
import type { FacetSearchRequest, SearchRequest } from '#devnode/engine/types.ts';
import {
  expectObject,
  JsonFields,
  QueryFields,
  typeError,
  valueError,
  type JsonObject,
  type QueryParams,
} from '#core/meili/deserr.ts';

export const SEARCH_FIELDS = [
  'q',
  'offset',
  'limit',
  'page',
  'hitsPerPage',
  'attributesToRetrieve',
  'attributesToCrop',
  'cropLength',
  'cropMarker',
  'attributesToHighlight',
  'highlightPreTag',
  'highlightPostTag',
  'showMatchesPosition',
  'filter',
  'sort',
  'distinct',
  'facets',
  'matchingStrategy',
  'attributesToSearchOn',
  'rankingScoreThreshold',
  'locales',
  'hybrid',
  'vector',
  'retrieveVectors',
  'media',
  'personalize',
  'useNetwork',
  'showRankingScore',
  'showRankingScoreDetails',
  'showPerformanceDetails',
] as const;

const GET_SEARCH_PARAMS = [
  'q',
  'vector',
  'offset',
  'limit',
  'page',
  'hitsPerPage',
  'attributesToRetrieve',
  'retrieveVectors',
  'attributesToCrop',
  'cropLength',
  'attributesToHighlight',
  'filter',
  'sort',
  'distinct',
  'showMatchesPosition',
  'showRankingScore',
  'showRankingScoreDetails',
  'showPerformanceDetails',
  'facets',
  'highlightPreTag',
  'highlightPostTag',
  'cropMarker',
  'matchingStrategy',
  'attributesToSearchOn',
  'hybridEmbedder',
  'hybridSemanticRatio',
  'rankingScoreThreshold',
  'locales',
  'personalizeUserContext',
  'useNetwork',
] as const;

const STRATEGIES = ['last', 'all', 'frequency'] as const;

// Each parameter's error code is derived once: a regex replace per parameter showed in search profiles.
const codes = new Map<string, ErrorCode>();
function code(name: string): ErrorCode {
  let c = codes.get(name);
  if (c === undefined) {
    c = `invalid_search_${name.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`)}` as ErrorCode;
    codes.set(name, c);
  }
  return c;
}

/** Parsed filters by their text: clients (and Miroir's shard clause) repeat the same filters. */
const FILTER_CACHE_SIZE = 512;
const filterCache = new Map<string, FilterExpr | null>();

/** Parses a filter sent as JSON: a string, or an array of strings and arrays of strings. */
export function parseFilterValue(
  value: unknown,
  errorCode: 'invalid_search_filter' | 'invalid_document_filter' = 'invalid_search_filter',
) {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' && !Array.isArray(value)) {
    throw miroirError(
      errorCode,
      `Invalid syntax for the filter parameter: \`expected String, Array, found: ${JSON.stringify(value)}\`.`,
    );
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const ok =
        typeof item === 'string' || (Array.isArray(item) && item.every((inner) => typeof inner === 'string'));
      if (!ok)
        throw miroirError(
          errorCode,
          `Invalid syntax for the filter parameter: \`expected String, Array, found: ${JSON.stringify(item)}\`.`,
        );
    }
  }
  // Only successful parses are kept (errors are rare and carry the caller's code); the engine
  // treats the tree as read-only, and its filter bitmap cache keys on this very object.
  const key = `${errorCode === 'invalid_search_filter' ? 's' : 'd'}${typeof value === 'string' ? `"${value}` : JSON.stringify(value)}`;
  const cached = filterCache.get(key);
  if (cached !== undefined) return cached;
  const parsed = parseFilter(value as FilterInput, { code: errorCode });
  if (filterCache.size >= FILTER_CACHE_SIZE) filterCache.clear();
  filterCache.set(key, parsed);
  return parsed;
}

function checkThreshold(value: number | undefined, path: string, viaQuery: boolean): number | null {
  if (value === undefined) return null;
  if (value < 0 || value > 1) {
    const reason =
      'the value of `rankingScoreThreshold` is invalid, expected a float between `0.0` and `1.0`.';
    if (viaQuery)
      throw miroirError(
        'invalid_search_ranking_score_threshold',
        `Invalid value in parameter \`rankingScoreThreshold\`: ${reason}`,
      );
    throw valueError('invalid_search_ranking_score_threshold', path, reason);
  }
  return value;
}

/**
 * `hybrid`, `vector` and `media`, checked as Meilisearch checks them against an index without
 * embedders: the shapes first, then a `vector`/`media` needs `hybrid`, and any named embedder is
 * unknown (an empty name means keyword search).
 */
function checkVectorParams(obj: JsonObject, path: string): void {
  let embedder: string | undefined;
  const hybridPath = `${path}.hybrid`;
  if (obj.hybrid !== undefined && obj.hybrid !== null) {
    const h = new JsonFields(
      expectObject(obj.hybrid, ['semanticRatio', 'embedder'], 'invalid_search_hybrid_query', hybridPath),
      hybridPath,
    );
    const ratio = h.float('semanticRatio', 'invalid_search_semantic_ratio', true);
    if (ratio !== undefined && (ratio < 0 || ratio > 1)) {
      throw valueError(
        'invalid_search_semantic_ratio',
        `${hybridPath}.semanticRatio`,
        'the value of `semanticRatio` is invalid, expected a float between `0.0` and `1.0`.',
      );
    }
    embedder = h.string('embedder', 'invalid_search_embedder', true);
    if (embedder === undefined)
      throw miroirError('invalid_search_hybrid_query', `Missing field \`embedder\` inside \`${hybridPath}\``);
  }
  if (obj.vector !== undefined && obj.vector !== null && !Array.isArray(obj.vector))
    throw typeError('invalid_search_vector', `${path}.vector`, ['array'], obj.vector);
  const media = obj.media !== undefined && obj.media !== null;
  if ((obj.vector !== undefined && obj.vector !== null) || media) {
    if (obj.hybrid === undefined || obj.hybrid === null)
      throw miroirError(
        'missing_search_hybrid',
        'Invalid request: missing `hybrid` parameter when `vector` or `media` are present.',
      );
  }
  if (embedder !== undefined && embedder !== '')
    throw miroirError('invalid_search_embedder', `Cannot find embedder with name \`${embedder}\`.`);
}

function unsupported(name: string, errorCode: ErrorCode): never {
  throw miroirError(
    errorCode,
    `devnode does not support \`${name}\`: it has no embedders, so vector, hybrid and media search are unavailable.`,
  );
}

export interface SearchParseOptions {
  /** Extra accepted keys (multi-search adds `indexUid` and `federationOptions`). */
  extraFields?: readonly string[];
  path?: string;
}

const acceptedLists = new WeakMap<readonly string[], readonly string[]>();

/** The accepted keys with `extraFields` (`indexUid` first, as Meilisearch lists them), built once per list. */
function acceptedWith(extraFields: readonly string[]): readonly string[] {
  let accepted = acceptedLists.get(extraFields);
  if (accepted === undefined) {
    accepted = [
      ...extraFields.filter((f) => f === 'indexUid'),
      ...SEARCH_FIELDS,
      ...extraFields.filter((f) => f !== 'indexUid'),
    ];
    acceptedLists.set(extraFields, accepted);
  }
  return accepted;
}

/** A search body (or one query of a multi-search). Unknown keys give `bad_request`. */
export function parseSearchBody(
  body: unknown,
  opts: SearchParseOptions = {},
): { request: SearchRequest; obj: JsonObject } {
  const path = opts.path ?? '';
  const accepted = opts.extraFields ? acceptedWith(opts.extraFields) : SEARCH_FIELDS;
  const obj = expectObject(body, accepted, 'bad_request', path);
  const f = new JsonFields(obj, path);
  const page = f.usize('page', code('page'), true);
  const hitsPerPage = f.usize('hitsPerPage', code('hitsPerPage'), true);
  checkVectorParams(obj, path);
  f.bool('retrieveVectors', code('retrieveVectors'));
  f.stringArray('locales', code('locales'));
  f.bool('useNetwork', code('useNetwork'), true);
  f.bool('showPerformanceDetails', code('showPerformanceDetails'));
  const request: SearchRequest = {
    q: f.string('q', code('q'), true) ?? null,
    offset: f.usize('offset', code('offset')) ?? 0,
    limit: f.usize('limit', code('limit')) ?? 20,
    filter: parseFilterValue(obj.filter),
    facets: f.stringArray('facets', code('facets')) ?? null,
    attributesToRetrieve: f.stringArray('attributesToRetrieve', code('attributesToRetrieve')) ?? ['*'],
    attributesToCrop: f.stringArray('attributesToCrop', code('attributesToCrop')) ?? null,
    cropLength: f.usize('cropLength', code('cropLength')) ?? 10,
    cropMarker: f.string('cropMarker', code('cropMarker')) ?? '…',
    attributesToHighlight: f.stringArray('attributesToHighlight', code('attributesToHighlight')) ?? null,
    highlightPreTag: f.string('highlightPreTag', code('highlightPreTag')) ?? '<em>',
    highlightPostTag: f.string('highlightPostTag', code('highlightPostTag')) ?? '</em>',
    showMatchesPosition: f.bool('showMatchesPosition', code('showMatchesPosition')) ?? false,
    sort: f.stringArray('sort', code('sort')) ?? null,
    matchingStrategy: f.oneOf('matchingStrategy', code('matchingStrategy'), STRATEGIES) ?? 'last',
    showRankingScore: f.bool('showRankingScore', code('showRankingScore')) ?? false,
    showRankingScoreDetails: f.bool('showRankingScoreDetails', code('showRankingScoreDetails')) ?? false,
    rankingScoreThreshold: checkThreshold(
      f.float('rankingScoreThreshold', code('rankingScoreThreshold'), true),
      `${path}.rankingScoreThreshold`,
      false,
    ),
    attributesToSearchOn: f.stringArray('attributesToSearchOn', code('attributesToSearchOn')) ?? null,
    distinct: f.string('distinct', code('distinct'), true) ?? null,
  };
  if (page !== undefined || hitsPerPage !== undefined) {
    request.page = page ?? 1;
    request.hitsPerPage = hitsPerPage ?? 20;
  }
  return { request, obj };
}

/** Splits a GET sort list on commas, keeping `_geoPoint(lat,lng):asc` whole. */
export function splitSortParam(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of value) {
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      if (current.trim() !== '') out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

function floatParam(q: QueryFields, key: string, errorCode: ErrorCode): number | undefined {
  const v = q.string(key, errorCode);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n))
    throw miroirError(
      errorCode,
      `Invalid value in parameter \`${key}\`: could not parse \`${v}\` as a float`,
    );
  return n;
}

/** `GET /indexes/{uid}/search`. The filter is first read as JSON (an array form), else as a filter string. */
export function parseSearchQuery(params: QueryParams): SearchRequest {
  const q = new QueryFields(params, GET_SEARCH_PARAMS);
  if (q.string('vector', code('vector')) !== undefined) unsupported('vector', 'invalid_search_vector');
  if (q.string('hybridEmbedder', 'invalid_search_embedder') !== undefined)
    unsupported('hybridEmbedder', 'invalid_search_embedder');
  if (q.string('hybridSemanticRatio', 'invalid_search_semantic_ratio') !== undefined)
    unsupported('hybridSemanticRatio', 'invalid_search_semantic_ratio');
  q.bool('retrieveVectors', code('retrieveVectors'));
  q.bool('useNetwork', code('useNetwork'));
  q.bool('showPerformanceDetails', code('showPerformanceDetails'));
  const rawFilter = q.string('filter', code('filter'));
  let filterValue: unknown = rawFilter;
  if (rawFilter !== undefined) {
    try {
      const parsed: unknown = JSON.parse(rawFilter);
      if (Array.isArray(parsed)) filterValue = parsed;
    } catch {
      // not JSON: a plain filter string
    }
  }
  const sort = q.string('sort', code('sort'));
  const page = q.usize('page', code('page'));
  const hitsPerPage = q.usize('hitsPerPage', code('hitsPerPage'));
  const request: SearchRequest = {
    q: q.string('q', code('q')) ?? null,
    offset: q.usize('offset', code('offset')) ?? 0,
    limit: q.usize('limit', code('limit')) ?? 20,
    filter: parseFilterValue(filterValue),
    facets: q.list('facets', code('facets')) ?? null,
    attributesToRetrieve: q.list('attributesToRetrieve', code('attributesToRetrieve')) ?? ['*'],
    attributesToCrop: q.list('attributesToCrop', code('attributesToCrop')) ?? null,
    cropLength: q.usize('cropLength', code('cropLength')) ?? 10,
    cropMarker: q.string('cropMarker', code('cropMarker')) ?? '…',
    attributesToHighlight: q.list('attributesToHighlight', code('attributesToHighlight')) ?? null,
    highlightPreTag: q.string('highlightPreTag', code('highlightPreTag')) ?? '<em>',
    highlightPostTag: q.string('highlightPostTag', code('highlightPostTag')) ?? '</em>',
    showMatchesPosition: q.bool('showMatchesPosition', code('showMatchesPosition')) ?? false,
    sort: sort === undefined ? null : splitSortParam(sort),
    matchingStrategy: q.oneOf('matchingStrategy', code('matchingStrategy'), STRATEGIES) ?? 'last',
    showRankingScore: q.bool('showRankingScore', code('showRankingScore')) ?? false,
    showRankingScoreDetails: q.bool('showRankingScoreDetails', code('showRankingScoreDetails')) ?? false,
    rankingScoreThreshold: checkThreshold(
      floatParam(q, 'rankingScoreThreshold', code('rankingScoreThreshold')),
      '',
      true,
    ),
    attributesToSearchOn: q.list('attributesToSearchOn', code('attributesToSearchOn')) ?? null,
    distinct: q.string('distinct', code('distinct')) ?? null,
  };
  q.list('locales', code('locales'));
  q.string('personalizeUserContext', 'invalid_search_personalize_user_context');
  if (page !== undefined || hitsPerPage !== undefined) {
    request.page = page ?? 1;
    request.hitsPerPage = hitsPerPage ?? 20;
  }
  return request;
}

const FACET_SEARCH_FIELDS = [
  'facetQuery',
  'facetName',
  'q',
  'vector',
  'media',
  'hybrid',
  'filter',
  'matchingStrategy',
  'attributesToSearchOn',
  'rankingScoreThreshold',
  'locales',
  'exhaustiveFacetCount',
  'useNetwork',
] as const;

/** `POST /indexes/{uid}/facet-search`. */
export function parseFacetSearchBody(body: unknown): FacetSearchRequest {
  const obj = expectObject(body, FACET_SEARCH_FIELDS);
  const f = new JsonFields(obj);
  if (obj.facetName === undefined)
    throw miroirError('missing_facet_search_facet_name', 'Missing field `facetName`');
  if (obj.hybrid !== undefined && obj.hybrid !== null) unsupported('hybrid', 'invalid_search_hybrid_query');
  if (obj.vector !== undefined && obj.vector !== null) unsupported('vector', 'invalid_search_vector');
  if (obj.media !== undefined && obj.media !== null) unsupported('media', 'invalid_search_media');
  f.stringArray('locales', code('locales'));
  f.bool('useNetwork', code('useNetwork'), true);
  checkThreshold(
    f.float('rankingScoreThreshold', code('rankingScoreThreshold'), true),
    '.rankingScoreThreshold',
    false,
  );
  return {
    facetName: f.string('facetName', 'invalid_facet_search_facet_name')!,
    facetQuery: f.string('facetQuery', 'invalid_facet_search_query', true) ?? null,
    q: f.string('q', code('q'), true) ?? null,
    filter: parseFilterValue(obj.filter),
    matchingStrategy: f.oneOf('matchingStrategy', code('matchingStrategy'), STRATEGIES) ?? 'last',
    attributesToSearchOn: f.stringArray('attributesToSearchOn', code('attributesToSearchOn')) ?? null,
    exhaustiveFacetCount:
      f.bool('exhaustiveFacetCount', 'invalid_facet_search_exhaustive_facet_count', true) ?? false,
  };
}
