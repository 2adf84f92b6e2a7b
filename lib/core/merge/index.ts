// The query path's merge core: plan the per-shard requests, then merge shard answers into the
// exact Meilisearch bodies (search, facet search, document lists, stats, federated multi-search).
// Pure: no I/O, no clock, no randomness; callers pass timings and request uids in the context.
export { planShardRequest, validateSearchRequest, fieldsAddedForMerge } from './plan-shard-request.ts';
export {
  mergeSearchResults,
  planDistinctFacetFollowUps,
  planDistinctFollowUps,
  planThresholdCounts,
} from './merge-search.ts';
export { THRESHOLD_CANDIDATES_KEY, withThresholdCandidates } from './threshold-total.ts';
export { DISTINCT_FACETS_KEY, withDistinctFacets } from './distinct-facets.ts';
export {
  DISTINCT_COUNTS_KEY,
  DISTINCT_TIES_KEY,
  distinctFieldOf,
  planDistinctCountRequest,
  withDistinctCounts,
  withDistinctTies,
} from './distinct-total.ts';
export { mergeFacetSearch } from './facet-search.ts';
export type { FacetHit, FacetSearchRequest, FacetSearchResponseBody } from './facet-search.ts';
export { mergeDocumentLists, planShardDocumentsRequest } from './documents.ts';
export type { DocumentsRequest, DocumentsResponseBody } from './documents.ts';
export { averageDocumentSize, mergeStats } from './stats.ts';
export type { IndexStatsBody } from './stats.ts';
export { mergeFederatedSearch, planFederatedQueries, validateFederatedRequest } from './federated.ts';
export type {
  FederatedContext,
  FederatedQuery,
  FederatedResponseBody,
  FederatedSearchRequest,
  Federation,
} from './federated.ts';
export { rrfMerge, DEFAULT_RRF_K } from './rrf.ts';
export type { Fused, RankedList } from './rrf.ts';
export type * from './types.ts';
