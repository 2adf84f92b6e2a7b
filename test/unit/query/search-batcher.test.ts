// Coalescing of node searches: searches for one node in the same turn leave as one multi-search
// whose results go back to their callers, a lone search stays a plain search, a refused batch is
// re-sent search by search, a transport failure fails every search of the batch.
import { describe, expect, it } from 'vitest';
import { NodeApiError, type Json, type JsonBody, type NodeClient } from '#adapters/node-client.ts';
import { miroirError } from '#core/errors.ts';
import { SearchBatcher } from '../../../query/search-batcher.ts';

type Mode = 'ok' | 'refuse-batch' | 'down';

/** A node answering each search with its own `q`, recording what it was sent. */
function fakeNode(mode: Mode = 'ok') {
  const searches: { uid: string; body: Json }[] = [];
  const batches: Json[] = [];
  const parse = (body: JsonBody): Json => (typeof body === 'string' ? (JSON.parse(body) as Json) : body);
  const answer = (body: Json): Json => ({ hits: [{ q: body.q }], query: body.q, processingTimeMs: 0 });
  const unreachable = () =>
    Promise.reject(miroirError('remote_could_not_send_request', 'down', { retriable: true }));
  const refused = (message: string) =>
    Promise.reject(
      new NodeApiError('n1', 400, { message, code: 'invalid_search_q', type: 'invalid_request', link: '' }),
    );
  const client = {
    nodeId: 'n1',
    search(uid: string, body: JsonBody) {
      if (mode === 'down') return unreachable();
      const parsed = parse(body);
      searches.push({ uid, body: parsed });
      if (parsed.q === 'bad') return refused('bad');
      return Promise.resolve(answer(parsed));
    },
    multiSearch(body: JsonBody) {
      if (mode === 'down') return unreachable();
      const parsed = parse(body);
      batches.push(parsed);
      const queries = parsed.queries as Json[];
      if (mode === 'refuse-batch' || queries.some((query) => query.q === 'bad'))
        return refused('Inside `.queries[1]`: bad');
      return Promise.resolve({
        results: queries.map((query) => ({ indexUid: query.indexUid, ...answer(query) })),
      });
    },
  } as unknown as NodeClient;
  return { client, searches, batches };
}

describe('SearchBatcher', () => {
  it('sends searches of the same turn as one multi-search and hands each its own result', async () => {
    const { client, searches, batches } = fakeNode();
    const batcher = new SearchBatcher();
    const [a, b, c] = await Promise.all([
      batcher.search(client, 'books--g0', { q: 'a', limit: 5 }),
      batcher.search(client, 'books--g0', JSON.stringify({ q: 'b' })),
      batcher.search(client, 'movies--g0', {}),
    ]);
    expect(searches).toEqual([]);
    expect(batches).toEqual([
      {
        queries: [
          { indexUid: 'books--g0', q: 'a', limit: 5 },
          { indexUid: 'books--g0', q: 'b' },
          { indexUid: 'movies--g0' },
        ],
      },
    ]);
    // Each answer is the node's `/search` shape: no `indexUid` key.
    expect(a).toEqual({ hits: [{ q: 'a' }], query: 'a', processingTimeMs: 0 });
    expect(b).toEqual({ hits: [{ q: 'b' }], query: 'b', processingTimeMs: 0 });
    expect(c).toEqual({ hits: [{}], processingTimeMs: 0 });
  });

  it('sends a lone search as a plain search', async () => {
    const { client, searches, batches } = fakeNode();
    const answer = await new SearchBatcher().search(client, 'books--g0', { q: 'solo' });
    expect(answer.query).toBe('solo');
    expect(searches).toEqual([{ uid: 'books--g0', body: { q: 'solo' } }]);
    expect(batches).toEqual([]);
  });

  it('re-sends a refused batch search by search, so each gets its own answer or error', async () => {
    const { client, searches, batches } = fakeNode();
    const batcher = new SearchBatcher();
    const [good, bad] = await Promise.allSettled([
      batcher.search(client, 'books--g0', { q: 'good' }),
      batcher.search(client, 'books--g0', { q: 'bad' }),
    ]);
    expect(batches).toHaveLength(1);
    expect(searches.map((s) => s.body.q)).toEqual(['good', 'bad']);
    expect(good.status === 'fulfilled' && good.value.query).toBe('good');
    expect(bad.status === 'rejected' && (bad.reason as NodeApiError).message).toBe('bad');
  });

  it('fails every search of a batch the node could not be reached for, as retriable', async () => {
    const { client } = fakeNode('down');
    const batcher = new SearchBatcher();
    const results = await Promise.allSettled([
      batcher.search(client, 'books--g0', { q: 'a' }),
      batcher.search(client, 'books--g0', { q: 'b' }),
    ]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect(result.status === 'rejected' && (result.reason as { retriable: boolean }).retriable).toBe(true);
    }
  });

  it('lets a cancelled search leave its batch at once with the signal reason', async () => {
    const { client, batches, searches } = fakeNode();
    const batcher = new SearchBatcher();
    const controller = new AbortController();
    const cancelled = batcher.search(client, 'books--g0', { q: 'a' }, { signal: controller.signal });
    const kept = batcher.search(client, 'books--g0', { q: 'b' });
    controller.abort(new Error('hedge lost'));
    await expect(cancelled).rejects.toThrow('hedge lost');
    expect((await kept).query).toBe('b');
    // Only the live search went out, alone.
    expect(batches).toEqual([]);
    expect(searches.map((s) => s.body.q)).toEqual(['b']);
  });

  it('does not batch a body naming an index itself', async () => {
    const { client, searches, batches } = fakeNode();
    const batcher = new SearchBatcher();
    await Promise.all([
      batcher.search(client, 'books--g0', { q: 'a', indexUid: 'other' }),
      batcher.search(client, 'books--g0', { q: 'b' }),
    ]);
    expect(batches).toEqual([]);
    expect(searches).toHaveLength(2);
  });
});
