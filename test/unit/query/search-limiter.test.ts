// The per-client bound on running searches: a client past it gets 429, Retry-After and
// Meilisearch's too_many_search_requests error, other clients are unaffected, slots come back
// when answers leave, and routes that are not searches are never counted.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApp } from '#adapters/http-server.ts';
import { createLogger } from '#adapters/logger.ts';
import {
  installSearchLimiter,
  RETRY_AFTER_SECONDS,
  type SearchLimiter,
} from '../../../query/search-limiter.ts';
import { captureLogs } from '../adapters/log-capture.ts';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app whose search routes wait until `open()` is called, so searches stay running. */
function build(limit: number): { app: FastifyInstance; limiter: SearchLimiter | undefined; open(): void } {
  const logger = createLogger({ service: 'test', level: 'warn', destination: captureLogs().stream });
  const built = createHttpApp({ logger, bodyLimit: 10_000 });
  const limiter = installSearchLimiter(built, limit);
  let openGate: () => void = () => {};
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const search = async (): Promise<{ hits: unknown[] }> => {
    await gate;
    return { hits: [] };
  };
  built.post('/indexes/:indexUid/search', search);
  built.get('/indexes/:indexUid/search', search);
  built.post('/multi-search', search);
  built.post('/indexes/:indexUid/documents', async () => {
    await gate;
    return { taskUid: 1 };
  });
  app = built;
  return { app: built, limiter, open: () => openGate() };
}

const searchAs = (a: FastifyInstance, authorization?: string, remoteAddress = '10.0.0.1') =>
  a.inject({
    method: 'POST',
    url: '/indexes/books/search',
    payload: { q: 'x' },
    remoteAddress,
    ...(authorization !== undefined ? { headers: { authorization } } : {}),
  });

/** Lets the injected requests reach their handlers. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('search limiter', () => {
  it('given a client at its bound, when it searches again, then it gets 429 with Retry-After and too_many_search_requests', async () => {
    const { app: a, open } = build(2);
    const running = [searchAs(a, 'Bearer key-a'), searchAs(a, 'Bearer key-a')];
    await settle();
    const refused = await searchAs(a, 'Bearer key-a');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
    expect(refused.json()).toEqual({
      message: 'Too many search requests running at the same time: 2. Retry after 10s.',
      code: 'too_many_search_requests',
      type: 'system',
      link: 'https://docs.meilisearch.com/errors#too_many_search_requests',
    });
    open();
    expect((await Promise.all(running)).map((r) => r.statusCode)).toEqual([200, 200]);
  });

  it('given one client at its bound, when another key or another address searches, then it is served', async () => {
    const { app: a, open } = build(1);
    const running = [searchAs(a, 'Bearer key-a'), searchAs(a, undefined, '10.0.0.1')];
    await settle();
    const others = [searchAs(a, 'Bearer key-b'), searchAs(a, undefined, '10.0.0.2')];
    // The same address with a key is the key's client, not the address's.
    const keyed = searchAs(a, 'Bearer key-c', '10.0.0.1');
    await settle();
    expect((await searchAs(a, undefined, '10.0.0.1')).statusCode).toBe(429);
    open();
    const answers = await Promise.all([...running, ...others, keyed]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
  });

  it('given answered searches, when the client searches again, then its slots are free and nothing is left counted', async () => {
    const { app: a, limiter, open } = build(1);
    open();
    for (let i = 0; i < 5; i++) expect((await searchAs(a, 'Bearer key-a')).statusCode).toBe(200);
    const again = [await searchAs(a, 'Bearer key-a'), await searchAs(a, 'Bearer key-a')];
    expect(again.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(limiter?.clients).toBe(0);
  });

  it('given GET search and multi-search, when over the bound, then they count with the POST searches', async () => {
    const { app: a, open } = build(2);
    const running = [
      a.inject({ method: 'GET', url: '/indexes/books/search?q=x', headers: { authorization: 'Bearer k' } }),
      a.inject({
        method: 'POST',
        url: '/multi-search',
        payload: { queries: [] },
        headers: { authorization: 'Bearer k' },
      }),
    ];
    await settle();
    expect((await searchAs(a, 'Bearer k')).statusCode).toBe(429);
    open();
    await Promise.all(running);
  });

  it('given a write route, when many run at once, then none is counted', async () => {
    const { app: a, open } = build(1);
    const writes = Array.from({ length: 3 }, () =>
      a.inject({
        method: 'POST',
        url: '/indexes/books/documents',
        payload: [{ id: 1 }],
        headers: { authorization: 'Bearer k' },
      }),
    );
    await settle();
    open();
    expect((await Promise.all(writes)).map((r) => r.statusCode)).toEqual([200, 200, 200]);
  });

  it('given a limit of 0, when installed, then no limit applies', async () => {
    const { app: a, limiter, open } = build(0);
    expect(limiter).toBeUndefined();
    const running = Array.from({ length: 5 }, () => searchAs(a, 'Bearer k'));
    await settle();
    open();
    expect((await Promise.all(running)).every((r) => r.statusCode === 200)).toBe(true);
  });
});
