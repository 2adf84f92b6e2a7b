// The batch planner: events of one partition -> node requests, in log order.
import { describe, expect, it } from 'vitest';
import type { DocumentEvent } from '#core/events/document-events.ts';
import {
  commitOffsetAfter,
  documentsPayload,
  planNodeOps,
  type NodeOp,
  type PartitionRecord,
} from '../../../indexers/plan-batch.ts';
import { NODE_MAX_VALUES_PER_FACET } from '../../../indexers/node-settings.ts';

const base = (taskUid: number, part = 0, parts = 1) => ({
  eventId: `w${taskUid}:3:${part}`,
  schemaVersion: 1,
  indexUid: 'books',
  generation: 0,
  timestamp: 1,
  taskUid,
  part,
  parts,
});

const docs = (...list: object[]) => list.map((d) => Buffer.from(JSON.stringify(d)));

function upsert(
  taskUid: number,
  ids: number[],
  type: 'DocumentsUpserted' | 'DocumentsUpdated' = 'DocumentsUpserted',
  primaryKey = 'id',
): DocumentEvent {
  return {
    ...base(taskUid),
    type,
    primaryKey,
    ids: ids.map(String),
    documents: docs(...ids.map((id) => ({ id, title: `t${id}` }))),
  };
}

function records(...events: DocumentEvent[]): PartitionRecord[] {
  return events.map((event, i) => ({ offset: 100 + i, event }));
}

const LIMITS = { maxDocs: 1000, maxBytes: 1 << 20 };

const kinds = (ops: NodeOp[]) => ops.map((op) => `${op.kind}:${op.records.map((r) => r.offset).join(',')}`);

describe('planNodeOps', () => {
  it('merges consecutive upserts of several tasks into one request, with _miroir_shard in every document', () => {
    const ops = planNodeOps(records(upsert(1, [1, 2]), upsert(2, [3])), 3, LIMITS);
    expect(kinds(ops)).toEqual(['upsert:100,101']);
    const op = ops[0] as Extract<NodeOp, { kind: 'upsert' | 'update' }>;
    expect(JSON.parse(documentsPayload(op.items).toString())).toEqual([
      { id: 1, title: 't1', _miroir_shard: { s3: null } },
      { id: 2, title: 't2', _miroir_shard: { s3: null } },
      { id: 3, title: 't3', _miroir_shard: { s3: null } },
    ]);
    expect(op.bytes).toBe(documentsPayload(op.items).length);
    expect(op.items.map((i) => i.id)).toEqual(['1', '2', '3']);
    expect(commitOffsetAfter(op)).toBe(102);
  });

  it('keeps log order: a change of kind or primary key starts a new request', () => {
    const del: DocumentEvent = { ...base(3), type: 'DocumentsDeleted', ids: ['1', '2'] };
    const del2: DocumentEvent = { ...base(4), type: 'DocumentsDeleted', ids: ['9'] };
    const ops = planNodeOps(
      records(
        upsert(1, [1]),
        upsert(2, [2], 'DocumentsUpdated'),
        del,
        del2,
        upsert(5, [4]),
        upsert(6, [5], 'DocumentsUpserted', 'isbn'),
      ),
      0,
      LIMITS,
    );
    expect(kinds(ops)).toEqual(['upsert:100', 'update:101', 'deleteIds:102,103', 'upsert:104', 'upsert:105']);
    expect((ops[2] as Extract<NodeOp, { kind: 'deleteIds' }>).items.map((i) => i.id)).toEqual([
      '1',
      '2',
      '9',
    ]);
  });

  it('cuts requests at maxDocs and maxBytes but never splits an event', () => {
    const ops = planNodeOps(records(upsert(1, [1, 2, 3]), upsert(2, [4, 5]), upsert(3, [6])), 0, {
      maxDocs: 4,
      maxBytes: 1 << 20,
    });
    expect(kinds(ops)).toEqual(['upsert:100', 'upsert:101,102']);
    const big = planNodeOps(records(upsert(1, [1, 2, 3, 4, 5])), 0, { maxDocs: 2, maxBytes: 10 });
    expect(kinds(big)).toEqual(['upsert:100']);
    const oneEach = planNodeOps(records(upsert(1, [1]), upsert(2, [2])), 0, { maxDocs: 100, maxBytes: 60 });
    expect(kinds(oneEach)).toEqual(['upsert:100', 'upsert:101']);
  });

  it('scopes delete-by-filter and clear to the shard and never clears the whole node index', () => {
    const byFilter: DocumentEvent = {
      ...base(7),
      type: 'DocumentsDeletedByFilter',
      filter: JSON.stringify('genre = sf OR year < 1900'),
    };
    const byArray: DocumentEvent = {
      ...base(8),
      type: 'DocumentsDeletedByFilter',
      filter: JSON.stringify(['a = 1', ['b = 2', 'c = 3']]),
    };
    const cleared: DocumentEvent = { ...base(9), type: 'DocumentsCleared' };
    const ops = planNodeOps(records(upsert(1, [1]), byFilter, byArray, cleared, upsert(2, [2])), 5, LIMITS);
    expect(kinds(ops)).toEqual([
      'upsert:100',
      'deleteByFilter:101',
      'deleteByFilter:102',
      'deleteByFilter:103',
      'upsert:104',
    ]);
    expect(ops.slice(1, 4).map((op) => (op as Extract<NodeOp, { kind: 'deleteByFilter' }>).filter)).toEqual([
      ['genre = sf OR year < 1900', '_miroir_shard.s5 EXISTS'],
      ['a = 1', ['b = 2', 'c = 3'], '_miroir_shard.s5 EXISTS'],
      '_miroir_shard.s5 EXISTS',
    ]);
    expect((ops[3] as Extract<NodeOp, { kind: 'deleteByFilter' }>).clear).toBe(true);
  });

  it('turns a settings barrier into the node settings', () => {
    const barrier: DocumentEvent = {
      ...base(10),
      type: 'SettingsBarrier',
      settingsVersion: 10,
      settings: JSON.stringify({
        filterableAttributes: ['genre'],
        faceting: { maxValuesPerFacet: 20 },
        searchableAttributes: ['title'],
      }),
    };
    const [op] = planNodeOps(records(barrier), 0, LIMITS);
    expect(op).toMatchObject({
      kind: 'settings',
      settingsVersion: 10,
      settings: {
        filterableAttributes: ['genre', '_miroir_shard'],
        faceting: { maxValuesPerFacet: NODE_MAX_VALUES_PER_FACET },
        searchableAttributes: ['title'],
      },
    });
  });

  it('plans nothing for no records', () => {
    expect(planNodeOps([], 0, LIMITS)).toEqual([]);
  });
});
