// Ingest's write routes against a real broker: good writes become the right events in the right
// partitions and come back through GET /tasks; every bad input gets Meilisearch's error and
// leaves the log untouched (end offsets of control, tasks and the index's topics unchanged).
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Meilisearch } from 'meilisearch';
import type { DocumentEvent } from '#core/events/document-events.ts';
import { initRouting, shardOf } from '#core/routing/hash.ts';
import { kafkaBrokers } from '#test/helpers/services.ts';
import { readTopic, startCluster, totalRecords, waitFor, type Cluster } from './harness.ts';

let cluster: Cluster;
let url: string;

beforeAll(async () => {
  await initRouting();
  cluster = await startCluster({ ingest: { payloadLimitBytes: 200_000, autoCreateIndex: true } });
  url = await cluster.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => cluster?.close());

const topics = () => cluster.models.topics;

async function logSize(uid: string): Promise<number> {
  const { admin } = cluster;
  return (
    (await totalRecords(admin, topics().control)) +
    (await totalRecords(admin, topics().tasks)) +
    (await totalRecords(admin, topics().docs(uid, 0)))
  );
}

async function inject(
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  contentType = 'application/json',
) {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return cluster.app.inject({
    method,
    url: path,
    ...(payload !== undefined ? { payload, headers: { 'content-type': contentType } } : {}),
  });
}

async function taskStatus(uid: number): Promise<Record<string, unknown>> {
  let task: Record<string, unknown> = {};
  await waitFor(`task ${uid}`, async () => {
    const res = await cluster.app.inject({ method: 'GET', url: `/tasks/${uid}` });
    if (res.statusCode !== 200) return false;
    task = res.json();
    return true;
  });
  return task;
}

async function finished(uid: number): Promise<Record<string, unknown>> {
  let task: Record<string, unknown> = {};
  await waitFor(`task ${uid} finished`, async () => {
    task = await taskStatus(uid);
    return task.status === 'succeeded' || task.status === 'failed';
  });
  return task;
}

describe('index lifecycle', () => {
  it('creates an index: 202 indexCreation, topics created, task succeeds, GET /indexes shows it', async () => {
    const res = await inject('POST', '/indexes', { uid: 'movies', primaryKey: 'id' });
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ indexUid: 'movies', status: 'enqueued', type: 'indexCreation' });
    expect(typeof body.taskUid).toBe('number');
    expect(await finished(body.taskUid)).toMatchObject({
      status: 'succeeded',
      type: 'indexCreation',
      details: { primaryKey: 'id' },
    });
    const docs = await cluster.admin.describeTopic(topics().docs('movies', 0));
    expect(docs?.partitions).toEqual([0, 1, 2, 3]);
    expect(await cluster.admin.describeTopic(topics().inbox('movies'))).not.toBeNull();
    const index = await cluster.app.inject({ method: 'GET', url: '/indexes/movies' });
    expect(index.json()).toMatchObject({ uid: 'movies', primaryKey: 'id' });
    const list = await cluster.app.inject({ method: 'GET', url: '/indexes' });
    expect(list.json()).toMatchObject({ offset: 0, limit: 20, total: 1 });
  });

  it('creating an existing index enqueues a task that fails with index_already_exists', async () => {
    const res = await inject('POST', '/indexes', { uid: 'movies' });
    expect(res.statusCode).toBe(202);
    expect(await finished(res.json().taskUid)).toMatchObject({
      status: 'failed',
      error: { code: 'index_already_exists', message: 'Index `movies` already exists.' },
    });
  });

  it('deleting a missing index fails its task with index_not_found; deleting a live one removes it', async () => {
    const missing = await inject('DELETE', '/indexes/nope');
    expect(await finished(missing.json().taskUid)).toMatchObject({
      status: 'failed',
      error: { code: 'index_not_found' },
    });
    await finished((await inject('POST', '/indexes', { uid: 'scratch' })).json().taskUid);
    const deleted = await inject('DELETE', '/indexes/scratch');
    expect(await finished(deleted.json().taskUid)).toMatchObject({
      status: 'succeeded',
      type: 'indexDeletion',
    });
    expect((await cluster.app.inject({ method: 'GET', url: '/indexes/scratch' })).statusCode).toBe(404);
    // A recreated index starts a fresh generation (a new topic and node index).
    await finished((await inject('POST', '/indexes', { uid: 'scratch' })).json().taskUid);
    expect(cluster.models.topology.state().indexes.scratch?.generation).toBe(1);
  });
});

describe('document writes', () => {
  it('POST documents appends DocumentsUpserted in partition shardOf(id, S), after TaskEnqueued whose offset is the uid', async () => {
    const docs = Array.from({ length: 20 }, (_, i) => ({ id: i, title: `movie ${i}` }));
    const res = await inject('POST', '/indexes/movies/documents', docs);
    expect(res.statusCode).toBe(202);
    const { taskUid } = res.json();
    expect(res.json()).toMatchObject({
      indexUid: 'movies',
      status: 'enqueued',
      type: 'documentAdditionOrUpdate',
    });
    const records = await readTopic(kafkaBrokers(), topics().docs('movies', 0), cluster.admin);
    const mine = records.filter((r) => r.event?.taskUid === taskUid);
    const ids = mine.flatMap((r) => {
      const event = r.event as DocumentEvent;
      expect(event.type).toBe('DocumentsUpserted');
      const upserted = event as Extract<DocumentEvent, { type: 'DocumentsUpserted' }>;
      for (const id of upserted.ids) expect(r.partition).toBe(shardOf(id, 4));
      return upserted.ids;
    });
    expect(ids.sort()).toEqual(docs.map((d) => String(d.id)).sort());
    const tasks = await readTopic(kafkaBrokers(), topics().tasks, cluster.admin);
    expect(tasks.find((r) => r.offset === taskUid)?.event?.type).toBe('TaskEnqueued');
    expect(await taskStatus(taskUid)).toMatchObject({
      uid: taskUid,
      status: 'enqueued',
      details: { receivedDocuments: 20, indexedDocuments: null },
    });
  });

  it('concurrent writes (sharing produce requests) each get their own uid, with every document, in order', async () => {
    // The same ids in every write: per partition, each write's records must follow its TaskEnqueued order.
    const writes = Array.from({ length: 6 }, (_, w) =>
      Array.from({ length: 30 }, (_, i) => ({ id: i, w, pad: 'x'.repeat(w * 100) })),
    );
    const responses = await Promise.all(
      writes.map((docs) => inject('POST', '/indexes/concurrent/documents', docs)),
    );
    for (const res of responses) expect(res.statusCode).toBe(202);
    const uids = responses.map((res) => res.json<{ taskUid: number }>().taskUid);
    expect(new Set(uids).size).toBe(uids.length);
    const records = await readTopic(kafkaBrokers(), topics().docs('concurrent', 0), cluster.admin);
    for (const [w, uid] of uids.entries()) {
      const mine = records.filter((r) => r.event?.taskUid === uid);
      const bodies = mine.flatMap(
        (r) => (r.event as Extract<DocumentEvent, { type: 'DocumentsUpserted' }>).documents,
      );
      expect(
        bodies
          .map((b) => JSON.parse(b.toString()) as unknown)
          .sort((a, b) => (a as { id: number }).id - (b as { id: number }).id),
      ).toEqual(writes[w]);
    }
    // In each partition the records of the writes appear in task-uid order (the order of their TaskEnqueued).
    for (let partition = 0; partition < 4; partition++) {
      const order = records.filter(
        (r) => r.partition === partition && uids.includes(r.event?.taskUid as number),
      );
      const seen = order.map((r) => r.event?.taskUid as number);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
    }
  });

  it("keeps each document's bytes exactly as sent, and the parsed text when the body is not valid UTF-8", async () => {
    // An escaped and a raw non-ASCII character, an escaped backslash then quote, brackets in a string.
    const first = String.raw`{"id":"b1","n":1.50,"s":"caf\u00e9 é \\\" ]}"}`;
    const second = '{"id":"b2","big":12345678901234567890123}';
    const body = `[ ${first} ,\n ${second} ]`;
    const res = await inject('POST', '/indexes/bytes/documents', body);
    expect(res.statusCode).toBe(202);
    const uid = res.json<{ taskUid: number }>().taskUid;
    // A lone 0xff byte inside a string: JSON.parse sees U+FFFD there, and so does the log.
    const invalid = Buffer.concat([
      Buffer.from('[{"id":"b3","s":"a'),
      Buffer.from([0xff]),
      Buffer.from('z"}]'),
    ]);
    const bad = await cluster.app.inject({
      method: 'POST',
      url: '/indexes/bytes/documents',
      payload: invalid,
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.statusCode).toBe(202);
    const badUid = bad.json<{ taskUid: number }>().taskUid;
    const records = await readTopic(kafkaBrokers(), topics().docs('bytes', 0), cluster.admin);
    const bodiesOf = (taskUid: number): string[] =>
      records
        .filter((r) => r.event?.taskUid === taskUid)
        .flatMap((r) => (r.event as Extract<DocumentEvent, { type: 'DocumentsUpserted' }>).documents)
        .map((b) => b.toString('utf8'))
        .sort();
    expect(bodiesOf(uid)).toEqual([first, second]);
    expect(bodiesOf(badUid)).toEqual(['{"id":"b3","s":"a\ufffdz"}']);
  });

  it('accepts NDJSON, CSV with csvDelimiter, and PUT (partial update)', async () => {
    const nd = await inject(
      'POST',
      '/indexes/movies/documents',
      '{"id": 100}\n{"id": 101}\n',
      'application/x-ndjson',
    );
    expect(nd.statusCode).toBe(202);
    const csv = await inject(
      'POST',
      '/indexes/movies/documents?csvDelimiter=%3B',
      'id;title\n102;a\n103;b\n',
      'text/csv',
    );
    expect(csv.statusCode).toBe(202);
    const put = await inject('PUT', '/indexes/movies/documents', [{ id: 1, rating: 5 }]);
    expect(put.statusCode).toBe(202);
    const records = await readTopic(kafkaBrokers(), topics().docs('movies', 0), cluster.admin);
    const csvIds = records
      .filter((r) => r.event?.taskUid === csv.json().taskUid)
      .flatMap((r) => (r.event as Extract<DocumentEvent, { type: 'DocumentsUpserted' }>).ids);
    expect(csvIds.sort()).toEqual(['102', '103']);
    expect(records.find((r) => r.event?.taskUid === put.json().taskUid)?.event?.type).toBe(
      'DocumentsUpdated',
    );
  });

  it('decodes a gzip document body before parsing it, and refuses a corrupt one untouched', async () => {
    const ndjson = '{"id": 300, "title": "zipped"}\n{"id": 301}\n';
    const res = await cluster.app.inject({
      method: 'POST',
      url: '/indexes/movies/documents',
      payload: gzipSync(Buffer.from(ndjson)),
      headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
    });
    expect(res.statusCode).toBe(202);
    const records = await readTopic(kafkaBrokers(), topics().docs('movies', 0), cluster.admin);
    const bodies = records
      .filter((r) => r.event?.taskUid === res.json().taskUid)
      .flatMap((r) => (r.event as Extract<DocumentEvent, { type: 'DocumentsUpserted' }>).documents)
      .map((b) => b.toString('utf8'))
      .sort();
    expect(bodies).toEqual(['{"id": 300, "title": "zipped"}', '{"id": 301}']);
    const before = await logSize('movies');
    const corrupt = await cluster.app.inject({
      method: 'POST',
      url: '/indexes/movies/documents',
      payload: gzipSync(Buffer.from(ndjson)).subarray(0, 12),
      headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
    });
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json()).toMatchObject({ code: 'bad_request' });
    expect(await logSize('movies')).toBe(before);
  });

  it('deletes by id and batch into the ids partitions; by filter and clear into every partition', async () => {
    const one = await inject('DELETE', '/indexes/movies/documents/7');
    const batch = await inject('POST', '/indexes/movies/documents/delete-batch', [1, '2', 3]);
    const filter = await inject('POST', '/indexes/movies/documents/delete', { filter: 'title = x' });
    const clear = await inject('DELETE', '/indexes/movies/documents');
    for (const r of [one, batch, filter, clear]) expect(r.statusCode).toBe(202);
    const records = await readTopic(kafkaBrokers(), topics().docs('movies', 0), cluster.admin);
    const of = (uid: number) => records.filter((r) => r.event?.taskUid === uid);
    expect(of(one.json().taskUid).map((r) => [r.partition, r.event?.type])).toEqual([
      [shardOf('7', 4), 'DocumentsDeleted'],
    ]);
    expect(
      of(batch.json().taskUid)
        .flatMap((r) => (r.event as Extract<DocumentEvent, { type: 'DocumentsDeleted' }>).ids)
        .sort(),
    ).toEqual(['1', '2', '3']);
    expect(of(filter.json().taskUid).map((r) => r.partition)).toEqual([0, 1, 2, 3]);
    expect(of(clear.json().taskUid).map((r) => r.event?.type)).toEqual(Array(4).fill('DocumentsCleared'));
    expect(await taskStatus(filter.json().taskUid)).toMatchObject({
      type: 'documentDeletion',
      details: { providedIds: 0, originalFilter: '"title = x"' },
    });
  });

  it('auto-creates an index on first documents and infers its primary key', async () => {
    const res = await inject('POST', '/indexes/books/documents', [{ bookId: 'b1', t: 'x' }]);
    expect(res.statusCode).toBe(202);
    expect((await cluster.app.inject({ method: 'GET', url: '/indexes/books' })).json()).toMatchObject({
      uid: 'books',
      primaryKey: 'bookId',
    });
  });
});

describe('settings', () => {
  it('appends SettingsChanged and a barrier in every partition; GET shows client settings over defaults with the version header', async () => {
    const res = await inject('PATCH', '/indexes/movies/settings', {
      filterableAttributes: ['genre'],
      typoTolerance: { enabled: false },
    });
    expect(res.statusCode).toBe(202);
    const { taskUid } = res.json();
    expect(res.json().type).toBe('settingsUpdate');
    expect(res.headers['x-miroir-settings-version']).toBe(String(taskUid));
    const records = await readTopic(kafkaBrokers(), topics().docs('movies', 0), cluster.admin);
    expect(
      records.filter((r) => r.event?.taskUid === taskUid).map((r) => [r.partition, r.event?.type]),
    ).toEqual([0, 1, 2, 3].map((p) => [p, 'SettingsBarrier']));
    const get = await cluster.app.inject({ method: 'GET', url: '/indexes/movies/settings' });
    expect(get.headers['x-miroir-settings-version']).toBe(String(taskUid));
    const settings = get.json();
    expect(Object.keys(settings)).toHaveLength(20);
    expect(settings).toMatchObject({
      filterableAttributes: ['genre'],
      displayedAttributes: ['*'],
      typoTolerance: { enabled: false, minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 } },
      pagination: { maxTotalHits: 1000 },
    });
    expect(JSON.stringify(settings)).not.toContain('_miroir');
    const sub = await inject('PUT', '/indexes/movies/settings/sortable-attributes', ['year']);
    expect(sub.statusCode).toBe(202);
    expect(
      (
        await cluster.app.inject({ method: 'GET', url: '/indexes/movies/settings/sortable-attributes' })
      ).json(),
    ).toEqual(['year']);
    const reset = await inject('DELETE', '/indexes/movies/settings/filterable-attributes');
    expect(reset.statusCode).toBe(202);
    expect(
      (
        await cluster.app.inject({ method: 'GET', url: '/indexes/movies/settings/filterable-attributes' })
      ).json(),
    ).toEqual([]);
  });
});

describe('problems Meilisearch finds when the task runs: 202, then a failed task', () => {
  const cases: { name: string; path: string; body: unknown; code: string; message: string }[] = [
    {
      name: 'missing document id',
      path: '/indexes/movies/documents',
      body: [{ id: 1 }, { title: 'x' }],
      code: 'missing_document_id',
      message: 'Document doesn\'t have a `id` attribute: `{"title":"x"}`.',
    },
    {
      name: 'invalid document id',
      path: '/indexes/movies/documents',
      body: [{ id: 'a b' }],
      code: 'invalid_document_id',
      message:
        'Document identifier `"a b"` is invalid. A document identifier can be of type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and underscores (_), and can not be more than 511 bytes.',
    },
    {
      name: 'other primary key on a keyed index',
      path: '/indexes/movies/documents?primaryKey=title',
      body: [{ id: 1, title: 'a' }],
      code: 'index_primary_key_already_exists',
      message: 'Index already has a primary key: `id`.',
    },
    {
      name: 'no primary key candidate',
      path: '/indexes/fresh1/documents?customMetadata=m1',
      body: [{ title: 'a' }],
      code: 'index_primary_key_no_candidate_found',
      message:
        'The primary key inference failed as the engine did not find any field ending with `id` in its name. Please specify the primary key manually using the `primaryKey` query parameter.',
    },
    {
      name: 'several primary key candidates',
      path: '/indexes/fresh2/documents',
      body: [{ id: 1, uid: 2 }],
      code: 'index_primary_key_multiple_candidates_found',
      message:
        "The primary key inference failed as the engine found 2 fields ending with `id` in their names: 'id' and 'uid'. Please specify the primary key manually using the `primaryKey` query parameter.",
    },
  ];
  for (const c of cases) {
    it(`${c.name}: 202, the task fails with ${c.code} and no document is appended`, async () => {
      const uid = c.path.split('/')[2] as string;
      const docsBefore = await totalRecords(cluster.admin, topics().docs(uid, 0));
      const res = await inject('POST', c.path, c.body);
      expect(res.statusCode).toBe(202);
      const enqueued = res.json();
      expect(enqueued).toMatchObject({ indexUid: uid, status: 'enqueued', type: 'documentAdditionOrUpdate' });
      const task = await finished(enqueued.taskUid);
      expect(task).toMatchObject({
        status: 'failed',
        details: { receivedDocuments: (c.body as unknown[]).length, indexedDocuments: 0 },
        error: { code: c.code, message: c.message, type: 'invalid_request' },
      });
      if (c.path.includes('customMetadata=m1')) {
        expect(enqueued.customMetadata).toBe('m1');
        expect(task.customMetadata).toBe('m1');
      }
      // As in Meilisearch, the index exists afterwards even though its first task failed.
      expect((await cluster.app.inject({ method: 'GET', url: `/indexes/${uid}` })).statusCode).toBe(200);
      expect(await totalRecords(cluster.admin, topics().docs(uid, 0))).toBe(docsBefore);
    });
  }

  it('skipCreation=true on a missing index creates it with its key and succeeds without documents', async () => {
    const res = await inject('POST', '/indexes/ghost2/documents?skipCreation=true', [{ id: 1 }, { id: 2 }]);
    expect(res.statusCode).toBe(202);
    const task = await finished(res.json().taskUid);
    expect(task).toMatchObject({
      status: 'succeeded',
      indexUid: 'ghost2',
      details: { receivedDocuments: 2, indexedDocuments: 2 },
    });
    const index = await cluster.app.inject({ method: 'GET', url: '/indexes/ghost2' });
    expect(index.json()).toMatchObject({ uid: 'ghost2', primaryKey: 'id' });
    expect(await totalRecords(cluster.admin, topics().docs('ghost2', 0))).toBe(0);
  });
});

describe('bad inputs are rejected before anything is appended', () => {
  const cases: {
    name: string;
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    path: string;
    body?: unknown;
    type?: string;
    status: number;
    code: string;
    message?: string;
  }[] = [
    {
      name: 'malformed JSON',
      method: 'POST',
      path: '/indexes/movies/documents',
      body: '[{"id": 1,',
      status: 400,
      code: 'malformed_payload',
    },
    {
      name: 'not objects',
      method: 'POST',
      path: '/indexes/movies/documents',
      body: '[1, 2]',
      status: 400,
      code: 'malformed_payload',
    },
    {
      name: 'unsupported content type',
      method: 'POST',
      path: '/indexes/movies/documents',
      body: 'x',
      type: 'text/plain',
      status: 415,
      code: 'invalid_content_type',
    },
    {
      name: 'reserved field',
      method: 'POST',
      path: '/indexes/movies/documents',
      body: [{ id: 1, _miroir_shard: 2 }],
      status: 400,
      code: 'miroir_reserved_field',
    },
    {
      name: 'bad csv delimiter',
      method: 'POST',
      path: '/indexes/movies/documents?csvDelimiter=ab',
      body: 'id\n1\n',
      type: 'text/csv',
      status: 400,
      code: 'invalid_document_csv_delimiter',
    },
    {
      name: 'unknown query parameter',
      method: 'POST',
      path: '/indexes/movies/documents?nope=1',
      body: [{ id: 1 }],
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'payload over the size limit',
      method: 'POST',
      path: '/indexes/movies/documents',
      body: JSON.stringify([{ id: 1, blob: 'x'.repeat(250_000) }]),
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'delete in a missing index',
      method: 'DELETE',
      path: '/indexes/ghost/documents/1',
      status: 404,
      code: 'index_not_found',
    },
    {
      name: 'delete-batch not an array',
      method: 'POST',
      path: '/indexes/movies/documents/delete-batch',
      body: { ids: [1] },
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'delete without filter',
      method: 'POST',
      path: '/indexes/movies/documents/delete',
      body: {},
      status: 400,
      code: 'missing_document_filter',
    },
    {
      name: 'delete with empty filter',
      method: 'POST',
      path: '/indexes/movies/documents/delete',
      body: { filter: '' },
      status: 400,
      code: 'invalid_document_filter',
    },
    {
      name: 'delete with a filter syntax error',
      method: 'POST',
      path: '/indexes/movies/documents/delete',
      body: { filter: 'title =' },
      status: 400,
      code: 'invalid_document_filter',
    },
    {
      name: 'bad settings value',
      method: 'PATCH',
      path: '/indexes/movies/settings',
      body: { rankingRules: ['nope'] },
      status: 400,
      code: 'invalid_settings_ranking_rules',
    },
    {
      name: 'settings naming a reserved attribute',
      method: 'PATCH',
      path: '/indexes/movies/settings',
      body: { filterableAttributes: ['_miroir_shard'] },
      status: 400,
      code: 'miroir_reserved_field',
    },
    {
      name: 'unknown settings key',
      method: 'PATCH',
      path: '/indexes/movies/settings',
      body: { nope: 1 },
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'index create without uid',
      method: 'POST',
      path: '/indexes',
      body: { primaryKey: 'id' },
      status: 400,
      code: 'missing_index_uid',
    },
    {
      name: 'index create with a bad uid',
      method: 'POST',
      path: '/indexes',
      body: { uid: 'a b' },
      status: 400,
      code: 'invalid_index_uid',
    },
    {
      name: 'bad index uid in the path',
      method: 'POST',
      path: '/indexes/a%20b/documents',
      body: [{ id: 1 }],
      status: 400,
      code: 'invalid_index_uid',
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.status} ${c.code}`, async () => {
      const before = await logSize('movies');
      const res = await inject(c.method, c.path, c.body, c.type);
      expect(res.statusCode).toBe(c.status);
      const body = res.json();
      expect(body).toMatchObject({
        code: c.code,
        type: expect.any(String) as unknown,
        link: expect.stringContaining(c.code) as unknown,
      });
      if (c.message !== undefined) expect(body.message).toBe(c.message);
      expect(await logSize('movies')).toBe(before);
    });
  }

  it('a missing content type is missing_content_type', async () => {
    const before = await logSize('movies');
    const res = await cluster.app.inject({
      method: 'POST',
      url: '/indexes/movies/documents',
      payload: '[{"id":1}]',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('missing_content_type');
    expect(await logSize('movies')).toBe(before);
  });
});

describe('official SDK', () => {
  it('adds documents and reads their task and settings through meilisearch-js', async () => {
    const client = new Meilisearch({ host: url });
    const enqueued = await client.index('movies').addDocuments([{ id: 500, title: 'sdk' }]);
    expect(enqueued.status).toBe('enqueued');
    const task = await client.tasks.getTask(enqueued.taskUid);
    expect(task).toMatchObject({
      uid: enqueued.taskUid,
      indexUid: 'movies',
      type: 'documentAdditionOrUpdate',
    });
    const list = await client.tasks.getTasks({ indexUids: ['movies'], types: ['settingsUpdate'] });
    expect(list.results.length).toBeGreaterThan(0);
    const settings = await client.index('movies').getSettings();
    expect(settings.sortableAttributes).toEqual(['year']);
  });
});
