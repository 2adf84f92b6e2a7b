// The official `meilisearch` client's key and tenant-token operations against a cluster started
// as `miroir dev --master-key ...` starts it (auth.masterKey set): default keys at first start,
// createKey / getKeys / getKey / updateKey / deleteKey, and generateTenantToken whose filter is
// enforced in search, multi-search, federated search and facet search (hit sets compared with the
// filter applied by hand), until its signing key is deleted.
import { createHmac } from 'node:crypto';
import { Meilisearch, MeilisearchApiError } from 'meilisearch';
import { generateTenantToken } from 'meilisearch/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '#test/helpers/cluster.ts';
import { uniqueName } from '#test/helpers/services.ts';

const MASTER = 'e2e-master-key-0123456789abcdef';
const genres = ['horror', 'comedy', 'drama'];
const films = Array.from({ length: 60 }, (_, i) => ({
  id: i + 1,
  title: `film ${i + 1}`,
  genre: genres[i % 3] as string,
  year: 1990 + (i % 30),
}));
const horror = films.filter((f) => f.genre === 'horror');

let cluster: TestCluster;
let admin: Meilisearch;
let index: string;

const idsOf = (hits: ReadonlyArray<Record<string, unknown>>): number[] =>
  hits.map((h) => h.id as number).sort((a, b) => a - b);
const idsWhere = (pick: (f: (typeof films)[number]) => boolean): number[] =>
  films.filter(pick).map((f) => f.id);

async function apiError(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MeilisearchApiError);
  return { status: (err as MeilisearchApiError).response.status, ...(err as MeilisearchApiError).cause };
}

beforeAll(async () => {
  cluster = await startTestCluster({
    nodes: 2,
    shards: 4,
    rf: 1,
    overrides: { auth: { masterKey: MASTER } },
  });
  admin = new Meilisearch({ host: cluster.url, apiKey: MASTER });
  index = uniqueName('films');
  const added = await admin.index(index).addDocuments(films, { primaryKey: 'id' });
  const settings = await admin.index(index).updateSettings({ filterableAttributes: ['genre', 'year'] });
  for (const task of [added, settings])
    expect((await admin.tasks.waitForTask(task.taskUid, { timeout: 60_000, interval: 50 })).status).toBe(
      'succeeded',
    );
}, 120_000);
afterAll(async () => {
  await cluster?.close();
});

describe('keys through the official client', () => {
  it('given a first start, when keys are listed, then Meilisearch’s default keys are there and work', async () => {
    const { results, total, limit, offset } = await admin.getKeys();
    expect({ limit, offset }).toEqual({ limit: 20, offset: 0 });
    expect(total).toBe(4);
    // Newest first, in the order Meilisearch lists the keys it created at first start.
    expect(results.map((k) => k.name)).toEqual([
      'Default Search API Key',
      'Default Admin API Key',
      'Default Read-Only Admin API Key',
      'Default Chat API Key',
    ]);
    const search = results.find((k) => k.name === 'Default Search API Key');
    expect(search?.actions).toEqual(['search']);
    const client = new Meilisearch({ host: cluster.url, apiKey: search?.key ?? '' });
    expect((await client.index(index).search('', { limit: 1 })).hits).toHaveLength(1);
    expect(await apiError(client.index(index).getDocuments())).toMatchObject({
      status: 403,
      code: 'invalid_api_key',
    });
  });

  it('given createKey, getKey, updateKey, getKeys and deleteKey, when run, then each answers as Meilisearch', async () => {
    const created = await admin.createKey({
      name: 'Indexing films',
      actions: ['documents.add', 'search'],
      indexes: [index],
      expiresAt: null,
    });
    // The value is HMAC-SHA256(master key, uid), so a Meilisearch with this master key agrees.
    expect(created.key).toBe(createHmac('sha256', MASTER).update(created.uid).digest('hex'));
    expect(await admin.getKey(created.uid)).toEqual(created);
    expect(await admin.getKey(created.key)).toEqual(created);
    const updated = await admin.updateKey(created.uid, { name: 'Films writer', description: 'CI' });
    expect(updated).toMatchObject({
      uid: created.uid,
      name: 'Films writer',
      description: 'CI',
      actions: created.actions,
    });
    const page = await admin.getKeys({ offset: 0, limit: 2 });
    expect(page.results).toHaveLength(2);
    expect(page.results[0]?.uid).toBe(created.uid);
    expect(page.total).toBe(5);

    const writer = new Meilisearch({ host: cluster.url, apiKey: created.key });
    expect((await writer.index(index).search('film', { limit: 1 })).hits).toHaveLength(1);
    expect(await apiError(writer.index(uniqueName('other')).search(''))).toMatchObject({
      status: 403,
      code: 'invalid_api_key',
    });

    await admin.deleteKey(created.uid);
    expect(await apiError(admin.getKey(created.uid))).toMatchObject({
      status: 404,
      code: 'api_key_not_found',
      message: `API key \`${created.uid}\` not found.`,
    });
    expect(await apiError(writer.index(index).search(''))).toMatchObject({
      status: 403,
      code: 'invalid_api_key',
    });
  });

  it('given no key, when any route but /health is called, then 401 missing_authorization_header', async () => {
    expect((await fetch(`${cluster.url}/health`)).status).toBe(200);
    const response = await fetch(`${cluster.url}/indexes/${index}/search`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'missing_authorization_header' });
  });

  it('given the admin API, when called, then it needs Miroir’s admin action', async () => {
    const topology = `${cluster.url}/_miroir/topology`;
    expect((await fetch(topology)).status).toBe(401);
    expect((await fetch(topology, { headers: { authorization: `Bearer ${MASTER}` } })).status).toBe(200);
    const reader = await admin.createKey({
      actions: ['miroir.topology.get'],
      indexes: ['*'],
      expiresAt: null,
    });
    const searcher = await admin.createKey({
      actions: ['search'],
      indexes: ['*'],
      expiresAt: null,
    });
    expect((await fetch(topology, { headers: { authorization: `Bearer ${reader.key}` } })).status).toBe(200);
    expect((await fetch(topology, { headers: { authorization: `Bearer ${searcher.key}` } })).status).toBe(
      403,
    );
  });
});

describe('tenant tokens through the official client', () => {
  it('given a token with a filter rule, when every search kind runs, then only the filtered hits come back', async () => {
    const parent = await admin.createKey({
      actions: ['search'],
      indexes: ['*'],
      expiresAt: null,
    });
    const token = await generateTenantToken({
      apiKey: parent.key,
      apiKeyUid: parent.uid,
      searchRules: { [index]: { filter: 'genre = horror' } },
    });
    const tenant = new Meilisearch({ host: cluster.url, apiKey: token });

    const searched = await tenant.index(index).search('', { limit: 100 });
    expect(idsOf(searched.hits)).toEqual(horror.map((f) => f.id));
    const both = await tenant.index(index).search('', { limit: 100, filter: 'year >= 2005' });
    expect(idsOf(both.hits)).toEqual(idsWhere((f) => f.genre === 'horror' && f.year >= 2005));
    const viaGet = await tenant.index(index).searchGet('', { limit: 100 });
    expect(idsOf(viaGet.hits)).toEqual(horror.map((f) => f.id));

    const multi = await tenant.multiSearch({
      queries: [{ indexUid: index, q: '', limit: 100, filter: ['year < 2000'] }],
    });
    expect(idsOf(multi.results[0]?.hits ?? [])).toEqual(
      idsWhere((f) => f.genre === 'horror' && f.year < 2000),
    );
    const federated = await tenant.multiSearch({
      federation: { limit: 100 },
      queries: [{ indexUid: index, q: '' }],
    });
    expect(idsOf(federated.hits)).toEqual(horror.map((f) => f.id));

    const facets = await tenant.index(index).searchForFacetValues({ facetName: 'genre', facetQuery: '' });
    expect(facets.facetHits).toEqual([{ value: 'horror', count: horror.length }]);

    // A search token is not a documents key, and the deleted signing key ends the token.
    expect(await apiError(tenant.index(index).getDocuments())).toMatchObject({
      status: 403,
      code: 'invalid_api_key',
    });
    await admin.deleteKey(parent.uid);
    expect(await apiError(tenant.index(index).search(''))).toMatchObject({
      status: 403,
      code: 'invalid_api_key',
    });
  });

  it('given a token signed with the master key, when searching, then Meilisearch’s decode error', async () => {
    const parent = await admin.createKey({
      actions: ['search'],
      indexes: ['*'],
      expiresAt: null,
    });
    const forged = await generateTenantToken({ apiKey: MASTER, apiKeyUid: parent.uid, searchRules: ['*'] });
    expect(
      await apiError(new Meilisearch({ host: cluster.url, apiKey: forged }).index(index).search('')),
    ).toMatchObject({
      status: 403,
      code: 'invalid_api_key',
      message: 'Could not decode tenant token, InvalidSignature.',
    });
  });

  it('given a key scoped to one index, when it deletes tasks, then only that index’s tasks go', async () => {
    const other = uniqueName('other');
    const otherTask = await admin.index(other).addDocuments([{ id: 1 }], { primaryKey: 'id' });
    await admin.tasks.waitForTask(otherTask.taskUid, { timeout: 60_000, interval: 50 });
    const scoped = await admin.createKey({
      actions: ['tasks.delete', 'tasks.get'],
      indexes: [index],
      expiresAt: null,
    });
    const client = new Meilisearch({ host: cluster.url, apiKey: scoped.key });
    const deletion = await client.tasks.deleteTasks({ statuses: ['succeeded'] });
    const done = await admin.tasks.waitForTask(deletion.taskUid, { timeout: 60_000, interval: 50 });
    expect(done.status).toBe('succeeded');
    expect(done.details?.deletedTasks).toBeGreaterThan(0);
    // The other index's task is still there; this index's succeeded tasks are gone.
    expect((await admin.tasks.getTask(otherTask.taskUid)).uid).toBe(otherTask.taskUid);
    const left = await admin.tasks.getTasks({ indexUids: [index], statuses: ['succeeded'] });
    expect(left.results).toEqual([]);
  });
});
