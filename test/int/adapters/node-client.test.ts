// The node client against a real devnode: every route it wraps, and the three failure kinds
// (the node's error object, transport failure, timeout).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeClient, isNodeApiError, NodeApiError, type NodeClient } from '#adapters/node-client.ts';
import { isMiroirError } from '#core/errors.ts';
import { startDevnode, type RunningDevnode } from '#devnode/server.ts';

const MASTER_KEY = 'node-client-test-master-key';
let dir: string;
let node: RunningDevnode;
let client: NodeClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'node-client-'));
  node = await startDevnode({ port: 0, dataDir: dir, masterKey: MASTER_KEY });
  client = createNodeClient({ nodeId: 'n1', url: node.url, apiKey: MASTER_KEY, timeoutMs: 5_000 });
});

afterAll(async () => {
  await client.close();
  await node.close();
  rmSync(dir, { recursive: true, force: true });
});

async function succeeded(task: Promise<{ taskUid: number }>): Promise<Record<string, unknown>> {
  const { taskUid } = await task;
  const done = await client.waitForTask(taskUid, { timeoutMs: 20_000 });
  expect(done.error).toBeNull();
  expect(done.status).toBe('succeeded');
  return done.details ?? {};
}

describe('node client against a devnode', () => {
  it('answers health and stats', async () => {
    expect(await client.health()).toEqual({ status: 'available' });
    expect(await client.stats()).toHaveProperty('indexes');
  });

  it('manages an index, its documents and settings', async () => {
    const uid = `books_${process.pid}`;
    await succeeded(client.createIndex(uid, 'id'));
    expect(await client.getIndex(uid)).toMatchObject({ uid, primaryKey: 'id' });

    await succeeded(
      client.updateSettings(uid, {
        filterableAttributes: ['genre', '_miroir_shard'],
        sortableAttributes: ['year'],
      }),
    );
    expect((await client.getSettings(uid)).filterableAttributes).toEqual(
      expect.arrayContaining(['genre', '_miroir_shard']),
    );

    const docs = Buffer.from(
      JSON.stringify([
        { id: 1, title: 'Dune', genre: 'sf', year: 1965, _miroir_shard: { s0: null } },
        { id: 2, title: 'Emma', genre: 'classic', year: 1815, _miroir_shard: { s1: null } },
        { id: 3, title: 'Solaris', genre: 'sf', year: 1961, _miroir_shard: { s1: null } },
      ]),
    );
    expect(await succeeded(client.addDocuments(uid, docs, { primaryKey: 'id' }))).toMatchObject({
      indexedDocuments: 3,
    });
    await succeeded(client.updateDocuments(uid, [{ id: 2, year: 1816 }]));
    expect(await client.getDocument(uid, '2', { fields: ['id', 'year'] })).toEqual({ id: 2, year: 1816 });

    const fetched = await client.fetchDocuments(uid, { filter: 'genre = sf', fields: ['id'] });
    expect(fetched).toMatchObject({ total: 2 });

    const search = await client.search(uid, { q: 'dune', showRankingScore: true });
    expect((search.hits as { id: number }[]).map((h) => h.id)).toEqual([1]);
    const multi = await client.multiSearch({ queries: [{ indexUid: uid, q: 'solaris' }] });
    expect((multi.results as unknown[]).length).toBe(1);
    await succeeded(client.updateSettings(uid, { faceting: { maxValuesPerFacet: 1000 } }));
    const facets = await client.facetSearch(uid, { facetName: 'genre', facetQuery: 's' });
    expect(facets.facetHits).toEqual([{ value: 'sf', count: 2 }]);

    // Shard-scoped deletions, as the indexer sends them.
    expect(
      await succeeded(client.deleteDocumentsByFilter(uid, ['genre = sf', '_miroir_shard.s1 EXISTS'])),
    ).toMatchObject({ deletedDocuments: 1 });
    expect(await succeeded(client.deleteDocuments(uid, ['1', '404']))).toMatchObject({ deletedDocuments: 1 });
    expect(await client.indexStats(uid)).toMatchObject({ numberOfDocuments: 1 });
    await succeeded(client.clearDocuments(uid));
    expect(await client.indexStats(uid)).toMatchObject({ numberOfDocuments: 0 });
    await succeeded(client.updatePrimaryKey(uid, 'isbn'));
    expect(await client.getIndex(uid)).toMatchObject({ primaryKey: 'isbn' });
    await succeeded(client.deleteIndex(uid));
  });

  it('keeps the node error object, not retriable, for a 4xx answer', async () => {
    const err = await client.getIndex('missing_index').catch((e: unknown) => e);
    expect(isNodeApiError(err)).toBe(true);
    const apiError = err as NodeApiError;
    expect(apiError.status).toBe(404);
    expect(apiError.body).toEqual({
      message: 'Index `missing_index` not found.',
      code: 'index_not_found',
      type: 'invalid_request',
      link: 'https://docs.meilisearch.com/errors#index_not_found',
    });
    expect(apiError.retriable).toBe(false);
  });

  it('reports a failed task with its error instead of throwing', async () => {
    const uid = `bad_${process.pid}`;
    const enqueued = await client.addDocuments(uid, [{ id: 'not valid!' }], { primaryKey: 'id' });
    const task = await client.waitForTask(enqueued.taskUid, { timeoutMs: 20_000 });
    expect(task.status).toBe('failed');
    expect(task.error?.code).toBe('invalid_document_id');
  });

  it('sends the API key: a wrong key is the node auth error', async () => {
    const wrong = createNodeClient({ nodeId: 'n1', url: node.url, apiKey: 'wrong-key-wrong-key' });
    const err = await wrong.stats().catch((e: unknown) => e);
    await wrong.close();
    expect(err).toBeInstanceOf(NodeApiError);
    expect((err as NodeApiError).code).toBe('invalid_api_key');
  });

  it('turns a refused connection into a retriable transport error', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const dead = createNodeClient({ nodeId: 'dead', url: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    const err = await dead.health().catch((e: unknown) => e);
    await dead.close();
    expect(isMiroirError(err) && err.code).toBe('remote_could_not_send_request');
    expect((err as { retriable: boolean }).retriable).toBe(true);
  });

  it('turns a silent node into a retriable timeout, and a 503 into a retriable node error', async () => {
    let mode: 'hang' | 'unavailable' = 'hang';
    const server: Server = createServer((req, res) => {
      if (mode === 'hang') return; // never answers
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '10' });
      res.end(
        JSON.stringify({
          message: 'Too many search requests running at the same time: 3. Retry after 10s.',
          code: 'too_many_search_requests',
          type: 'system',
          link: 'https://docs.meilisearch.com/errors#too_many_search_requests',
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const slow = createNodeClient({ nodeId: 'slow', url: `http://127.0.0.1:${port}`, timeoutMs: 200 });
    try {
      const timedOut = await slow.health().catch((e: unknown) => e);
      expect(isMiroirError(timedOut) && timedOut.code).toBe('remote_timeout');
      expect((timedOut as { retriable: boolean }).retriable).toBe(true);
      mode = 'unavailable';
      const busy = await slow.search('x', { q: 'a' }).catch((e: unknown) => e);
      expect(busy).toBeInstanceOf(NodeApiError);
      expect((busy as NodeApiError).code).toBe('too_many_search_requests');
      expect((busy as NodeApiError).retriable).toBe(true);
    } finally {
      await slow.close().catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('cancels a request through its signal, with the signal reason, and reads GET /version', async () => {
    let requests = 0;
    const server: Server = createServer(() => {
      requests += 1; // never answers
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const hung = createNodeClient({ nodeId: 'hung', url: `http://127.0.0.1:${port}`, timeoutMs: 10_000 });
    try {
      const controller = new AbortController();
      const started = performance.now();
      const pending = hung
        .search('x', JSON.stringify({ q: 'a' }), { signal: controller.signal })
        .catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort(new Error('hedge lost'));
      const err = await pending;
      expect(performance.now() - started).toBeLessThan(2_000);
      expect((err as Error).message).toBe('hedge lost');
      expect(requests).toBe(1);
      // An already aborted signal sends nothing.
      const early = await hung
        .search('x', { q: 'a' }, { signal: controller.signal })
        .catch((e: unknown) => e);
      expect((early as Error).message).toBe('hedge lost');
      expect(requests).toBe(1);
    } finally {
      await hung.close().catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const version = await client.version();
    expect(typeof version.pkgVersion).toBe('string');
  });

  it('rejects a node url that is not http(s)', () => {
    expect(() => createNodeClient({ nodeId: 'x', url: 'ftp://example.com' })).toThrow(
      /must use http or https/,
    );
    expect(() => createNodeClient({ nodeId: 'x', url: 'not a url' })).toThrow(/invalid url/);
  });
});
