// End-to-end acceptance of the write path, driven through the official `meilisearch` SDK
// against one local cluster (6 devnodes in 2 replica groups, RF 2, 4 shards): placement of
// JSON/NDJSON/CSV writes, every write kind converging on every replica, reads after writes,
// and bad inputs answered with Meilisearch errors without touching the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from 'meilisearch';
import { initRouting, ownersOf, shardOf } from '#core/routing/index.ts';
import { contentHash, startTestCluster, type Doc, type TestCluster } from '#test/helpers/cluster.ts';
import { npmPackages } from '#test/helpers/npm-packages.ts';
import { uniqueName } from '#test/helpers/services.ts';

const SHARDS = 4;
const RF = 2;
let cluster: TestCluster;

beforeAll(async () => {
  await initRouting();
  // Auto-creation is off so a write to an unknown index can be checked; tests create their indexes.
  cluster = await startTestCluster({
    nodes: 6,
    groups: 2,
    shards: SHARDS,
    rf: RF,
    overrides: { ingest: { autoCreateIndex: false, payloadLimitBytes: 4_000_000 } },
  });
});
afterAll(async () => {
  await cluster?.close();
});

async function createIndex(uid: string): Promise<void> {
  await succeeded(cluster.sdk.createIndex(uid, { primaryKey: 'id' }));
}

async function succeeded(promise: Promise<{ taskUid: number }>): Promise<Task> {
  const enqueued = await promise;
  const task = await cluster.sdk.tasks.waitForTask(enqueued.taskUid, { timeout: 120_000, interval: 50 });
  expect(task.status, JSON.stringify(task.error)).toBe('succeeded');
  return task;
}

/** Owners of a shard in each group, computed from the routing rules (not from Miroir's answer). */
function expectedOwners(shard: number): string[] {
  const byGroup = new Map<string, string[]>();
  for (const n of cluster.local.nodes) byGroup.set(n.group, [...(byGroup.get(n.group) ?? []), n.id]);
  return [...byGroup.values()].flatMap((ids) => ownersOf(shard, ids, RF));
}

/** Reads every node and checks: each document on exactly its owners, with the right `_miroir_shard`, same content everywhere. */
async function expectPlacement(uid: string, expected: Map<string, Doc>, primaryKey = 'id'): Promise<void> {
  const perNode = new Map<string, Map<string, Doc>>();
  for (const n of cluster.local.nodes) perNode.set(n.id, await cluster.nodeDocuments(n.id, uid, primaryKey));
  for (const [nodeId, docs] of perNode) {
    for (const [id, doc] of docs) {
      const shard = shardOf(id, SHARDS);
      expect(doc._miroir_shard, `${id} on ${nodeId}`).toEqual({ [`s${shard}`]: null });
      expect(expectedOwners(shard), `${id} is on ${nodeId}, not an owner`).toContain(nodeId);
      expect(expected.has(id), `${id} on ${nodeId} should not exist`).toBe(true);
    }
  }
  for (const [id, doc] of expected) {
    for (const owner of expectedOwners(shardOf(id, SHARDS))) {
      const held = perNode.get(owner)?.get(id);
      expect(held, `${id} missing on ${owner}`).toBeDefined();
      const { _miroir_shard: _s, ...content } = held as Doc;
      expect(content).toEqual(doc);
    }
  }
}

function toNdjson(docs: readonly Doc[]): string {
  return docs.map((d) => JSON.stringify(d)).join('\n');
}

const CSV_FIELDS = ['id', 'name', 'version', 'major', 'downloads', 'summary'] as const;
function csvCell(value: unknown): string {
  const text =
    typeof value === 'string' ? value : value === null || value === undefined ? '' : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
/** CSV with typed numeric columns; `scope` is left out (an empty CSV cell reads back as null, which is not the JSON's absence). */
function toCsv(docs: readonly Doc[]): string {
  const header = 'id,name,version,major:number,downloads:number,summary';
  return [header, ...docs.map((d) => CSV_FIELDS.map((f) => csvCell(d[f])).join(','))].join('\n');
}
function csvView(doc: Doc): Doc {
  const out: Doc = {};
  for (const f of CSV_FIELDS) out[f] = doc[f] ?? null;
  return out;
}

describe('write path', () => {
  it('places 20K documents sent as JSON, NDJSON and CSV on exactly their owners in every group', async () => {
    const uid = uniqueName('npm');
    await createIndex(uid);
    const docs = npmPackages(20_000);
    const expected = new Map<string, Doc>();
    const index = cluster.sdk.index(uid);
    const tasks: Array<Promise<{ taskUid: number }>> = [];
    const json = docs.slice(0, 8_000);
    const ndjson = docs.slice(8_000, 14_000);
    const csv = docs.slice(14_000);
    for (let i = 0; i < json.length; i += 2_000)
      tasks.push(index.addDocuments(json.slice(i, i + 2_000), { primaryKey: 'id' }));
    for (let i = 0; i < ndjson.length; i += 2_000)
      tasks.push(index.addDocumentsFromString(toNdjson(ndjson.slice(i, i + 2_000)), 'application/x-ndjson'));
    for (let i = 0; i < csv.length; i += 2_000)
      tasks.push(index.addDocumentsFromString(toCsv(csv.slice(i, i + 2_000)), 'text/csv'));
    for (const d of [...json, ...ndjson]) expected.set(String(d.id), d);
    for (const d of csv) expected.set(String(d.id), csvView(d));
    for (const task of tasks) await succeeded(task);
    await expectPlacement(uid, expected);
    const stats = await index.getStats();
    expect(stats.numberOfDocuments).toBe(expected.size);
  });

  it('converges every replica after partial updates, deletes by id, batch and filter, clear-all and settings', async () => {
    const uid = uniqueName('kinds');
    await createIndex(uid);
    const index = cluster.sdk.index(uid);
    const docs = npmPackages(3_000, 20_000);
    const expected = new Map<string, Doc>(docs.map((d) => [String(d.id), { ...d }]));
    await succeeded(index.addDocuments(docs, { primaryKey: 'id' }));
    // Settings first: the filter delete below needs `major` filterable on every node.
    await succeeded(
      index.updateSettings({
        filterableAttributes: ['major', 'scope'],
        searchableAttributes: ['name', 'summary'],
      }),
    );
    const updates = docs.slice(0, 500).map((d) => ({ id: d.id, downloads: 1, tag: 'updated' }));
    await succeeded(index.updateDocuments(updates));
    for (const u of updates)
      Object.assign(expected.get(String(u.id)) as Doc, { downloads: 1, tag: 'updated' });
    const one = String(docs[600]?.id);
    await succeeded(index.deleteDocument(one));
    expected.delete(one);
    const batch = docs.slice(700, 900).map((d) => String(d.id));
    await succeeded(index.deleteDocuments(batch));
    for (const id of batch) expected.delete(id);
    await succeeded(index.deleteDocuments({ filter: 'major = 0' }));
    for (const [id, d] of expected) if (d.major === 0) expected.delete(id);
    await expectPlacement(uid, expected);

    const settings = await index.getSettings();
    expect(settings.filterableAttributes).toEqual(['major', 'scope']);
    expect(settings.searchableAttributes).toEqual(['name', 'summary']);
    const nodeUid = await cluster.nodeIndexUid(uid);
    for (const n of cluster.local.nodes) {
      const nodeSettings = await cluster.node(n.id).getSettings(nodeUid);
      expect(nodeSettings.searchableAttributes, n.id).toEqual(['name', 'summary']);
      expect(nodeSettings.filterableAttributes, n.id).toEqual(expect.arrayContaining(['major', 'scope']));
    }

    await succeeded(index.deleteAllDocuments());
    await expectPlacement(uid, new Map());
    const again = npmPackages(100, 23_000);
    await succeeded(index.addDocuments(again));
    await expectPlacement(uid, new Map(again.map((d) => [String(d.id), d])));
  });

  it('answers searches with the written documents', async () => {
    const uid = uniqueName('search');
    await createIndex(uid);
    const index = cluster.sdk.index(uid);
    const docs = npmPackages(2_000, 24_000);
    await succeeded(index.addDocuments(docs, { primaryKey: 'id' }));
    const target = docs[1234] as Doc;
    const result = await index.search(String(target.name), { limit: 20 });
    expect(result.hits.map((h) => h.id)).toContain(target.id);
    expect(result.hits.every((h) => !('_miroir_shard' in h))).toBe(true);
    // Meilisearch 1.50 caps the hits it returns at pagination.maxTotalHits (1000), not the count.
    const all = await index.search('', { limit: 0 });
    expect(all.estimatedTotalHits).toBe(docs.length);
    expect((await index.getStats()).numberOfDocuments).toBe(docs.length);
    const fetched = await index.getDocument(String(target.id));
    expect(fetched).toEqual(target);
  });

  it('keeps identical content on the replicas of each shard (hash per shard)', async () => {
    const uid = uniqueName('hash');
    await createIndex(uid);
    const index = cluster.sdk.index(uid);
    const docs = npmPackages(1_000, 26_000);
    await succeeded(index.addDocuments(docs, { primaryKey: 'id' }));
    await succeeded(index.updateDocuments(docs.slice(0, 100).map((d) => ({ id: d.id, downloads: 7 }))));
    for (let shard = 0; shard < SHARDS; shard++) {
      const hashes = new Set<string>();
      for (const owner of expectedOwners(shard)) {
        const held = await cluster.nodeDocuments(owner, uid);
        hashes.add(contentHash([...held].filter(([id]) => shardOf(id, SHARDS) === shard)));
      }
      expect(hashes.size, `shard ${shard}`).toBe(1);
    }
  });
});

describe('bad inputs', () => {
  async function rawWrite(
    method: string,
    path: string,
    body: string,
    contentType = 'application/json',
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${cluster.url}${path}`, {
      method,
      headers: { 'content-type': contentType },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('answers with Meilisearch errors and leaves the log untouched', async () => {
    const uid = uniqueName('bad');
    await createIndex(uid);
    await succeeded(cluster.sdk.index(uid).addDocuments([{ id: 'a', title: 'one' }], { primaryKey: 'id' }));
    const before = await cluster.logEnd();
    const cases: Array<[string, string, string, string | undefined, number, string]> = [
      ['malformed JSON', 'POST', `/indexes/${uid}/documents`, '[{"id": "x",', 400, 'malformed_payload'],
      [
        'reserved field',
        'POST',
        `/indexes/${uid}/documents`,
        '[{"id": "r", "_miroir_shard": 1}]',
        400,
        'miroir_reserved_field',
      ],
      [
        'unknown index',
        'POST',
        `/indexes/${uniqueName('missing')}/documents`,
        '[{"id": "u"}]',
        404,
        'index_not_found',
      ],
      ['wrong content type', 'POST', `/indexes/${uid}/documents`, 'id\nz', 415, 'invalid_content_type'],
    ];
    for (const [what, method, path, body, status, code] of cases) {
      const res = await rawWrite(
        method,
        path,
        body ?? '',
        what === 'wrong content type' ? 'text/plain' : 'application/json',
      );
      expect(res.status, what).toBe(status);
      expect(res.body.code, what).toBe(code);
      expect(typeof res.body.message, what).toBe('string');
      expect(res.body.link, what).toEqual(expect.any(String));
    }
    expect(await cluster.logEnd()).toEqual(before);
  });

  it('accepts documents with a missing or invalid id as Meilisearch does: 202, then a failed task, no document written', async () => {
    const uid = uniqueName('badid');
    await createIndex(uid);
    const documentsLog = async (): Promise<Record<string, number>> =>
      Object.fromEntries(
        Object.entries(await cluster.logEnd()).filter(([topic]) => topic.includes('.docs.')),
      );
    const before = await documentsLog();
    const cases: Array<[string, string, string]> = [
      ['missing id', '[{"title": "no id"}]', 'missing_document_id'],
      ['invalid id', '[{"id": "not valid!"}]', 'invalid_document_id'],
    ];
    for (const [what, body, code] of cases) {
      const res = await rawWrite('POST', `/indexes/${uid}/documents`, body, 'application/json');
      expect(res.status, what).toBe(202);
      const task = await cluster.sdk.tasks.waitForTask(res.body.taskUid as number, {
        timeout: 30_000,
        interval: 20,
      });
      expect(task.status, what).toBe('failed');
      expect(task.error?.code, what).toBe(code);
      expect(task.details?.indexedDocuments, what).toBe(0);
    }
    expect(await documentsLog()).toEqual(before);
  });

  it('rejects a payload over the size limit with payload_too_large', async () => {
    const limit = cluster.local.config.ingest.payloadLimitBytes;
    const before = await cluster.logEnd();
    const res = await fetch(`${cluster.url}/indexes/${uniqueName('big')}/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `[${'"x",'.repeat(Math.ceil(limit / 4))}"x"]`,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('payload_too_large');
    expect(await cluster.logEnd()).toEqual(before);
  });
});
