// Pagination as Meilisearch 1.50 answers it: the window of merged hits a client page needs, capped
// by maxTotalHits (prepare_search), and the pagination fields of the answer (offset/limit mode or
// exhaustive page mode). The 1.50 binary caps only the hits: counts, `totalPages` and the echoed
// `offset`/`limit` are the uncapped values (checked against the binary, not only its source).
import type { ErrorCode } from '#core/errors.ts';
import { kindOf, typeError } from '#core/meili/deserr.ts';
import { DEFAULT_MAX_TOTAL_HITS, DEFAULT_SEARCH_LIMIT, type SearchRequest } from './types.ts';

export interface PageWindow {
  /** Page mode (`page` or `hitsPerPage` given): exhaustive `totalHits`/`totalPages`. */
  pageMode: boolean;
  /** Merged hits to skip, after the maxTotalHits cap. */
  skip: number;
  /** Merged hits to return, after the cap. */
  take: number;
  /** Echoed fields, as requested: limit, offset, page and hitsPerPage. */
  limit: number;
  offset: number;
  page: number;
  hitsPerPage: number;
}

/**
 * A non-negative integer parameter, or Meilisearch's deserr 400 naming it. `null` is refused
 * unless `nullable` (Meilisearch takes `page: null` and `hitsPerPage: null`, not `limit: null`).
 */
export function readCount(
  value: unknown,
  field: string,
  code: ErrorCode,
  nullable = false,
): number | undefined {
  if (value === undefined || (nullable && value === null)) return undefined;
  if (kindOf(value) !== 'integer') throw typeError(code, `.${field}`, ['integer'], value);
  return value as number;
}

export function pageWindow(request: SearchRequest, maxTotalHits = DEFAULT_MAX_TOTAL_HITS): PageWindow {
  const offsetIn = readCount(request.offset, 'offset', 'invalid_search_offset');
  const limitIn = readCount(request.limit, 'limit', 'invalid_search_limit');
  const pageIn = readCount(request.page, 'page', 'invalid_search_page', true);
  const hitsPerPageIn = readCount(request.hitsPerPage, 'hitsPerPage', 'invalid_search_hits_per_page', true);
  const pageMode = pageIn !== undefined || hitsPerPageIn !== undefined;
  const limit = limitIn ?? DEFAULT_SEARCH_LIMIT;
  const page = pageIn ?? 1;
  const hitsPerPage = hitsPerPageIn ?? DEFAULT_SEARCH_LIMIT;
  // Page 0 is Meilisearch's "no hits" page; otherwise a page is an offset window.
  const [rawOffset, rawLimit] = pageMode
    ? page === 0
      ? [0, 0]
      : [(page - 1) * hitsPerPage, hitsPerPage]
    : [offsetIn ?? 0, limit];
  const skip = Math.min(rawOffset, maxTotalHits);
  const take = Math.min(rawLimit, maxTotalHits - skip);
  return { pageMode, skip, take, limit, offset: offsetIn ?? 0, page, hitsPerPage };
}

/** Meilisearch's `totalPages`: ceil(totalHits / hitsPerPage), 0 when hitsPerPage is 0. */
export function totalPages(totalHits: number, hitsPerPage: number): number {
  return hitsPerPage === 0 ? 0 : Math.ceil(totalHits / hitsPerPage);
}

/** The pagination fields of a response, in Meilisearch's key order. */
export function paginationFields(window: PageWindow, hitCount: number): Record<string, number> {
  if (window.pageMode) {
    return {
      hitsPerPage: window.hitsPerPage,
      page: window.page,
      totalPages: totalPages(hitCount, window.hitsPerPage),
      totalHits: hitCount,
    };
  }
  return { limit: window.limit, offset: window.offset, estimatedTotalHits: hitCount };
}
