// Inbox batches: ordered runs of upserts and deletes, rejects with Meilisearch error bodies.
import { describe, expect, it } from 'vitest';
import { planInboxBatch, type InboxRecord } from '#core/ingest/inbox-batch.ts';

const rec = (offset: number, key: string | null, value: unknown): InboxRecord => ({
  offset,
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
});

describe('planInboxBatch', () => {
  it('groups consecutive records of one kind, keeping order, and keeps the bytes untouched', () => {
    const plan = planInboxBatch(
      [
        rec(0, '1', { id: 1 }),
        rec(1, '2', '{"id": 2,  "n": 1.50}'),
        rec(2, '1', null),
        rec(3, '3', { id: 3 }),
      ],
      'id',
    );
    expect(plan.runs.map((r) => [r.kind, r.offsets])).toEqual([
      ['upsert', [0, 1]],
      ['deleteIds', [2]],
      ['upsert', [3]],
    ]);
    const first = plan.runs[0];
    expect(first?.kind === 'upsert' && first.documents[1]?.body.toString()).toBe('{"id": 2,  "n": 1.50}');
    expect(plan.rejects).toEqual([]);
  });

  it('infers the primary key from the first document of a keyless index', () => {
    const plan = planInboxBatch([rec(0, null, { uuid: 'a' })], null);
    expect(plan).toMatchObject({ primaryKey: 'uuid', setsPrimaryKey: true });
  });

  it('rejects malformed JSON, non-objects, reserved fields, bad ids, key mismatches and keyless tombstones', () => {
    const plan = planInboxBatch(
      [
        rec(0, '1', '{oops'),
        rec(1, '1', [1]),
        rec(2, '1', { id: 1, _miroir_x: 1 }),
        rec(3, null, { id: 'a b' }),
        rec(4, '9', { id: 1 }),
        rec(5, null, null),
        rec(6, '7', { id: 7 }),
      ],
      'id',
    );
    expect(plan.rejects.map((r) => [r.offset, r.error.code])).toEqual([
      [0, 'malformed_payload'],
      [1, 'malformed_payload'],
      [2, 'miroir_reserved_field'],
      [3, 'invalid_document_id'],
      [4, 'invalid_document_id'],
      [5, 'missing_document_id'],
    ]);
    expect(plan.runs).toHaveLength(1);
    expect(plan.rejects[0]?.error).toMatchObject({
      type: 'invalid_request',
      link: expect.stringContaining('malformed_payload') as unknown,
    });
  });
});
