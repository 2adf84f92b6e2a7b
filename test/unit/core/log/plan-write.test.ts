import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEvent } from '#core/events/codec.ts';
import type { DocumentEvent, DocumentsUpsertedEvent } from '#core/events/document-events.ts';
import type { MiroirEvent } from '#core/events/event.ts';
import { isMiroirError } from '#core/errors.ts';
import { HEADER_EVENT_TYPE, HEADER_TASK_UID, groupByTopic } from '#core/log/log-message.ts';
import {
  planWrite,
  type PlanWriteInput,
  type ShardOwners,
  type WriteOperation,
} from '#core/log/plan-write.ts';
import { topicNames } from '#core/log/topics.ts';

const topics = topicNames();
const S = 4;
const owners: ShardOwners = Array.from({ length: S }, (_, s) => [
  [`a${s}`, `b${s}`],
  [`c${s}`, `d${s}`],
]);

function input(operation: WriteOperation, extra: Partial<PlanWriteInput> = {}): PlanWriteInput {
  return {
    topics,
    indexUid: 'movies',
    generation: 2,
    shardCount: S,
    operation,
    owners,
    replicationFactor: 2,
    writeId: 'w1',
    timestamp: 1_760_000_000_000,
    ...extra,
  };
}

const doc = (id: string, body?: string) => ({
  id,
  body: Buffer.from(body ?? JSON.stringify({ id, title: `title ${id}` })),
});

function decodeAll(messages: { value: Buffer }[]): MiroirEvent[] {
  return messages.map((m) => decodeEvent(m.value));
}

describe('planWrite', () => {
  it('given documents on several shards, when planned, then each touched partition gets one batch in client order', () => {
    const documents = [doc('1'), doc('2'), doc('3'), doc('4'), doc('5')];
    const plan = planWrite(input({ kind: 'upsert', primaryKey: 'id', documents, shards: [2, 0, 2, 0, 3] }));
    expect(plan.partitions).toEqual([
      { partition: 0, events: 1, documents: 2 },
      { partition: 2, events: 1, documents: 2 },
      { partition: 3, events: 1, documents: 1 },
    ]);
    const messages = plan.messagesFor(77);
    expect(messages.map((m) => [m.topic, m.partition, m.key])).toEqual([
      ['miroir.docs.movies.g2', 0, '2'],
      ['miroir.docs.movies.g2', 2, '1'],
      ['miroir.docs.movies.g2', 3, '5'],
    ]);
    const events = decodeAll(messages) as DocumentsUpsertedEvent[];
    expect(events.map((e) => e.ids)).toEqual([['2', '4'], ['1', '3'], ['5']]);
    expect(events[1]).toMatchObject({
      type: 'DocumentsUpserted',
      indexUid: 'movies',
      generation: 2,
      taskUid: 77,
      part: 0,
      parts: 1,
      primaryKey: 'id',
      eventId: 'w1:2:0',
    });
    expect(events[1]?.documents.map((d) => d.toString())).toEqual([
      documents[0]?.body.toString(),
      documents[2]?.body.toString(),
    ]);
    expect(messages[0]?.headers).toMatchObject({
      [HEADER_EVENT_TYPE]: 'DocumentsUpserted',
      [HEADER_TASK_UID]: '77',
    });
  });

  it('given a write, when planned, then TaskEnqueued lists touched shards with event counts and owners, without a uid', () => {
    const plan = planWrite(
      input(
        { kind: 'update', primaryKey: 'id', documents: [doc('1'), doc('2')], shards: [1, 1] },
        { customMetadata: 'batch-9' },
      ),
    );
    expect(plan.taskEnqueued).toMatchObject({
      type: 'TaskEnqueued',
      taskUid: null,
      taskType: 'documentAdditionOrUpdate',
      replicationFactor: 2,
      shards: [
        {
          shard: 1,
          events: 1,
          documents: 2,
          owners: [
            ['a1', 'b1'],
            ['c1', 'd1'],
          ],
        },
      ],
      customMetadata: 'batch-9',
    });
    expect(plan.taskEnqueued.details.receivedDocuments).toBe(2);
    expect(plan.taskMessage).toMatchObject({ topic: 'miroir.tasks', partition: 0, key: null });
    expect(decodeEvent(plan.taskMessage.value)).toEqual(plan.taskEnqueued);
    expect(decodeAll(plan.messagesFor(1))[0]?.type).toBe('DocumentsUpdated');
  });

  it('given a batch limit, when many documents go to one shard, then they split into ordered parts that each fit', () => {
    const documents = Array.from({ length: 50 }, (_, i) =>
      doc(String(i), JSON.stringify({ id: i, text: 'x'.repeat(200) })),
    );
    const plan = planWrite(
      input(
        { kind: 'upsert', primaryKey: 'id', documents, shards: documents.map(() => 3) },
        { limits: { batchBytes: 2048 } },
      ),
    );
    const messages = plan.messagesFor(5);
    expect(messages.length).toBeGreaterThan(5);
    for (const m of messages) expect(m.value.length).toBeLessThanOrEqual(2048);
    const events = decodeAll(messages) as DocumentsUpsertedEvent[];
    expect(events.map((e) => e.part)).toEqual(events.map((_, i) => i));
    expect(new Set(events.map((e) => e.parts))).toEqual(new Set([events.length]));
    expect(events.flatMap((e) => e.ids)).toEqual(documents.map((d) => d.id));
    expect(plan.taskEnqueued.shards).toEqual([
      {
        shard: 3,
        events: events.length,
        documents: 50,
        owners: [
          ['a3', 'b3'],
          ['c3', 'd3'],
        ],
      },
    ]);
  });

  it('given any documents and limits, when planned, then every record fits and each partition keeps its documents in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: S - 1 }), fc.string({ maxLength: 300 })), {
          maxLength: 60,
        }),
        fc.integer({ min: 400, max: 5000 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 2 ** 52 }),
        (items, batchBytes, maxItems, uid) => {
          const documents = items.map(([, text], i) => doc(`d${i}`, JSON.stringify({ id: `d${i}`, text })));
          const shards = items.map(([s]) => s);
          const plan = planWrite(
            input(
              { kind: 'upsert', primaryKey: 'id', documents, shards },
              { limits: { batchBytes: Math.max(batchBytes, 1200), maxItems } },
            ),
          );
          const messages = plan.messagesFor(uid).filter((m) => m.topic === 'miroir.docs.movies.g2');
          for (const m of messages) expect(m.value.length).toBeLessThanOrEqual(Math.max(batchBytes, 1200));
          const events = decodeAll(messages) as DocumentsUpsertedEvent[];
          for (let s = 0; s < S; s += 1) {
            const expected = documents.filter((_, i) => shards[i] === s).map((d) => d.id);
            expect(events.filter((_, i) => messages[i]?.partition === s).flatMap((e) => e.ids)).toEqual(
              expected,
            );
          }
          expect(events.every((e) => e.ids.length <= maxItems && e.taskUid === uid)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('given deletions by id, when planned, then ids are routed like documents', () => {
    const plan = planWrite(input({ kind: 'deleteIds', ids: ['a', 'b', 'c'], shards: [0, 3, 0] }));
    const events = decodeAll(plan.messagesFor(9));
    expect(events).toMatchObject([
      { type: 'DocumentsDeleted', ids: ['a', 'c'] },
      { type: 'DocumentsDeleted', ids: ['b'] },
    ]);
    expect(plan.taskEnqueued.taskType).toBe('documentDeletion');
    expect(plan.taskEnqueued.details.providedIds).toBe(3);
  });

  const indexWide: [string, WriteOperation, DocumentEvent['type']][] = [
    ['delete by filter', { kind: 'deleteByFilter', filter: 'genres = horror' }, 'DocumentsDeletedByFilter'],
    ['clear', { kind: 'clear' }, 'DocumentsCleared'],
    ['settings', { kind: 'settings', settings: { filterableAttributes: ['genres'] } }, 'SettingsBarrier'],
  ];
  for (const [name, operation, type] of indexWide) {
    it(`given ${name}, when planned, then one ${type} barrier goes to EVERY partition`, () => {
      const plan = planWrite(input(operation));
      const docs = plan.messagesFor(12).filter((m) => m.topic === 'miroir.docs.movies.g2');
      expect(docs.map((m) => m.partition)).toEqual([0, 1, 2, 3]);
      expect(decodeAll(docs).every((e) => e.type === type && e.taskUid === 12)).toBe(true);
      expect(plan.taskEnqueued.shards.map((s) => s.shard)).toEqual([0, 1, 2, 3]);
    });
  }

  it('given a delete by filter, when planned, then the filter travels and shows as JSON text as the client sent it', () => {
    const plan = planWrite(input({ kind: 'deleteByFilter', filter: ['a = 1', ['b = 2', 'c = 3']] }));
    expect(plan.taskEnqueued.details.originalFilter).toBe('["a = 1",["b = 2","c = 3"]]');
    expect(decodeAll(plan.messagesFor(3))[0]).toMatchObject({ filter: '["a = 1",["b = 2","c = 3"]]' });
    expect(
      planWrite(input({ kind: 'deleteByFilter', filter: 'x = 1' })).taskEnqueued.details.originalFilter,
    ).toBe('"x = 1"');
  });

  it('given a settings update, when planned, then SettingsChanged goes to control and the settings version is the task uid', () => {
    const settings = { rankingRules: ['words', 'sort'], stopWords: null };
    const plan = planWrite(input({ kind: 'settings', settings }));
    const messages = plan.messagesFor(314);
    expect(messages[0]).toMatchObject({ topic: 'miroir.control', partition: 0, key: 'index/movies' });
    expect(decodeEvent(messages[0]?.value as Buffer)).toMatchObject({
      type: 'SettingsChanged',
      settingsVersion: 314,
      settings: JSON.stringify(settings),
    });
    expect(decodeAll(messages.slice(1))).toMatchObject(
      Array.from({ length: S }, () => ({ type: 'SettingsBarrier', settingsVersion: 314 })),
    );
    expect(plan.taskEnqueued).toMatchObject({
      taskType: 'settingsUpdate',
      details: { settings: JSON.stringify(settings) },
    });
    expect(groupByTopic(messages).map((g) => [g.topic, g.messages.length])).toEqual([
      ['miroir.control', 1],
      ['miroir.docs.movies.g2', S],
    ]);
  });

  it('given an empty payload, when planned, then no partition is touched and the task succeeds at once', () => {
    const plan = planWrite(input({ kind: 'upsert', primaryKey: 'id', documents: [], shards: [] }));
    expect(plan.taskEnqueued.shards).toEqual([]);
    const messages = plan.messagesFor(8);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ topic: 'miroir.tasks', key: '8' });
    expect(decodeEvent(messages[0]?.value as Buffer)).toMatchObject({
      type: 'TaskSucceeded',
      taskUid: 8,
      indexedDocuments: 0,
    });
  });

  it('given the same write planned twice, when encoded, then records are identical (event ids derive from the write id)', () => {
    const op: WriteOperation = {
      kind: 'upsert',
      primaryKey: 'id',
      documents: [doc('1'), doc('2')],
      shards: [0, 1],
    };
    const a = planWrite(input(op)).messagesFor(4);
    const b = planWrite(input(op)).messagesFor(4);
    expect(a.map((m) => m.value.toString('hex'))).toEqual(b.map((m) => m.value.toString('hex')));
  });

  describe('bad input', () => {
    function code(fn: () => unknown): string {
      try {
        fn();
      } catch (err) {
        if (isMiroirError(err)) return `${err.code}: ${err.message}`;
        throw err;
      }
      return 'no error';
    }

    it('given one document larger than a record can hold, when planned, then payload_too_large names it', () => {
      const big = doc('huge', JSON.stringify({ id: 'huge', blob: 'x'.repeat(5000) }));
      expect(
        code(() =>
          planWrite(
            input(
              { kind: 'upsert', primaryKey: 'id', documents: [big], shards: [0] },
              { limits: { batchBytes: 1000, maxMessageBytes: 4000 } },
            ),
          ),
        ),
      ).toMatch(
        /^payload_too_large: Document `huge` is too large: its event needs \d+ bytes and the log accepts at most 4000 bytes per record\.$/,
      );
    });

    it('given a document between the batch target and the hard limit, when planned, then it travels alone', () => {
      const big = doc('big', JSON.stringify({ id: 'big', blob: 'x'.repeat(3000) }));
      const plan = planWrite(
        input(
          { kind: 'upsert', primaryKey: 'id', documents: [doc('1'), big, doc('2')], shards: [0, 0, 0] },
          { limits: { batchBytes: 1000, maxMessageBytes: 8000 } },
        ),
      );
      expect((decodeAll(plan.messagesFor(1)) as DocumentsUpsertedEvent[]).map((e) => e.ids)).toEqual([
        ['1'],
        ['big'],
        ['2'],
      ]);
    });

    it('given shards that do not match the documents, when planned, then it fails', () => {
      expect(
        code(() =>
          planWrite(input({ kind: 'upsert', primaryKey: 'id', documents: [doc('1')], shards: [0, 1] })),
        ),
      ).toBe('internal: Got 2 shards for 1 items.');
      expect(code(() => planWrite(input({ kind: 'deleteIds', ids: ['a'], shards: [S] })))).toBe(
        'internal: Shard 4 of item 0 is outside 0..3.',
      );
    });

    it('given inconsistent layout or limits, when planned, then it fails', () => {
      expect(code(() => planWrite(input({ kind: 'clear' }, { owners: owners.slice(1) })))).toBe(
        'internal: Got owners for 3 shards, expected 4.',
      );
      expect(
        code(() => planWrite(input({ kind: 'clear' }, { limits: { batchBytes: 10, maxMessageBytes: 5 } }))),
      ).toMatch(/batchBytes \(10\) exceeds maxMessageBytes/);
      expect(code(() => planWrite(input({ kind: 'clear' })).messagesFor(-1))).toMatch(/Task uid -1/);
    });
  });
});
