// The read path against real devnodes: 3 nodes holding documents placed by the routing rules,
// compared with one devnode holding everything (same hits, order, facets, totals), then node
// failures: RF=2 loses nothing, RF=1 degrades with exactly the lost shards, a restart heals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '#adapters/node-client.ts';
import { ALLOWED, compareSearch as compareAll, stable, type Body } from './compare.ts';

/** Disagreements the contract forbids (hits of equal rank cut by a page end may differ). */
const compareSearch = (...args: Parameters<typeof compareAll>) =>
  compareAll(...args).filter((kind) => !ALLOWED.has(kind));
import { startCluster, type Doc, type TestCluster } from './cluster.ts';

const WORDS = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliet',
  'kilo',
  'lima',
  'mike',
  'november',
  'oscar',
  'papa',
  'quebec',
  'romeo',
  'sierra',
  'tango',
  'uniform',
  'victor',
  'whiskey',
  'xray',
  'yankee',
  'zulu',
  'search',
  'engine',
  'shard',
  'replica',
];
const GENRES = ['Rock', 'jazz', 'Pop', 'blues', 'Folk', 'metal'];
const TAGS = ['red', 'green', 'blue', 'cyan', 'magenta', 'yellow', 'black', 'white'];

/** Deterministic documents (a linear congruential generator, so every run places the same data). */
function makeDocs(count: number, seed = 7): Doc[] {
  let state = seed;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: 3 + next(4) }, () => WORDS[next(WORDS.length)] as string);
    const doc: Doc = {
      id: i + 1,
      title: words.join(' '),
      genre: GENRES[next(GENRES.length)],
      year: 1990 + next(30),
      price: Math.round(next(10_000)) / 100,
      tags: Array.from({ length: 1 + next(3) }, () => TAGS[next(TAGS.length)]),
    };
    if (next(5) === 0) delete doc.price;
    return doc;
  });
}

const SETTINGS = {
  filterableAttributes: ['genre', 'year', 'tags', 'id', 'price'],
  sortableAttributes: ['year', 'price', 'title', 'id'],
};

async function post(
  cluster: TestCluster,
  url: string,
  payload: unknown,
  headers: Record<string, string> = {},
) {
  const res = await cluster.app.inject({
    method: 'POST',
    url,
    payload: payload as Json,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: res.statusCode, body: res.json<Body>(), headers: res.headers };
}

async function get(cluster: TestCluster, url: string, headers: Record<string, string> = {}) {
  const res = await cluster.app.inject({ method: 'GET', url, headers });
  return { status: res.statusCode, body: res.json<Body>(), headers: res.headers };
}

const QUERIES: { name: string; body: Record<string, unknown>; sort?: string[] }[] = [
  { name: 'one word', body: { q: 'delta', showRankingScore: true } },
  { name: 'two words', body: { q: 'hotel oscar', showRankingScore: true, limit: 50 } },
  { name: 'typo', body: { q: 'foxtrott', showRankingScore: true } },
  { name: 'prefix', body: { q: 'novem', showRankingScore: true } },
  {
    name: 'matching all',
    body: { q: 'alpha bravo charlie', matchingStrategy: 'all', showRankingScore: true },
  },
  {
    name: 'filter and facets',
    body: {
      q: 'echo',
      filter: 'year >= 2000 AND genre IN [jazz, Rock]',
      facets: ['genre', 'year', 'tags'],
      showRankingScore: true,
    },
  },
  { name: 'placeholder facets', body: { facets: ['genre', 'tags', 'year'], limit: 0 } },
  {
    name: 'sort',
    body: { q: 'kilo', sort: ['year:desc', 'title:asc'], showRankingScore: true, limit: 30 },
    sort: ['year', 'title'],
  },
  {
    name: 'placeholder sort deep page',
    body: { sort: ['price:asc', 'id:asc'].slice(0, 1), offset: 40, limit: 25, showRankingScore: true },
    sort: ['price'],
  },
  // Nodes store each document's shard; no query word may match it (a shard number, `3`, included).
  { name: 'a shard number as the query', body: { q: '3', showRankingScore: true, limit: 40 } },
  { name: 'page mode', body: { q: 'search', page: 2, hitsPerPage: 7, showRankingScore: true } },
  { name: 'distinct', body: { q: 'lima', distinct: 'genre', showRankingScore: true } },
  {
    name: 'restricted attributes',
    body: { q: 'tango', attributesToRetrieve: ['title'], showRankingScore: true },
  },
  {
    name: 'array filter',
    body: { filter: [['tags = red', 'tags = blue'], 'year < 2005'], sort: ['id:asc'], limit: 100 },
    sort: ['id'],
  },
];

describe('read path over 3 devnodes, RF=1', () => {
  let cluster: TestCluster;
  const docs = makeDocs(400);

  beforeAll(async () => {
    cluster = await startCluster({
      uid: 'music',
      shards: 6,
      rf: 1,
      primaryKey: 'id',
      settings: SETTINGS,
      documents: docs,
    });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const reference = () => cluster.reference?.client as NonNullable<TestCluster['reference']>['client'];

  it.each(QUERIES)('search "$name" equals one node holding everything', async ({ body, sort }) => {
    const miroir = await post(cluster, '/indexes/music/search', body);
    expect(miroir.status).toBe(200);
    expect(miroir.headers['x-miroir-degraded']).toBeUndefined();
    const single = await reference().search('music', body);
    expect(compareSearch(miroir.body, single, 'id', sort ?? [])).toEqual([]);
  });

  it('GET search converts its parameters as Meilisearch does', async () => {
    const viaGet = await get(
      cluster,
      '/indexes/music/search?q=echo&filter=year%20%3E%3D%202000&facets=genre,tags&limit=5&showRankingScore=true',
    );
    const viaPost = await post(cluster, '/indexes/music/search', {
      q: 'echo',
      filter: 'year >= 2000',
      facets: ['genre', 'tags'],
      limit: 5,
      showRankingScore: true,
    });
    expect(viaGet.status).toBe(200);
    expect(compareSearch(viaGet.body, viaPost.body, 'id')).toEqual([]);
    const bad = await get(cluster, '/indexes/music/search?limit=many');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_search_limit');
  });

  it('multi-search, plain and federated, equals the single node', async () => {
    const plain = {
      queries: [
        { indexUid: 'music', q: 'delta', showRankingScore: true },
        { indexUid: 'music', q: 'bravo', facets: ['genre'], showRankingScore: true },
      ],
    };
    const miroir = await post(cluster, '/multi-search', plain);
    const single = (await reference().multiSearch(plain)) as { results: Body[] };
    expect(miroir.status).toBe(200);
    const results = miroir.body.results as Body[];
    expect(results.map((r) => r.indexUid)).toEqual(['music', 'music']);
    results.forEach((result, i) =>
      expect(compareSearch(result, single.results[i] as Body, 'id')).toEqual([]),
    );

    const federated = {
      federation: { limit: 15, facetsByIndex: { music: ['genre', 'year'] } },
      queries: [
        { indexUid: 'music', q: 'delta', showRankingScore: true },
        { indexUid: 'music', q: 'hotel', federationOptions: { weight: 0.7 }, showRankingScore: true },
      ],
    };
    const fm = await post(cluster, '/multi-search', federated);
    const fs = await reference().multiSearch(federated);
    expect(fm.status).toBe(200);
    expect(compareSearch(fm.body, fs, 'id')).toEqual([]);
    expect((fm.body.hits as Body[]).map((hit) => hit._federation)).toEqual(
      (fs.hits as Body[]).map((hit) => hit._federation),
    );

    const merged = { ...federated, federation: { ...federated.federation, mergeFacets: {} } };
    const mm = await post(cluster, '/multi-search', merged);
    const ms = await reference().multiSearch(merged);
    expect(stable(mm.body.facetDistribution)).toBe(stable(ms.facetDistribution));
  });

  it('facet search sums counts across shards', async () => {
    for (const request of [
      { facetName: 'genre' },
      { facetName: 'tags', facetQuery: 'b' },
      { facetName: 'genre', q: 'alpha', filter: 'year > 2000' },
    ]) {
      const miroir = await post(cluster, '/indexes/music/facet-search', request);
      const single = await reference().facetSearch('music', request);
      expect(miroir.status).toBe(200);
      expect(miroir.body.facetHits).toEqual(single.facetHits);
      expect(miroir.body.facetQuery).toEqual(single.facetQuery);
    }
  });

  it('documents: get one, list every page, fetch with filter, ids and sort', async () => {
    const one = await get(cluster, '/indexes/music/documents/42');
    expect(one.status).toBe(200);
    expect(one.body).toEqual(await reference().getDocument('music', '42'));
    const fields = await get(cluster, '/indexes/music/documents/42?fields=title');
    expect(fields.body).toEqual({ title: docs[41]?.title });
    const missing = await get(cluster, '/indexes/music/documents/100000');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('document_not_found');

    const seen: unknown[] = [];
    for (let offset = 0; offset < 400; offset += 64) {
      const page = await get(cluster, `/indexes/music/documents?offset=${offset}&limit=64`);
      expect(page.body.total).toBe(400);
      seen.push(...(page.body.results as Body[]).map((doc) => doc.id));
    }
    expect(new Set(seen).size).toBe(400);

    const filtered = { filter: 'genre = jazz AND year > 2000', limit: 1000, fields: ['id', 'year'] };
    const fm = await post(cluster, '/indexes/music/documents/fetch', filtered);
    const fsingle = await reference().fetchDocuments('music', filtered);
    expect(fm.body.total).toBe(fsingle.total);
    expect(stable((fm.body.results as Body[]).sort((a, b) => Number(a.id) - Number(b.id)))).toBe(
      stable((fsingle.results as Body[]).sort((a, b) => Number(a.id) - Number(b.id))),
    );

    const sorted = { sort: ['year:desc', 'id:asc'], limit: 30, offset: 10 };
    const sm = await post(cluster, '/indexes/music/documents/fetch', sorted);
    const ss = await reference().fetchDocuments('music', sorted);
    expect(sm.body).toEqual(ss);

    const byIds = await get(cluster, '/indexes/music/documents?ids=5,6,7&fields=id');
    expect((byIds.body.results as Body[]).map((doc) => doc.id).sort()).toEqual([5, 6, 7]);
    expect(byIds.body.total).toBe(3);
  });

  it('stats add up to the single node, reserved fields hidden', async () => {
    const miroir = await get(cluster, '/indexes/music/stats');
    const single = await reference().indexStats('music');
    expect(miroir.status).toBe(200);
    expect(miroir.body.numberOfDocuments).toBe(single.numberOfDocuments);
    expect(miroir.body.fieldDistribution).toEqual(single.fieldDistribution);
    const global = await get(cluster, '/stats');
    expect((global.body.indexes as Record<string, Body>).music?.numberOfDocuments).toBe(400);
    expect(JSON.stringify(global.body)).not.toContain('_miroir_');
    expect((await get(cluster, '/version')).body.pkgVersion).toBe('1.50.0');
    expect((await get(cluster, '/health')).body).toEqual({ status: 'available' });
  });

  it('a filter pinning the primary key reaches only the owning node', async () => {
    cluster.requests.clear();
    const res = await post(cluster, '/indexes/music/search', { filter: 'id = 42' });
    expect((res.body.hits as Body[]).map((hit) => hit.id)).toEqual([42]);
    expect([...cluster.requests.values()].reduce((a, b) => a + b, 0)).toBe(1);
    cluster.requests.clear();
    await post(cluster, '/indexes/music/search', { q: 'alpha' });
    expect(cluster.requests.size).toBe(3);
  });

  it('answers Meilisearch errors, with node names and reserved fields removed', async () => {
    const unknown = await post(cluster, '/indexes/nope/search', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'index_not_found', message: 'Index `nope` not found.' });
    const badLimit = await post(cluster, '/indexes/music/search', { limit: -1 });
    expect(badLimit.body.code).toBe('invalid_search_limit');
    const notFilterable = await post(cluster, '/indexes/music/search', { filter: 'title = x' });
    expect(notFilterable.status).toBe(400);
    expect(notFilterable.body.code).toBe('invalid_search_filter');
    const single = await reference()
      .search('music', { filter: 'title = x' })
      .catch((err: { body: Body }) => err.body);
    expect(notFilterable.body.message).toBe(single.message);
    // Meilisearch 1.50 takes `facets: ["*"]` only when a filterable rule is a wildcard; the list of
    // patterns in its error leaves out the nodes' reserved field.
    const everyFacet = await post(cluster, '/indexes/music/search', { facets: ['*'], limit: 0 });
    const everyFacetSingle = await reference()
      .search('music', { facets: ['*'], limit: 0 })
      .catch((err: { body: Body }) => err.body);
    expect(everyFacet.status).toBe(400);
    expect(everyFacet.body).toMatchObject({
      code: 'invalid_search_facets',
      message: everyFacetSingle.message,
    });
    const inMulti = await post(cluster, '/multi-search', {
      queries: [{ indexUid: 'music' }, { indexUid: 'nope' }],
    });
    expect(inMulti.body).toMatchObject({
      code: 'index_not_found',
      message: 'Inside `.queries[1]`: Index `nope` not found.',
    });
    const badUid = await post(cluster, '/indexes/bad%20uid/search', {});
    expect(badUid.body.code).toBe('invalid_index_uid');
    const badHeader = await post(cluster, '/indexes/music/search', {}, { 'x-miroir-strict': 'maybe' });
    expect(badHeader.body.code).toBe('invalid_header_value');
  });

  it('a lost node degrades with exactly its shards; strict mode fails; a restart heals', async () => {
    const request = { sort: ['id:asc'], limit: 1000 };
    const full = await post(cluster, '/indexes/music/search', request);
    expect((full.body.hits as Body[]).length).toBe(400);
    await cluster.stopNode('n2');
    try {
      const lost = cluster.shardsOnlyOn(['n2']);
      expect(lost.length).toBeGreaterThan(0);
      const degraded = await post(cluster, '/indexes/music/search', request);
      expect(degraded.status).toBe(200);
      expect(degraded.headers['x-miroir-degraded']).toBe(`shards=${lost.join(',')}`);
      const expected = docs.filter((doc) => !lost.includes(cluster.shardOfDoc(doc))).map((doc) => doc.id);
      expect((degraded.body.hits as Body[]).map((hit) => hit.id)).toEqual(expected);

      const strict = await post(cluster, '/indexes/music/search', request, { 'x-miroir-strict': 'true' });
      expect(strict.status).toBe(503);
      expect(strict.body.code).toBe('miroir_shard_unavailable');
      const stats = await get(cluster, '/indexes/music/stats');
      expect(stats.headers['x-miroir-degraded']).toBe(`shards=${lost.join(',')}`);
    } finally {
      await cluster.restartNode('n2');
    }
    // The failed node is skipped for its cooldown, then answers again.
    let healed = await post(cluster, '/indexes/music/search', request);
    for (let i = 0; i < 50 && healed.headers['x-miroir-degraded'] !== undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      healed = await post(cluster, '/indexes/music/search', request);
    }
    expect(healed.headers['x-miroir-degraded']).toBeUndefined();
    expect((healed.body.hits as Body[]).length).toBe(400);
  });
});

describe('read path over 3 devnodes, RF=2', () => {
  let cluster: TestCluster;
  const docs = makeDocs(300, 11);

  beforeAll(async () => {
    cluster = await startCluster({
      uid: 'books',
      shards: 6,
      rf: 2,
      primaryKey: 'id',
      settings: SETTINGS,
      documents: docs,
    });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('counts every shard once although nodes hold two copies', async () => {
    const single = (await cluster.reference?.client.indexStats('books')) as Body;
    const stats = await get(cluster, '/indexes/books/stats');
    expect(stats.body.numberOfDocuments).toBe(300);
    expect(stats.body.fieldDistribution).toEqual(single.fieldDistribution);
    const search = await post(cluster, '/indexes/books/search', {
      q: 'alpha',
      facets: ['genre'],
      showRankingScore: true,
    });
    const reference = (await cluster.reference?.client.search('books', {
      q: 'alpha',
      facets: ['genre'],
      showRankingScore: true,
    })) as Body;
    expect(compareSearch(search.body, reference, 'id')).toEqual([]);
  });

  it('loses no hit and reports nothing when one node stops', async () => {
    await cluster.stopNode('n1');
    try {
      for (const body of [
        { sort: ['id:asc'], limit: 1000 },
        { q: 'echo', facets: ['genre', 'tags'], showRankingScore: true },
      ]) {
        const res = await post(cluster, '/indexes/books/search', body);
        expect(res.status).toBe(200);
        expect(res.headers['x-miroir-degraded']).toBeUndefined();
        const single = (await cluster.reference?.client.search('books', body)) as Body;
        expect(compareSearch(res.body, single, 'id', 'sort' in body ? ['id'] : [])).toEqual([]);
      }
      const doc = await get(cluster, '/indexes/books/documents/17');
      expect(doc.status).toBe(200);
      expect(doc.body.id).toBe(17);
    } finally {
      await cluster.restartNode('n1');
    }
  });
});
