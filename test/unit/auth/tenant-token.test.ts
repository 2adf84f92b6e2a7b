// Tenant tokens: tokens from the official client's generateTenantToken (an independent signer)
// verified by the auth hook; each refusal Meilisearch makes (master key as signer, signing key
// without `search`, expired token, deleted or expired signing key, `alg: none`, bad signature,
// index outside the rules, a token on a non-search route); and the rule's filter ANDed into the
// body every search kind hands to the query service.
import { generateTenantToken } from 'meilisearch/token';
import type { TokenSearchRules } from 'meilisearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKeyValue } from '#core/auth/keys.ts';
import { fuseFilters, tenantFilterOf } from '#core/auth/tenant-token.ts';
import type { QueryService } from '../../../query/service.ts';
import { buildAuthApp, memoryKeyStore } from './app.ts';

const MASTER = 'tenant-master-key-0123456789';
const NOW = Date.now();
const SEARCH_KEY = '11111111-1111-4111-8111-111111111111';
const ADD_KEY = '22222222-2222-4222-8222-222222222222';
const EXPIRED_KEY = '33333333-3333-4333-8333-333333333333';
const DELETED_KEY = '44444444-4444-4444-8444-444444444444';
const MOVIES_ONLY_KEY = '55555555-5555-4555-8555-555555555555';

const store = memoryKeyStore();
const received: Array<{ kind: string; uid?: string; body: unknown }> = [];
const service = new Proxy(
  {},
  {
    get:
      (_t, kind: string) =>
      (...args: unknown[]) => {
        if (kind === 'version') return { body: {}, headers: {} };
        const [first, second] = args;
        received.push(typeof first === 'string' ? { kind, uid: first, body: second } : { kind, body: first });
        return { body: {}, headers: {} };
      },
  },
) as QueryService;
const { app } = buildAuthApp({ masterKey: MASTER, keys: store, service });

async function addKey(uid: string, actions: string[], indexes: string[], expiresAt: number | null = null) {
  await store.append([
    {
      eventId: uid,
      type: 'KeyCreated',
      schemaVersion: 1,
      indexUid: null,
      generation: null,
      timestamp: NOW - 10_000,
      taskUid: null,
      keyUid: uid,
      name: null,
      description: null,
      actions,
      indexes,
      expiresAt,
    },
  ]);
}

const token = (apiKeyUid: string, searchRules: TokenSearchRules, extra: object = {}) =>
  generateTenantToken({ apiKey: deriveKeyValue(apiKeyUid, MASTER), apiKeyUid, searchRules, ...extra });

async function search(bearer: string, index = 'movies', body: object = { q: 'x' }) {
  const response = await app.inject({
    method: 'POST',
    url: `/indexes/${index}/search`,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

const invalid = (message: string) => ({
  status: 403,
  body: {
    message,
    code: 'invalid_api_key',
    type: 'auth',
    link: 'https://docs.meilisearch.com/errors#invalid_api_key',
  },
});

beforeAll(async () => {
  await addKey(SEARCH_KEY, ['search'], ['*']);
  await addKey(ADD_KEY, ['documents.add'], ['*']);
  await addKey(EXPIRED_KEY, ['search'], ['*'], NOW + 60_000);
  await addKey(DELETED_KEY, ['search'], ['*']);
  await addKey(MOVIES_ONLY_KEY, ['search'], ['movies']);
  await app.ready();
});
afterAll(() => app.close());

describe('tenant token refusals', () => {
  it('given a token signed with the master key, when searching, then the signature fails', async () => {
    const forged = await generateTenantToken({ apiKey: MASTER, apiKeyUid: SEARCH_KEY, searchRules: ['*'] });
    expect(await search(forged)).toEqual(invalid('Could not decode tenant token, InvalidSignature.'));
  });

  it('given a token whose signature was altered, when searching, then InvalidSignature', async () => {
    const good = await token(SEARCH_KEY, ['*']);
    const last = good.at(-1) === 'A' ? 'B' : 'A';
    expect(await search(`${good.slice(0, -1)}${last}`)).toEqual(
      invalid('Could not decode tenant token, InvalidSignature.'),
    );
  });

  it('given a signing key without search, when searching, then the key is invalid', async () => {
    expect(await search(await token(ADD_KEY, ['*']))).toEqual(invalid('The provided API key is invalid.'));
  });

  it('given an expired token, when searching, then Meilisearch’s expiry message', async () => {
    const exp = Math.floor(NOW / 1000) - 60;
    const result = await search(await token(SEARCH_KEY, ['*'], { expiresAt: exp }));
    expect(result.status).toBe(403);
    expect(result.body.message).toMatch(
      new RegExp(`^Tenant token expired\\. Was valid up to \`${exp}\` and we're now \`\\d+\`\\.$`),
    );
  });

  it('given a deleted signing key, when searching, then the key is invalid', async () => {
    const signed = await token(DELETED_KEY, ['*']);
    expect((await search(signed)).status).toBe(200);
    await store.append([
      {
        eventId: 'del',
        type: 'KeyDeleted',
        schemaVersion: 1,
        indexUid: null,
        generation: null,
        timestamp: NOW,
        taskUid: null,
        keyUid: DELETED_KEY,
      },
    ]);
    expect(await search(signed)).toEqual(invalid('The provided API key is invalid.'));
  });

  it('given a signing key past its expiry, when searching, then the key is invalid', async () => {
    const signed = await token(EXPIRED_KEY, ['*']);
    const later = buildAuthApp({ masterKey: MASTER, keys: store, service, now: () => NOW + 120_000 });
    const response = await later.app.inject({
      method: 'POST',
      url: '/indexes/movies/search',
      headers: { authorization: `Bearer ${signed}`, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({
      code: 'invalid_api_key',
      message: 'The provided API key is invalid.',
    });
    await later.app.close();
  });

  it('given alg none, when searching, then the header does not decode', async () => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part({ apiKeyUid: SEARCH_KEY, searchRules: ['*'] })}.`;
    const result = await search(unsigned);
    expect(result.status).toBe(403);
    expect(result.body).toMatchObject({ code: 'invalid_api_key' });
    expect(result.body.message).toMatch(
      /^Could not decode tenant token, JSON error: unknown variant `none`, expected one of `HS256`/,
    );
  });

  it('given an index outside the search rules, when searching, then the tenant token error lists its indexes', async () => {
    expect(await search(await token(SEARCH_KEY, { books: null, 'mov*': null }), 'series')).toEqual(
      invalid(
        'The provided tenant token cannot acces the index `series`, allowed indexes are ["books", "mov*"].',
      ),
    );
  });

  it('given a signing key scoped to another index, when searching that index, then the parent key error', async () => {
    expect(await search(await token(MOVIES_ONLY_KEY, ['*']), 'books')).toEqual(
      invalid('The API key used to generate this tenant token cannot acces the index `books`.'),
    );
  });

  it('given a valid token on a documents route, when fetching, then it is not an API key', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/indexes/movies/documents',
      headers: { authorization: `Bearer ${await token(SEARCH_KEY, ['*'])}` },
    });
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({
      code: 'invalid_api_key',
      message: 'The provided API key is invalid.',
    });
  });
});

describe('tenant token filters reach every search kind', () => {
  const rules = { movies: { filter: 'genre = horror' }, 'b*': { filter: ['year > 2000'] }, books: null };

  it('given rules, when a filter is chosen, then the most specific pattern wins and null means none', () => {
    const parsed = { kind: 'map' as const, rules: new Map(Object.entries(rules)) };
    expect(tenantFilterOf(parsed, 'movies')).toBe('genre = horror');
    expect(tenantFilterOf(parsed, 'books')).toBeUndefined();
    expect(tenantFilterOf(parsed, 'bikes')).toEqual(['year > 2000']);
    expect(fuseFilters(['a', ['b', 'c']], 'd')).toEqual(['a', ['b', 'c'], 'd']);
    expect(fuseFilters(undefined, 'd')).toBe('d');
  });

  it('given a token, when search, GET search, facet search, multi-search and federated search run, then each body carries the fused filter', async () => {
    const bearer = await token(SEARCH_KEY, rules);
    const headers = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' };
    received.length = 0;
    await app.inject({
      method: 'POST',
      url: '/indexes/movies/search',
      headers,
      payload: JSON.stringify({ filter: 'year = 1999' }),
    });
    await app.inject({
      method: 'GET',
      url: '/indexes/movies/search?q=x',
      headers: { authorization: headers.authorization },
    });
    await app.inject({
      method: 'POST',
      url: '/indexes/bikes/facet-search',
      headers,
      payload: JSON.stringify({ facetName: 'genre', filter: ['a', 'b'] }),
    });
    await app.inject({
      method: 'POST',
      url: '/multi-search',
      headers,
      payload: JSON.stringify({ queries: [{ indexUid: 'movies' }, { indexUid: 'books', filter: 'x = 1' }] }),
    });
    await app.inject({
      method: 'POST',
      url: '/multi-search',
      headers,
      payload: JSON.stringify({ federation: {}, queries: [{ indexUid: 'bikes', filter: 'x = 1' }] }),
    });
    expect(received.map((r) => [r.kind, r.uid, (r.body as { filter?: unknown }).filter])).toEqual([
      ['search', 'movies', ['year = 1999', 'genre = horror']],
      ['search', 'movies', 'genre = horror'],
      ['facetSearch', 'bikes', ['a', 'b', 'year > 2000']],
      ['multiSearch', undefined, undefined],
      ['multiSearch', undefined, undefined],
    ]);
    const multi = received[3]?.body as { queries: Array<{ filter?: unknown }> };
    expect(multi.queries.map((q) => q.filter)).toEqual(['genre = horror', 'x = 1']);
    const federated = received[4]?.body as { queries: Array<{ filter?: unknown }>; federation: object };
    expect(federated.queries.map((q) => q.filter)).toEqual([['x = 1', 'year > 2000']]);
  });

  it('given a multi-search naming an index outside the token, when run, then refused at that query', async () => {
    const bearer = await token(SEARCH_KEY, rules);
    const response = await app.inject({
      method: 'POST',
      url: '/multi-search',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ queries: [{ indexUid: 'movies' }, { indexUid: 'series' }] }),
    });
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({
      code: 'invalid_api_key',
      message: 'Inside `.queries[1]`: The provided API key is invalid.',
    });
  });
});
