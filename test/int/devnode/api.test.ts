// Contract: indexes, settings round trips, tasks API filters, stats, swap, auth, and the
// error codes (code, type, status) Meilisearch gives for bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Meilisearch } from 'meilisearch';
import { expectApiError, startTestNode, uniqueIndex, type TestNode } from './helpers.ts';

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode();
});
afterAll(async () => {
  await t.stop();
});

describe('indexes and settings', () => {
  it('creates, lists, updates and deletes indexes, failing the task on conflicts', async () => {
    const uid = uniqueIndex('idx');
    const created = await t.client.createIndex(uid, { primaryKey: 'sku' }).waitTask();
    expect(created).toMatchObject({
      status: 'succeeded',
      type: 'indexCreation',
      details: { primaryKey: 'sku' },
    });
    const again = await t.client.createIndex(uid).waitTask();
    expect(again.status).toBe('failed');
    expect(again.error).toEqual({
      message: `Index \`${uid}\` already exists.`,
      code: 'index_already_exists',
      type: 'invalid_request',
      link: 'https://docs.meilisearch.com/errors#index_already_exists',
    });
    await t.client.updateIndex(uid, { primaryKey: 'ref' }).waitTask();
    expect((await t.client.getIndex(uid)).primaryKey).toBe('ref');
    const list = await t.client.getIndexes({ limit: 100 });
    expect(list.results.map((i) => i.uid)).toContain(uid);
    await t.client.deleteIndex(uid).waitTask();
    await expectApiError(() => t.client.getIndex(uid), 'index_not_found', 404);
    const missing = await t.client.deleteIndex(uid).waitTask();
    expect(missing.error?.code).toBe('index_not_found');
  });

  it('round-trips settings through the root route and the sub-routes', async () => {
    const idx = t.client.index(uniqueIndex('settings'));
    await idx.addDocuments([{ id: 1 }]).waitTask();
    const defaults = await idx.getSettings();
    expect(Object.keys(defaults)).toHaveLength(20);
    expect(defaults.typoTolerance?.minWordSizeForTypos).toEqual({ oneTypo: 5, twoTypos: 9 });
    const task = await idx
      .updateSettings({
        filterableAttributes: ['b', 'a'],
        stopWords: ['the'],
        typoTolerance: { enabled: false },
      })
      .waitTask();
    expect(task.details).toMatchObject({
      filterableAttributes: ['b', 'a'],
      stopWords: ['the'],
      typoTolerance: { enabled: false },
    });
    const after = await idx.getSettings();
    // Meilisearch keeps filterableAttributes in the order sent (sortableAttributes and the token lists are sorted sets).
    expect(after.filterableAttributes).toEqual(['b', 'a']);
    const rules = await idx
      .updateSettings({
        filterableAttributes: [
          'z',
          {
            attributePatterns: ['c*'],
            features: { facetSearch: true, filter: { equality: true, comparison: false } },
          },
          'z',
        ],
        sortableAttributes: ['y', 'x', 'y'],
      })
      .waitTask();
    const rule = {
      attributePatterns: ['c*'],
      features: { facetSearch: true, filter: { equality: true, comparison: false } },
    };
    expect(rules.details).toMatchObject({
      filterableAttributes: ['z', rule, 'z'],
      sortableAttributes: ['x', 'y'],
    });
    expect(await idx.getSettings()).toMatchObject({
      filterableAttributes: ['z', rule, 'z'],
      sortableAttributes: ['x', 'y'],
    });
    await idx.updateSettings({ filterableAttributes: ['b', 'a'], sortableAttributes: [] }).waitTask();
    expect(after.typoTolerance).toMatchObject({
      enabled: false,
      minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 },
    });
    await idx.updateRankingRules(['words', 'year:desc']).waitTask();
    expect(await idx.getRankingRules()).toEqual(['words', 'year:desc']);
    await idx.updatePagination({ maxTotalHits: 50 }).waitTask();
    expect(await idx.getPagination()).toEqual({ maxTotalHits: 50 });
    await idx.updateSynonyms({ car: ['auto'] }).waitTask();
    expect(await idx.getSynonyms()).toEqual({ car: ['auto'] });
    await idx.resetSynonyms().waitTask();
    expect(await idx.getSynonyms()).toEqual({});
    await idx.resetSettings().waitTask();
    expect(await idx.getSettings()).toEqual(defaults);
  });

  it('swaps two indexes', async () => {
    const a = uniqueIndex('swap');
    const b = uniqueIndex('swap');
    await t.client
      .index(a)
      .addDocuments([{ id: 1, side: 'a' }])
      .waitTask();
    await t.client
      .index(b)
      .addDocuments([{ id: 1, side: 'b' }])
      .waitTask();
    const task = await t.client.swapIndexes([{ indexes: [a, b], rename: false }]).waitTask();
    expect(task).toMatchObject({ status: 'succeeded', type: 'indexSwap', indexUid: null });
    expect((await t.client.index(a).getDocument(1)).side).toBe('b');
    expect((await t.client.index(b).getDocument(1)).side).toBe('a');
  });

  it('reports index and global stats, health and version', async () => {
    const idx = t.client.index(uniqueIndex('stats'));
    await idx.addDocuments([{ id: 1, a: 'x' }, { id: 2 }]).waitTask();
    const stats = await idx.getStats();
    expect(stats).toMatchObject({
      numberOfDocuments: 2,
      isIndexing: false,
      fieldDistribution: { id: 2, a: 1 },
    });
    expect((await t.client.getStats()).indexes[idx.uid]?.numberOfDocuments).toBe(2);
    expect(await t.client.health()).toEqual({ status: 'available' });
    expect((await t.client.getVersion()).pkgVersion).toMatch(/^1\./);
  });
});

describe('HTTP as Meilisearch speaks it', () => {
  it('answers CORS preflights and bare string settings as JSON', async () => {
    const preflight = await fetch(`${t.node.url}/indexes/any/search`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://elsewhere.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-meilisearch-client',
      },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type, x-meilisearch-client');
    const uid = uniqueIndex('strings');
    await t.client.createIndex(uid).waitTask();
    const answer = await fetch(`${t.node.url}/indexes/${uid}/settings/proximity-precision`, {
      headers: { origin: 'http://elsewhere.test' },
    });
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(await answer.json()).toBe('byWord');
  });
});

describe('tasks API', () => {
  it('filters by uids, statuses, types and index uids, pages with from/next', async () => {
    const uid = uniqueIndex('tasks');
    const tasks = [];
    for (let i = 0; i < 3; i++) tasks.push(await t.client.index(uid).addDocuments([{ id: i }]));
    await t.client.tasks.waitForTasks(tasks);
    const byIndex = await t.client.tasks.getTasks({ indexUids: [uid], limit: 2 });
    expect(byIndex.results.map((x) => x.uid)).toEqual([tasks[2]!.taskUid, tasks[1]!.taskUid]);
    expect(byIndex).toMatchObject({ total: 3, limit: 2, from: tasks[2]!.taskUid, next: tasks[0]!.taskUid });
    const reversed = await t.client.tasks.getTasks({ indexUids: [uid], reverse: true });
    expect(reversed.results.map((x) => x.uid)).toEqual(tasks.map((x) => x.taskUid));
    const byUid = await t.client.tasks.getTasks({
      uids: [tasks[1]!.taskUid],
      statuses: ['succeeded'],
      types: ['documentAdditionOrUpdate'],
    });
    expect(byUid.results.map((x) => x.uid)).toEqual([tasks[1]!.taskUid]);
    expect((await t.client.tasks.getTasks({ indexUids: [uid], statuses: ['failed'] })).total).toBe(0);
    const one = await t.client.tasks.getTask(tasks[0]!.taskUid);
    expect(Object.keys(one)).toEqual([
      'uid',
      'batchUid',
      'indexUid',
      'status',
      'type',
      'canceledBy',
      'details',
      'error',
      'duration',
      'enqueuedAt',
      'startedAt',
      'finishedAt',
    ]);
    await expectApiError(() => t.client.tasks.getTask(999_999), 'task_not_found', 404);
    await expectApiError(
      () => t.client.tasks.getTasks({ statuses: ['doggo' as 'failed'] }),
      'invalid_task_statuses',
      400,
    );
  });
});

describe('errors for bad input', () => {
  it('validates search parameters', async () => {
    const idx = t.client.index(uniqueIndex('err'));
    await idx.addDocuments([{ id: 1, title: 'x' }]).waitTask();
    const msg = await expectApiError(
      () => idx.search('x', { limit: 'doggo' as unknown as number }),
      'invalid_search_limit',
      400,
    );
    expect(msg).toContain(
      'Invalid value type at `.limit`: expected a positive integer, but found a string: `"doggo"`',
    );
    await expectApiError(() => idx.search('x', { filter: 'title = x' }), 'invalid_search_filter', 400);
    await expectApiError(() => idx.search('x', { sort: ['title:asc'] }), 'invalid_search_sort', 400);
    await expectApiError(
      () => idx.search('x', { matchingStrategy: 'most' as 'all' }),
      'invalid_search_matching_strategy',
      400,
    );
    await expectApiError(
      () => idx.search('x', { doggo: 1 } as unknown as Parameters<typeof idx.search>[1]),
      'bad_request',
      400,
    );
    await expectApiError(() => t.client.index('missing_index_x').search('x'), 'index_not_found', 404);
  });

  it('validates index uids, settings and document payloads', async () => {
    await expectApiError(() => t.client.createIndex('bad uid!'), 'invalid_index_uid', 400);
    await expectApiError(() => t.client.index('bad uid!').getDocuments(), 'invalid_index_uid', 400);
    const idx = t.client.index(uniqueIndex('err'));
    await expectApiError(
      () => idx.updateSettings({ rankingRules: ['custom'] }),
      'invalid_settings_ranking_rules',
      400,
    );
    await expectApiError(
      () => idx.updateSettings({ filterableAttributes: 'genre' as unknown as string[] }),
      'invalid_settings_filterable_attributes',
      400,
    );
    await expectApiError(
      () => idx.addDocumentsFromString('[{"id":1}', 'application/json'),
      'malformed_payload',
      400,
    );
    await expectApiError(() => idx.addDocumentsFromString('', 'application/json'), 'missing_payload', 400);
    await expectApiError(
      () => idx.addDocumentsFromString('id\n1', 'text/plain' as 'text/csv'),
      'invalid_content_type',
      415,
    );
    await expectApiError(() => idx.deleteDocuments({ filter: '' }), 'invalid_document_filter', 400);
    await expectApiError(() => idx.getDocuments({ limit: -1 }), 'invalid_document_limit', 400);
  });

  it('enforces the master key', async () => {
    const secured = await startTestNode('a-master-key-of-16b');
    try {
      const anonymous = new Meilisearch({ host: secured.node.url });
      await expectApiError(() => anonymous.getIndexes(), 'missing_authorization_header', 401, 'auth');
      const wrong = new Meilisearch({ host: secured.node.url, apiKey: 'nope' });
      await expectApiError(() => wrong.getIndexes(), 'invalid_api_key', 403, 'auth');
      expect(await anonymous.health()).toEqual({ status: 'available' });
      const keys = await secured.client.getKeys();
      const search = keys.results.find((k) => k.name === 'Default Search API Key')!;
      const searchClient = new Meilisearch({ host: secured.node.url, apiKey: search.key });
      await secured.client
        .index('k')
        .addDocuments([{ id: 1 }])
        .waitTask();
      expect((await searchClient.index('k').search('')).hits).toHaveLength(1);
      await expectApiError(
        () => searchClient.index('k').addDocuments([{ id: 2 }]),
        'invalid_api_key',
        403,
        'auth',
      );
    } finally {
      await secured.stop();
    }
    await expectApiError(() => t.client.getKeys(), 'missing_master_key', 401, 'auth');
  });

  it('answers payload_too_large over the size limit', async () => {
    const big = 'x'.repeat(100_000_001);
    await expectApiError(
      () =>
        t.client
          .index(uniqueIndex('big'))
          .addDocumentsFromString(`[{"id":1,"v":"${big}"}]`, 'application/json'),
      'payload_too_large',
      413,
    );
  });
});
