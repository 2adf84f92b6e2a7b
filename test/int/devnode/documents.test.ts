// Contract: document routes through the official client (JSON, NDJSON, CSV, partial updates,
// listing, fetching, every deletion form) and the task-time id and primary key checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectApiError, startTestNode, uniqueIndex, type TestNode } from './helpers.ts';

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode();
});
afterAll(async () => {
  await t.stop();
});

const books = [
  { id: 1, title: 'Dune', author: 'Herbert', year: 1965, genre: 'scifi' },
  { id: 2, title: 'Emma', author: 'Austen', year: 1815, genre: 'romance' },
  { id: 3, title: 'Neuromancer', author: 'Gibson', year: 1984, genre: 'scifi' },
  { id: 4, title: 'Persuasion', author: 'Austen', year: 1817, genre: 'romance' },
];

describe('documents', () => {
  it('shows only the displayed attributes in every document route', async () => {
    const idx = t.client.index(uniqueIndex('displayed'));
    await idx.addDocuments(books).waitTask();
    await idx.updateDisplayedAttributes(['id', 'title']).waitTask();
    expect(await idx.getDocument(1)).toEqual({ id: 1, title: 'Dune' });
    expect((await idx.getDocuments({ limit: 1 })).results).toEqual([{ id: 1, title: 'Dune' }]);
    expect((await idx.getDocuments({ limit: 1, fields: ['title', 'author'] })).results).toEqual([
      { title: 'Dune' },
    ]);
    expect((await idx.getDocuments({ ids: [2] })).results).toEqual([{ id: 2, title: 'Emma' }]);
  });

  it('auto-creates the index, infers the primary key and answers with an EnqueuedTask', async () => {
    const uid = uniqueIndex('books');
    const enqueued = await t.client.index(uid).addDocuments(books);
    expect(enqueued).toMatchObject({ indexUid: uid, status: 'enqueued', type: 'documentAdditionOrUpdate' });
    expect(typeof enqueued.taskUid).toBe('number');
    const task = await t.client.tasks.waitForTask(enqueued.taskUid);
    expect(task.status).toBe('succeeded');
    expect(task.details).toMatchObject({ receivedDocuments: 4, indexedDocuments: 4 });
    expect(task.duration).toMatch(/^P(\d+D)?T\d+(\.\d+)?S$/);
    const index = await t.client.index(uid).getRawInfo();
    expect(index.primaryKey).toBe('id');
    expect(await t.client.index(uid).getDocument(2)).toEqual(books[1]);
    expect(await t.client.index(uid).getDocument(2, { fields: ['title'] })).toEqual({ title: 'Emma' });
  });

  it('replaces with POST and merges with PUT', async () => {
    const uid = uniqueIndex('books');
    const idx = t.client.index(uid);
    await idx.addDocuments(books).waitTask();
    await idx.addDocuments([{ id: 1, title: 'Dune Messiah' }]).waitTask();
    expect(await idx.getDocument(1)).toEqual({ id: 1, title: 'Dune Messiah' });
    await idx.updateDocuments([{ id: 2, year: 1816 }]).waitTask();
    expect(await idx.getDocument(2)).toEqual({ ...books[1], year: 1816 });
  });

  it('with skipCreation writes only the documents the index already holds', async () => {
    const uid = uniqueIndex('skip');
    const idx = t.client.index(uid);
    await idx.addDocuments(books).waitTask();
    const added = await idx
      .addDocuments(
        [
          { id: 1, title: 'Dune Messiah' },
          { id: 9, title: 'New' },
        ],
        { skipCreation: true },
      )
      .waitTask();
    expect(added.details).toMatchObject({ receivedDocuments: 2, indexedDocuments: 2 });
    await idx
      .updateDocuments(
        [
          { id: 2, year: 1816 },
          { id: 8, title: 'Other' },
        ],
        { skipCreation: true },
      )
      .waitTask();
    expect(await idx.getDocument(1)).toEqual({ id: 1, title: 'Dune Messiah' });
    expect(await idx.getDocument(2)).toEqual({ ...books[1], year: 1816 });
    expect((await idx.getDocuments({ limit: 10 })).total).toBe(4);
  });

  it('accepts NDJSON and CSV (with a custom delimiter and typed headers)', async () => {
    const uid = uniqueIndex('mixed');
    const idx = t.client.index(uid);
    const nd = await idx
      .addDocumentsFromString('{"id":"a","n":1}\n{"id":"b","n":2}\n', 'application/x-ndjson')
      .waitTask();
    expect(nd.status).toBe('succeeded');
    const csv = await idx
      .addDocumentsFromString('id;price:number;name\nc;3.5;gamma\nd;4;delta\n', 'text/csv', {
        csvDelimiter: ';',
      })
      .waitTask();
    expect(csv.status).toBe('succeeded');
    expect(csv.details?.receivedDocuments).toBe(2);
    expect(await idx.getDocument('c')).toEqual({ id: 'c', price: 3.5, name: 'gamma' });
    expect((await idx.getDocuments({ limit: 10 })).total).toBe(4);
  });

  it('lists with filter, fields, offset, limit and ids, and fetches by POST', async () => {
    const uid = uniqueIndex('books');
    const idx = t.client.index(uid);
    await idx.updateFilterableAttributes(['genre', 'year']).waitTask();
    await idx.addDocuments(books).waitTask();
    const page = await idx.getDocuments({ offset: 1, limit: 2, fields: ['id'] });
    expect(page).toEqual({ results: [{ id: 2 }, { id: 3 }], offset: 1, limit: 2, total: 4 });
    const filtered = await idx.getDocuments({ filter: 'genre = romance AND year > 1816', fields: ['title'] });
    expect(filtered.results).toEqual([{ title: 'Persuasion' }]);
    expect(filtered.total).toBe(1);
    const byIds = await idx.getDocuments({ ids: ['3', '1'], fields: ['id'] });
    expect(byIds.results.map((d) => d.id).sort()).toEqual([1, 3]);
  });

  it('deletes one, a batch, by filter, and all', async () => {
    const uid = uniqueIndex('books');
    const idx = t.client.index(uid);
    await idx.updateFilterableAttributes(['genre']).waitTask();
    await idx.addDocuments(books).waitTask();
    const one = await idx.deleteDocument(1).waitTask();
    expect(one.details).toMatchObject({ providedIds: 1, deletedDocuments: 1 });
    const batch = await idx.deleteDocuments([2, 99]).waitTask();
    expect(batch.details).toMatchObject({ providedIds: 2, deletedDocuments: 1 });
    const byFilter = await idx.deleteDocuments({ filter: 'genre = scifi' }).waitTask();
    expect(byFilter.details).toMatchObject({
      providedIds: 0,
      deletedDocuments: 1,
      originalFilter: '"genre = scifi"',
    });
    expect((await idx.getDocuments()).results).toEqual([books[3]]);
    const all = await idx.deleteAllDocuments().waitTask();
    expect(all.details).toMatchObject({ deletedDocuments: 1 });
    expect((await idx.getStats()).numberOfDocuments).toBe(0);
    await expectApiError(() => idx.getDocument(4), 'document_not_found', 404);
  });

  it('fails only the task whose payload holds a bad id, and its neighbours succeed', async () => {
    const uid = uniqueIndex('books');
    const idx = t.client.index(uid);
    const good1 = await idx.addDocuments([{ id: 'a1', v: 1 }]);
    const bad = await idx.addDocuments([
      { id: 'b1', v: 2 },
      { id: 'bad id!', v: 3 },
    ]);
    const good2 = await idx.addDocuments([{ id: 'c1', v: 4 }]);
    const [t1, t2, t3] = await t.client.tasks.waitForTasks([good1, bad, good2]);
    expect(t1?.status).toBe('succeeded');
    expect(t2?.status).toBe('failed');
    expect(t2?.error?.code).toBe('invalid_document_id');
    expect(t2?.details).toMatchObject({ receivedDocuments: 2, indexedDocuments: 0 });
    expect(t3?.status).toBe('succeeded');
    expect((await idx.getDocuments()).results.map((d) => d.id)).toEqual(['a1', 'c1']);
  });

  it('reports primary key problems in the task', async () => {
    const noneUid = uniqueIndex('pk');
    const none = await t.client
      .index(noneUid)
      .addDocuments([{ name: 'x' }])
      .waitTask();
    expect(none.error?.code).toBe('index_primary_key_no_candidate_found');
    // As in Meilisearch, the failed write still created its index, without a primary key.
    expect(await t.client.getIndex(noneUid)).toMatchObject({ uid: noneUid, primaryKey: null });
    expect(await t.client.index(noneUid).getStats()).toEqual({
      numberOfDocuments: 0,
      rawDocumentDbSize: 0,
      avgDocumentSize: 0,
      isIndexing: false,
      numberOfEmbeddings: 0,
      numberOfEmbeddedDocuments: 0,
      fieldDistribution: {},
    });
    const many = await t.client
      .index(uniqueIndex('pk'))
      .addDocuments([{ id: 1, object_id: 2 }])
      .waitTask();
    expect(many.error?.code).toBe('index_primary_key_multiple_candidates_found');
    const uid = uniqueIndex('pk');
    await t.client
      .index(uid)
      .addDocuments([{ id: 1 }])
      .waitTask();
    const missing = await t.client
      .index(uid)
      .addDocuments([{ name: 'no id' }])
      .waitTask();
    expect(missing.error?.code).toBe('missing_document_id');
    expect(missing.error?.message).toBe('Document doesn\'t have a `id` attribute: `{"name":"no id"}`.');
    const other = await t.client
      .index(uid)
      .addDocuments([{ id: 2 }], { primaryKey: 'name' })
      .waitTask();
    expect(other.error?.code).toBe('index_primary_key_already_exists');
  });
});
