// No document, query text or key in any log line at info (F-S04, F-O03). A cluster logging at
// info (the production level) serves writes in every format, searches of every kind, deletions
// by filter and a run of failing requests, all carrying distinctive strings; its whole log is then
// searched for each of them. The run is checked to have logged (requests, a node failure), so
// an empty log cannot pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecuredCluster, type SecuredCluster } from './secured-cluster.ts';

const NODE_KEYS = ['nodekey-charlie-93be1f0a6c2d4e57', 'nodekey-delta-2a7c9e1b4d6f8a03'];
const CLIENT_KEY = 'client-credential-7b3e9d1f5a2c';
const SECRETS = {
  documentText: 'zanzibarquokka',
  documentId: 'docid-xylophone-77',
  ndjsonText: 'ndjsonnarwhal',
  csvText: 'csvcapybara',
  updateText: 'partialpelican',
  queryText: 'pangolinquest',
  getQueryText: 'getsearchgecko',
  filterValue: 'marmaladefilter93',
  facetQuery: 'facetwombat',
  multiQuery: 'multimeerkat',
  deleteFilter: 'deletefilterdingo',
  malformedBody: 'malformedmongoose',
  badFilter: 'badfilterbadger',
  missingDocument: 'missingmarmoset',
  clientKey: CLIENT_KEY,
  nodeKey0: NODE_KEYS[0] as string,
  nodeKey1: NODE_KEYS[1] as string,
};

const CLIENT = { authorization: `Bearer ${CLIENT_KEY}` };

let cluster: SecuredCluster;

beforeAll(async () => {
  cluster = await startSecuredCluster({ level: 'info', nodeKeys: NODE_KEYS });
});

afterAll(async () => {
  await cluster?.close();
});

async function waitFor(c: SecuredCluster, answer: { body: string }): Promise<void> {
  const { taskUid } = JSON.parse(answer.body) as { taskUid: number };
  await c.waitForTask(taskUid, CLIENT);
}

async function exercise(c: SecuredCluster): Promise<void> {
  const json = (body: unknown) => ({ body, headers: CLIENT });
  await waitFor(
    c,
    await c.call(
      'POST',
      '/indexes/audit/documents',
      json([
        { id: SECRETS.documentId, title: `The ${SECRETS.documentText} story`, genre: SECRETS.filterValue },
        { id: 'plain', title: 'Another book', genre: SECRETS.facetQuery },
      ]),
    ),
  );
  await waitFor(
    c,
    await c.call('PATCH', '/indexes/audit/settings', json({ filterableAttributes: ['genre'] })),
  );
  await waitFor(
    c,
    await c.call('POST', '/indexes/audit/documents', {
      body: `{"id":"nd1","title":"${SECRETS.ndjsonText}"}\n`,
      contentType: 'application/x-ndjson',
      headers: CLIENT,
    }),
  );
  await waitFor(
    c,
    await c.call('POST', '/indexes/audit/documents', {
      body: `id,title\ncsv1,${SECRETS.csvText}\n`,
      contentType: 'text/csv',
      headers: CLIENT,
    }),
  );
  await waitFor(
    c,
    await c.call('PUT', '/indexes/audit/documents', json([{ id: 'plain', note: SECRETS.updateText }])),
  );

  const search = await c.call(
    'POST',
    '/indexes/audit/search',
    json({ q: SECRETS.queryText, filter: `genre = ${SECRETS.filterValue}` }),
  );
  expect(search.status).toBe(200);
  const found = await c.call('POST', '/indexes/audit/search', json({ q: SECRETS.documentText }));
  expect(found.body).toContain(SECRETS.documentId);
  expect(
    (await c.call('GET', `/indexes/audit/search?q=${SECRETS.getQueryText}`, { headers: CLIENT })).status,
  ).toBe(200);
  expect(
    (
      await c.call(
        'POST',
        '/multi-search',
        json({
          queries: [{ indexUid: 'audit', q: SECRETS.multiQuery, filter: `genre = ${SECRETS.filterValue}` }],
        }),
      )
    ).status,
  ).toBe(200);
  expect(
    (
      await c.call(
        'POST',
        '/indexes/audit/facet-search',
        json({ facetName: 'genre', facetQuery: SECRETS.facetQuery }),
      )
    ).status,
  ).toBe(200);
  expect(
    (await c.call('GET', `/indexes/audit/documents/${SECRETS.documentId}`, { headers: CLIENT })).status,
  ).toBe(200);
  await waitFor(
    c,
    await c.call(
      'POST',
      '/indexes/audit/documents/delete',
      json({ filter: `genre = ${SECRETS.deleteFilter}` }),
    ),
  );

  // Failing requests: their messages may quote the request, their log lines must not.
  const failing = [
    await c.call('POST', '/indexes/audit/documents', {
      body: `[{"id":1,"title":"${SECRETS.malformedBody}"`,
      headers: CLIENT,
    }),
    await c.call('POST', '/indexes/audit/search', json({ filter: `genre = ${SECRETS.badFilter} AND` })),
    await c.call(
      'POST',
      '/indexes/audit/search',
      json({ q: SECRETS.queryText, sort: [`${SECRETS.badFilter}:asc`] }),
    ),
    await c.call('GET', `/indexes/audit/documents/${SECRETS.missingDocument}`, { headers: CLIENT }),
    await c.call('POST', `/indexes/audit/search`, json({ q: SECRETS.queryText, limit: SECRETS.badFilter })),
  ];
  expect(failing.map((a) => a.status >= 400)).toEqual([true, true, true, true, true]);

  // A node goes away: its failures are logged, with no request content.
  await c.stopNode(1);
  await c.call('POST', '/indexes/audit/search', json({ q: SECRETS.queryText }));
  await c.call('POST', '/indexes/audit/documents', json([{ id: 'late', title: SECRETS.documentText }]));
  const deadline = Date.now() + 10_000;
  while (!/remote_could_not_send_request/.test(c.output()) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
}

describe('log audit at info', () => {
  it('given writes, searches and failures carrying distinctive strings, when the log is read, then none of them is in it', async () => {
    await exercise(cluster);
    const output = cluster.output();
    const lines = output.split('\n').filter((l) => l.trim() !== '');
    // The log is real: one line per request, node failures, nothing below info.
    expect(lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThan(15);
    expect(output).toContain('remote_could_not_send_request');
    expect(output).not.toMatch(/"level":"(debug|trace)"/);

    const leaks = Object.entries(SECRETS).flatMap(([what, value]) =>
      lines.filter((line) => line.includes(value)).map((line) => `${what}: ${line}`),
    );
    expect(leaks).toEqual([]);
  });
});
