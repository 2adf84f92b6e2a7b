// Search body validation: repeated filters reuse one parsed tree (the engine keys its filter
// bitmaps on it), while bad filters still fail every time with the caller's error code.
import { describe, expect, it } from 'vitest';
import { parseFilterValue, parseSearchBody } from '#devnode/validate/search.ts';

describe('search body filters', () => {
  it('hands out the same tree for the same filter text, string or array form', () => {
    const first = parseSearchBody({ filter: 'major >= 1' }).request.filter;
    expect(first).not.toBeNull();
    expect(parseSearchBody({ q: 'x', filter: 'major >= 1' }).request.filter).toBe(first);
    const array = parseFilterValue(['major >= 1', ['scope = a', 'scope = b']]);
    expect(parseFilterValue(['major >= 1', ['scope = a', 'scope = b']])).toBe(array);
    expect(array).not.toBe(first);
  });

  it('keeps the error code of each caller for a bad filter, every time', () => {
    for (let i = 0; i < 2; i++) {
      expect(() => parseFilterValue('major >')).toThrow(
        expect.objectContaining({ code: 'invalid_search_filter' }),
      );
      expect(() => parseFilterValue('major >', 'invalid_document_filter')).toThrow(
        expect.objectContaining({ code: 'invalid_document_filter' }),
      );
    }
    expect(() => parseSearchBody({ filter: 3 })).toThrow(
      expect.objectContaining({ code: 'invalid_search_filter' }),
    );
  });

  it('gives each parameter its own Meilisearch error code', () => {
    expect(() => parseSearchBody({ hitsPerPage: -1 })).toThrow(
      expect.objectContaining({ code: 'invalid_search_hits_per_page' }),
    );
    expect(() => parseSearchBody({ showRankingScoreDetails: 1 })).toThrow(
      expect.objectContaining({ code: 'invalid_search_show_ranking_score_details' }),
    );
    expect(() => parseSearchBody({ indexUid: 'x' }, { extraFields: ['indexUid'] })).not.toThrow();
    expect(() => parseSearchBody({ indexUid: 'x' })).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
  });
});
