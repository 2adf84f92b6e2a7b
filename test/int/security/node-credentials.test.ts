// Node credentials never leave Miroir, client credentials never reach nodes (F-S02). A cluster
// whose nodes have master keys, with `nodes[].apiKey` set from the environment, logging at trace
// (the most it ever writes), serves writes, every kind of read, errors, topology and metrics, then
// loses a node. Nothing it wrote or answered holds a node key; every request a node received
// carried that node's own key and nothing of the client's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecuredCluster, type SecuredCluster } from './secured-cluster.ts';

const NODE_KEYS = ['nodekey-alpha-5b1d8e3f9c2a7d4e', 'nodekey-bravo-0c9f2e7a1b3d5f68'];
const CLIENT_KEY = 'client-credential-e4d2a9c7b5f3';
const CLIENT = { authorization: `Bearer ${CLIENT_KEY}` };

let cluster: SecuredCluster;

beforeAll(async () => {
  cluster = await startSecuredCluster({ level: 'trace', nodeKeys: NODE_KEYS });
});

afterAll(async () => {
  await cluster?.close();
});

async function exercise(c: SecuredCluster): Promise<void> {
  const json = (body: unknown) => ({ body, headers: CLIENT });
  const write = await c.call(
    'POST',
    '/indexes/books/documents',
    json(
      Array.from({ length: 20 }, (_, i) => ({ id: i, title: `Book ${i}`, genre: i % 2 ? 'odd' : 'even' })),
    ),
  );
  expect(write.status).toBe(202);
  expect((await c.waitForTask((JSON.parse(write.body) as { taskUid: number }).taskUid, CLIENT)).status).toBe(
    'succeeded',
  );
  const settings = await c.call(
    'PATCH',
    '/indexes/books/settings',
    json({ filterableAttributes: ['genre'] }),
  );
  await c.waitForTask((JSON.parse(settings.body) as { taskUid: number }).taskUid, CLIENT);

  const reads: Array<[string, string, unknown?]> = [
    ['POST', '/indexes/books/search', { q: 'book', filter: 'genre = odd' }],
    ['GET', '/indexes/books/search?q=book&limit=3'],
    ['POST', '/multi-search', { queries: [{ indexUid: 'books', q: 'book' }] }],
    ['POST', '/multi-search', { federation: {}, queries: [{ indexUid: 'books', q: 'book' }] }],
    ['POST', '/indexes/books/facet-search', { facetName: 'genre', facetQuery: 'od' }],
    ['POST', '/indexes/books/documents/fetch', { limit: 5 }],
    ['GET', '/indexes/books/documents/3'],
    ['GET', '/indexes/books/stats'],
    ['GET', '/stats'],
    ['GET', '/version'],
    ['GET', '/tasks'],
    ['GET', '/indexes/books/settings'],
    ['GET', '/_miroir/topology'],
    ['GET', '/health'],
    ['GET', '/metrics'],
  ];
  for (const [method, path, body] of reads) {
    const answer = await c.call(method, path, body === undefined ? { headers: CLIENT } : json(body));
    expect(answer.status, `${method} ${path}: ${answer.body}`).toBe(200);
  }

  // Errors: Miroir's own, and the nodes' relayed.
  const errors: Array<[string, string, unknown?]> = [
    ['POST', '/indexes/missing/search', { q: 'x' }],
    ['POST', '/indexes/books/search', { filter: 'title = x' }],
    ['POST', '/indexes/books/search', { filter: 'genre = = broken' }],
    ['GET', '/indexes/books/documents/999'],
    ['POST', '/indexes/books/facet-search', { facetName: 'title' }],
    ['POST', '/indexes/books/documents', '[{"id": 1, "title": '],
  ];
  for (const [method, path, body] of errors) {
    const answer = await c.call(method, path, body === undefined ? { headers: CLIENT } : json(body));
    expect(answer.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
  }

  // A node goes away: reads fan out to it and fail, the indexer retries writes to it.
  await c.stopNode(1);
  await c.call('POST', '/indexes/books/search', json({ q: 'book' }));
  await c.call('GET', '/indexes/books/documents/1', { headers: CLIENT });
  const late = await c.call('POST', '/indexes/books/documents', json([{ id: 100, title: 'After the loss' }]));
  expect(late.status).toBe(202);
  const deadline = Date.now() + 10_000;
  while (!/remote_could_not_send_request|ECONNREFUSED/.test(c.output()) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  await c.call('GET', '/metrics');
  await c.call('GET', '/_miroir/topology');
}

describe('node credentials', () => {
  it('given secured nodes, when the cluster serves writes, reads, errors and a node loss, then no node key leaves Miroir and no client key reaches a node', async () => {
    await exercise(cluster);
    const output = cluster.output();
    // The audit saw a real run: debug lines, node failures, metrics.
    expect(output).toContain('"level":"debug"');
    expect(output).toMatch(/remote_could_not_send_request|ECONNREFUSED/);
    expect(cluster.answers.some((a) => a.path === '/metrics' && a.body.includes('http_requests_total'))).toBe(
      true,
    );

    for (const key of NODE_KEYS) {
      expect(output.includes(key), `node key in the log`).toBe(false);
      for (const answer of cluster.answers)
        expect(
          `${answer.headers}\n${answer.body}`.includes(key),
          `node key in ${answer.method} ${answer.path}`,
        ).toBe(false);
    }

    expect(cluster.nodeRequests.length).toBeGreaterThan(20);
    for (const request of cluster.nodeRequests) {
      const key = NODE_KEYS[Number(request.node.slice(1)) - 1];
      expect(request.headers.authorization, `${request.method} ${request.url}`).toBe(`Bearer ${key}`);
      expect(JSON.stringify(request).includes(CLIENT_KEY)).toBe(false);
    }
    // Reads and writes both reached the nodes.
    expect(cluster.nodeRequests.some((r) => r.url.endsWith('/search') || r.url === '/multi-search')).toBe(
      true,
    );
    expect(cluster.nodeRequests.some((r) => r.method === 'POST' && r.url.includes('/documents'))).toBe(true);
  });
});
