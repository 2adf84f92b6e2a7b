// Request and response details of the read path: GET parameters as Meilisearch converts them,
// node errors cleaned of node-side names and reserved fields, degraded headers, stats narrowing.
import { describe, expect, it } from 'vitest';
import { NodeApiError } from '#adapters/node-client.ts';
import {
  documentQuery,
  documentsBodyFromQuery,
  searchBodyFromQuery,
  splitSortParam,
} from '../../../query/get-params.ts';
import { clientError, hideReservedFields, inQuery } from '../../../query/node-errors.ts';
import { degradedHeaderValue, scaleStats } from '../../../query/service.ts';
import { uuidv7 } from '../../../query/request-uid.ts';

describe('GET search parameters', () => {
  it('converts numbers, booleans, lists, sort and a JSON filter', () => {
    expect(
      searchBodyFromQuery({
        q: 'shoes',
        limit: '5',
        offset: '10',
        showRankingScore: 'true',
        facets: 'genre,,year',
        sort: '_geoPoint(1.5,2):asc,price:desc',
        filter: '["a = 1", ["b = 2", "c = 3"]]',
        rankingScoreThreshold: '0.5',
      }),
    ).toEqual({
      q: 'shoes',
      limit: 5,
      offset: 10,
      showRankingScore: true,
      facets: ['genre', 'year'],
      sort: ['_geoPoint(1.5,2):asc', 'price:desc'],
      filter: ['a = 1', ['b = 2', 'c = 3']],
      rankingScoreThreshold: 0.5,
    });
    expect(searchBodyFromQuery({ filter: 'genre = "a,b"' })).toEqual({ filter: 'genre = "a,b"' });
    expect(searchBodyFromQuery({ hybridEmbedder: 'e', hybridSemanticRatio: '0.2' })).toEqual({
      hybrid: { embedder: 'e', semanticRatio: 0.2 },
    });
  });

  it('rejects bad values with the parameter code and unknown parameters with bad_request', () => {
    expect(() => searchBodyFromQuery({ limit: 'ten' })).toThrow(
      expect.objectContaining({
        code: 'invalid_search_limit',
        message: 'Invalid value in parameter `limit`: could not parse `ten` as a positive integer',
      }),
    );
    expect(() => searchBodyFromQuery({ showRankingScore: 'yes' })).toThrow(
      expect.objectContaining({ code: 'invalid_search_show_ranking_score' }),
    );
    expect(() => searchBodyFromQuery({ hitsPerPage: '-1' })).toThrow(
      expect.objectContaining({ code: 'invalid_search_hits_per_page' }),
    );
    for (const [param, raw, name, code] of [
      ['rankingScoreThreshold', 'x', 'rankingScoreThreshold', 'invalid_search_ranking_score_threshold'],
      ['rankingScoreThreshold', '2', 'rankingScoreThreshold', 'invalid_search_ranking_score_threshold'],
      ['hybridSemanticRatio', '-0.5', 'semanticRatio', 'invalid_search_semantic_ratio'],
    ] as const) {
      expect(() => searchBodyFromQuery({ hybridEmbedder: 'e', [param]: raw })).toThrow(
        expect.objectContaining({
          code,
          message: `Invalid value in parameter \`${param}\`: the value of \`${name}\` is invalid, expected a float between \`0.0\` and \`1.0\`.`,
        }),
      );
    }
    expect(() => searchBodyFromQuery({ nope: '1' })).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
    expect(() => searchBodyFromQuery({ q: ['a', 'b'] })).toThrow(
      expect.objectContaining({ code: 'invalid_search_q' }),
    );
    expect(() => searchBodyFromQuery({ hybridSemanticRatio: '0.2' })).toThrow(
      expect.objectContaining({ code: 'missing_search_hybrid' }),
    );
  });

  it('converts document listing parameters', () => {
    expect(
      documentsBodyFromQuery({ limit: '2', fields: 'a,b', ids: '1,2', filter: 'a = 1', sort: 'a:asc' }),
    ).toEqual({
      limit: 2,
      fields: ['a', 'b'],
      ids: ['1', '2'],
      filter: 'a = 1',
      sort: ['a:asc'],
    });
    expect(() => documentsBodyFromQuery({ offset: 'x' })).toThrow(
      expect.objectContaining({ code: 'invalid_document_offset' }),
    );
    expect(documentQuery({ fields: 'title' })).toEqual({ fields: ['title'] });
    expect(splitSortParam(' a:asc , b:desc ')).toEqual(['a:asc', 'b:desc']);
  });
});

describe('node errors', () => {
  it('keep the node code and turn node-side names into the client view', () => {
    const err = new NodeApiError('n1', 400, {
      message:
        'Index `books--g0`: Attribute `year` is not filterable. Available filterable attribute patterns are: `_miroir_shard`, `genre`.',
      code: 'invalid_search_filter',
      type: 'invalid_request',
      link: 'https://docs.meilisearch.com/errors#invalid_search_filter',
    });
    const mapped = clientError(err, { nodeIndexUid: 'books--g0', uid: 'books' });
    expect(mapped).toMatchObject({
      code: 'invalid_search_filter',
      status: 400,
      message:
        'Index `books`: Attribute `year` is not filterable. Available filterable attribute patterns are: `genre`.',
    });
    expect(inQuery(mapped, 2).message.startsWith('Inside `.queries[2]`: Index `books`')).toBe(true);
  });

  it('removes reserved fields wherever they sit in a list', () => {
    expect(hideReservedFields('are: `a`, `_miroir_shard`.')).toBe('are: `a`.');
    expect(hideReservedFields('are: `_miroir_shard`, `a`.')).toBe('are: `a`.');
    expect(hideReservedFields('are: `a`, `_miroir_shard.s3`, `b`.')).toBe('are: `a`, `b`.');
    expect(hideReservedFields('nothing here')).toBe('nothing here');
    // Meilisearch's distinct error quotes the whole list once.
    expect(hideReservedFields('patterns are: `_miroir_shard, downloads, major, scope`.')).toBe(
      'patterns are: `downloads, major, scope`.',
    );
    expect(hideReservedFields('are: `a, _miroir_shard.s1, b`.')).toBe('are: `a, b`.');
    expect(hideReservedFields('are: `a, _miroir_shard`.')).toBe('are: `a`.');
  });

  it('maps a node code Miroir does not know to remote_remote_error', () => {
    const err = new NodeApiError('n1', 400, {
      message: 'odd',
      code: 'some_future_code',
      type: 'invalid_request',
      link: '',
    });
    expect(clientError(err)).toMatchObject({ code: 'remote_remote_error' });
  });
});

describe('response details', () => {
  it('lists uncovered shards, qualified by index when several are involved', () => {
    expect(degradedHeaderValue(new Map(), false)).toBeUndefined();
    expect(degradedHeaderValue(new Map([['books', [7, 3, 3]]]), false)).toBe('shards=3,7');
    expect(
      degradedHeaderValue(
        new Map([
          ['movies', [1]],
          ['books', [2]],
        ]),
        true,
      ),
    ).toBe('shards=books:2,movies:1');
  });

  it('narrows a node stats answer to a share of its documents', () => {
    const scaled = scaleStats(
      {
        numberOfDocuments: 100,
        rawDocumentDbSize: 1000,
        avgDocumentSize: 10,
        isIndexing: false,
        fieldDistribution: { id: 100, title: 100, rare: 10, _miroir_shard: 100, '_miroir_shard.s1': 100 },
      },
      40,
    );
    expect(scaled).toMatchObject({
      numberOfDocuments: 40,
      rawDocumentDbSize: 400,
      fieldDistribution: { id: 40, title: 40, rare: 4, _miroir_shard: 40 },
    });
  });

  it('draws UUIDv7 request uids', () => {
    const uid = uuidv7(Date.UTC(2026, 0, 1));
    expect(uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uid.slice(0, 8)).toBe(Date.UTC(2026, 0, 1).toString(16).padStart(12, '0').slice(0, 8));
  });
});
