// Task reports of an applier: applied once per task shard (at its last part), failed once, dead letters.
import { describe, expect, it } from 'vitest';
import { decodeEvent, defaultEventCodec } from '#core/events/codec.ts';
import { topicNames } from '#core/log/topics.ts';
import type { OpOutcome } from '../../../indexers/node-executor.ts';
import type { PartitionRecord } from '../../../indexers/plan-batch.ts';
import { HEADER_DLQ_REASON, PartitionTaskTracker } from '../../../indexers/task-reports.ts';

const topics = topicNames('t.');
const identity = { nodeId: 'n1', replicaGroup: 0, indexUid: 'books', nodeIndexUid: 'books', shard: 2 };
const upsert = (
  taskUid: number,
  part: number,
  parts: number,
  ids: string[],
  offset: number,
): PartitionRecord => ({
  offset,
  event: {
    eventId: `w${taskUid}:2:${part}`,
    schemaVersion: 1,
    indexUid: 'books',
    generation: 0,
    timestamp: 1,
    taskUid,
    part,
    parts,
    type: 'DocumentsUpserted',
    primaryKey: 'id',
    ids,
    documents: ids.map((id) => Buffer.from(JSON.stringify({ id }))),
  },
});
const outcome = (counts: [number, number | null][], rejected: OpOutcome['rejected'] = []): OpOutcome => ({
  rejected,
  counts: new Map(
    counts.map(([uid, indexed]) => [uid, { indexedDocuments: indexed, deletedDocuments: null }]),
  ),
  requests: 1,
});
const decoded = (messages: { topic: string; value: Buffer }[]) =>
  messages.filter((m) => m.topic === topics.tasks).map((m) => decodeEvent(m.value));

describe('PartitionTaskTracker', () => {
  it('reports a task once, at its last part, with counts summed over requests', () => {
    const tracker = new PartitionTaskTracker(identity, topics, defaultEventCodec());
    const a = upsert(7, 0, 2, ['1', '2'], 10);
    expect(tracker.report([a], outcome([[7, 2]]), 5)).toEqual([]);
    const b = upsert(7, 1, 2, ['3'], 11);
    const events = decoded(tracker.report([b], outcome([[7, 1]]), 6));
    expect(events).toEqual([
      expect.objectContaining({
        type: 'TaskShardApplied',
        taskUid: 7,
        nodeId: 'n1',
        shard: 2,
        offset: 11,
        indexedDocuments: 3,
        deletedDocuments: null,
        replicaGroup: 0,
      }),
    ]);
  });

  it('reports null counters for a task resumed past its first part', () => {
    const tracker = new PartitionTaskTracker(identity, topics, defaultEventCodec());
    const [event] = decoded(tracker.report([upsert(8, 1, 2, ['9'], 20)], outcome([[8, 1]]), 1));
    expect(event).toMatchObject({ type: 'TaskShardApplied', indexedDocuments: null });
  });

  it('fails a task once, dead-letters each rejected document, and never reports it applied', () => {
    const tracker = new PartitionTaskTracker(identity, topics, defaultEventCodec());
    const record = upsert(9, 0, 1, ['ok', 'bad id'], 30);
    const error = {
      message: 'Document identifier `"bad id"` is invalid.',
      code: 'invalid_document_id',
      type: 'invalid_request',
      link: 'https://docs.meilisearch.com/errors#invalid_document_id',
    };
    const item = { id: 'bad id', body: Buffer.from('{"id":"bad id","_miroir_shard":{"s2":null}}'), record };
    const messages = tracker.report([record], outcome([[9, 1]], [{ record, item, error }]), 2);
    expect(decoded(messages)).toEqual([
      expect.objectContaining({ type: 'TaskShardFailed', taskUid: 9, offset: 30, error }),
    ]);
    const dlq = messages.filter((m) => m.topic === topics.dlq('books'));
    expect(dlq).toHaveLength(1);
    expect(dlq[0]?.key).toBe('bad id');
    expect(dlq[0]?.headers[HEADER_DLQ_REASON]).toBe('invalid_document_id');
    expect(JSON.parse(dlq[0]?.value.toString() ?? '')).toMatchObject({
      taskUid: 9,
      nodeId: 'n1',
      shard: 2,
      offset: 30,
      documentId: 'bad id',
      document: { id: 'bad id', _miroir_shard: { s2: null } },
      error,
    });
  });
});
