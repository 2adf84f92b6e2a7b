// Contract between devnode's HTTP layer (validation, tasks, persistence) and its in-memory search
// engine (tokenizing, inverted index, ranking, facets). The HTTP layer validates and normalizes
// every request into these shapes; the engine trusts them and never does I/O.
import type { FilterExpr } from '#core/filter/ast.ts';
import type { IndexSettings } from '#core/meili/settings.ts';

export type Document = Record<string, unknown>;

export interface SearchRequest {
  q: string | null;
  /** Offset/limit mode unless `page` or `hitsPerPage` was given (then page mode). */
  offset: number;
  limit: number;
  page?: number;
  hitsPerPage?: number;
  filter: FilterExpr | null;
  facets: string[] | null;
  attributesToRetrieve: string[]; // ['*'] = all displayed
  attributesToCrop: string[] | null; // may hold 'attr:len' forms, already validated
  cropLength: number;
  cropMarker: string;
  attributesToHighlight: string[] | null;
  highlightPreTag: string;
  highlightPostTag: string;
  showMatchesPosition: boolean;
  sort: string[] | null; // e.g. ['price:asc', '_geoPoint(48.8,2.3):asc']
  matchingStrategy: 'last' | 'all' | 'frequency';
  showRankingScore: boolean;
  showRankingScoreDetails: boolean;
  rankingScoreThreshold: number | null;
  attributesToSearchOn: string[] | null;
  distinct: string | null;
}

/** Meilisearch's search response body (offset/limit or page mode fields). */
export interface SearchResponse {
  hits: Document[];
  query: string;
  processingTimeMs: number;
  limit?: number;
  offset?: number;
  estimatedTotalHits?: number;
  page?: number;
  hitsPerPage?: number;
  totalHits?: number;
  totalPages?: number;
  facetDistribution?: Record<string, Record<string, number>>;
  facetStats?: Record<string, { min: number; max: number }>;
}

export interface FacetSearchRequest {
  facetName: string;
  facetQuery: string | null;
  q: string | null;
  filter: FilterExpr | null;
  matchingStrategy: 'last' | 'all' | 'frequency';
  attributesToSearchOn: string[] | null;
  exhaustiveFacetCount: boolean;
}

export interface FacetSearchResponse {
  facetHits: { value: string; count: number }[];
  facetQuery: string | null;
  processingTimeMs: number;
}

export interface ListDocumentsRequest {
  offset: number;
  limit: number;
  fields: string[] | null;
  filter: FilterExpr | null;
  ids: string[] | null;
  sort: string[] | null;
}

/**
 * Error the engine raises for input that validation cannot catch without the index's state
 * (e.g. filtering on a non-filterable attribute). The HTTP layer maps `code` to Meilisearch's
 * error registry entry (status, type, link).
 */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface IndexEngine {
  readonly primaryKey: string | null;
  setPrimaryKey(primaryKey: string): void;
  /** After a rename or swap: error messages name the index by its new uid. */
  setIndexUid(uid: string): void;
  applySettings(settings: IndexSettings): void;
  /** Add or replace (`replace`) or merge into existing (`update`) documents, by primary key. */
  addDocuments(documents: Document[], mode: 'replace' | 'update'): { indexedDocuments: number };
  deleteDocuments(ids: string[]): { deletedDocuments: number };
  deleteByFilter(filter: FilterExpr): { deletedDocuments: number };
  clear(): { deletedDocuments: number };
  getDocument(id: string): Document | undefined;
  listDocuments(request: ListDocumentsRequest): { results: Document[]; total: number };
  search(request: SearchRequest): SearchResponse;
  facetSearch(request: FacetSearchRequest): FacetSearchResponse;
  stats(): { numberOfDocuments: number; fieldDistribution: Record<string, number> };
  allDocuments(): IterableIterator<Document>;
}
