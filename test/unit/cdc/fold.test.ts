import { describe, expect, it } from 'vitest';
import { CHANGE_ENVELOPE_SCHEMA } from '#core/cdc/avro.ts';
import { changeRecords, parseChangeEnvelope, type ChangeSource } from '#core/cdc/envelope.ts';
import {
  filterMatcher,
  foldDocumentEvent,
  foldSettings,
  INITIAL_SHARD_SETTINGS,
  mergeUpdate,
  shardSettingsMetadata,
  shardSettingsOf,
  type ShardSettings,
} from '#core/cdc/fold.ts';
import { ShardOverlay } from '#core/cdc/overlay.ts';
import type { DocumentEvent } from '#core/events/document-events.ts';

const envelope = {
  eventId: 'e',
  schemaVersion: 1,
  indexUid: 'books',
  generation: 0,
  timestamp: 1,
  taskUid: 7,
  part: 0,
  parts: 1,
};
const docs = (...d: object[]): Buffer[] => d.map((x) => Buffer.from(JSON.stringify(x)));
const upsert = (...d: { id: string }[]): DocumentEvent => ({
  ...envelope,
  type: 'DocumentsUpserted',
  primaryKey: 'id',
  ids: d.map((x) => x.id),
  documents: docs(...d),
});

function memoryState(initial: Record<string, object> = {}): ShardOverlay {
  const base = new Map(Object.entries(initial).map(([k, v]) => [k, JSON.stringify(v)]));
  return new ShardOverlay({ get: (k) => base.get(k), entries: () => base.entries() });
}

const withFilterable = (...f: string[]): ShardSettings => ({ settingsVersion: 0, filterable: f });

describe('foldDocumentEvent', () => {
  it('creates, then updates, with the previous image as before', () => {
    const state = memoryState();
    const first = foldDocumentEvent(upsert({ id: '1', t: 'a' } as never), state, INITIAL_SHARD_SETTINGS);
    expect(first.changes).toEqual([{ op: 'c', key: '1', before: null, after: '{"id":"1","t":"a"}' }]);
    const second = foldDocumentEvent(upsert({ id: '1', t: 'b' } as never), state, INITIAL_SHARD_SETTINGS);
    expect(second.changes).toEqual([
      { op: 'u', key: '1', before: '{"id":"1","t":"a"}', after: '{"id":"1","t":"b"}' },
    ]);
  });

  it('merges a partial update top-level field by field, and creates a missing document', () => {
    const state = memoryState({ 1: { id: '1', a: 1, nested: { x: 1, y: 2 } } });
    const event: DocumentEvent = {
      ...envelope,
      type: 'DocumentsUpdated',
      primaryKey: 'id',
      ids: ['1', '2'],
      documents: docs({ id: '1', b: 2, nested: { x: 9 } }, { id: '2', c: 3 }),
    };
    const { changes } = foldDocumentEvent(event, state, INITIAL_SHARD_SETTINGS);
    expect(changes.map((c) => [c.op, c.key, c.after === null ? null : JSON.parse(c.after)])).toEqual([
      ['u', '1', { id: '1', a: 1, nested: { x: 9 }, b: 2 }],
      ['c', '2', { id: '2', c: 3 }],
    ]);
  });

  it('deletes only documents that exist', () => {
    const state = memoryState({ 1: { id: '1' } });
    const event: DocumentEvent = { ...envelope, type: 'DocumentsDeleted', ids: ['1', '9', '1'] };
    expect(foldDocumentEvent(event, state, INITIAL_SHARD_SETTINGS).changes).toEqual([
      { op: 'd', key: '1', before: '{"id":"1"}', after: null },
    ]);
  });

  it('deletes by filter with the filterable attributes of that record, and nothing when not filterable', () => {
    const initial = { 1: { id: '1', g: 'x' }, 2: { id: '2', g: 'y' }, 3: { id: '3', g: ['x', 'z'] } };
    const event: DocumentEvent = { ...envelope, type: 'DocumentsDeletedByFilter', filter: '"g = x"' };
    expect(foldDocumentEvent(event, memoryState(initial), INITIAL_SHARD_SETTINGS).changes).toEqual([]);
    const { changes } = foldDocumentEvent(event, memoryState(initial), withFilterable('g'));
    expect(changes.map((c) => c.key).sort()).toEqual(['1', '3']);
    expect(changes.every((c) => c.op === 'd')).toBe(true);
  });

  it('sees earlier changes of the same batch, and clear removes them too', () => {
    const state = memoryState({ 1: { id: '1' } });
    foldDocumentEvent(upsert({ id: '2' }), state, INITIAL_SHARD_SETTINGS);
    const cleared = foldDocumentEvent(
      { ...envelope, type: 'DocumentsCleared' },
      state,
      INITIAL_SHARD_SETTINGS,
    );
    expect(cleared.changes.map((c) => c.key).sort()).toEqual(['1', '2']);
    expect([...state.entries()]).toEqual([]);
  });

  it('folds settings barriers: filterable attributes replaced, reset by null, kept when absent', () => {
    let s = foldSettings(
      INITIAL_SHARD_SETTINGS,
      1,
      '{"filterableAttributes":["a",{"attributePatterns":["b*"]}]}',
    );
    expect(s).toEqual({ settingsVersion: 1, filterable: ['a', 'b*'] });
    s = foldSettings(s, 2, '{"searchableAttributes":["t"]}');
    expect(s).toEqual({ settingsVersion: 2, filterable: ['a', 'b*'] });
    s = foldSettings(s, 3, '{"filterableAttributes":null}');
    expect(s).toEqual({ settingsVersion: 3, filterable: [] });
    expect(shardSettingsOf(shardSettingsMetadata(withFilterable('x.y')))).toEqual(withFilterable('x.y'));
    expect(shardSettingsOf(null)).toEqual(INITIAL_SHARD_SETTINGS);
  });
});

describe('filterMatcher', () => {
  it('refuses unparsable filters and matches nested patterns', () => {
    expect(filterMatcher('"g ="', ['g'])).toBeNull();
    expect(filterMatcher('not json', ['g'])).toBeNull();
    const m = filterMatcher('["a.b > 2"]', ['a']);
    expect(m?.('{"a":{"b":3}}')).toBe(true);
    expect(m?.('{"a":{"b":1}}')).toBe(false);
  });

  it('mergeUpdate keeps the base when none exists', () => {
    expect(mergeUpdate(undefined, '{"id":1}')).toBe('{"id":1}');
  });
});

describe('ShardOverlay', () => {
  it('rolls back only the changes since the last mark', () => {
    const state = memoryState({ 1: { id: '1' } });
    state.set('2', '{"id":"2"}');
    state.mark();
    state.set('1', null);
    state.set('2', '{"id":"2","v":2}');
    state.set('3', '{"id":"3"}');
    state.rollback();
    expect(state.get('1')).toBe('{"id":"1"}');
    expect(state.get('2')).toBe('{"id":"2"}');
    expect(state.get('3')).toBeUndefined();
    expect([...state.changes()]).toEqual([['2', '{"id":"2"}']]);
  });
});

describe('changeRecords', () => {
  const source: ChangeSource = {
    index: 'books',
    generation: 0,
    shard: 1,
    topic: 'miroir.docs.books.g0',
    partition: 1,
    offset: 42,
    seq: 0,
    taskUid: 7,
    settingsVersion: -1,
    eventId: 'w:1:0',
    ts_ms: 5,
  };

  it('writes a Debezium envelope with the images spliced in, and a tombstone after a delete', () => {
    const [created] = changeRecords({ op: 'c', key: '1', before: null, after: '{"id":"1"}' }, source, 9);
    expect(created?.key).toBe('1');
    expect(parseChangeEnvelope(created!.value)).toEqual({
      before: null,
      after: { id: '1' },
      source: { connector: 'miroir', ...source },
      op: 'c',
      ts_ms: 9,
    });
    expect(created?.headers).toEqual({
      'miroir-op': 'c',
      'miroir-event-id': 'w:1:0',
      'miroir-task-uid': '7',
    });
    const deleted = changeRecords({ op: 'd', key: '1', before: '{"id":"1"}', after: null }, source, 9);
    expect(deleted).toHaveLength(2);
    expect(deleted[1]?.value).toBeNull();
    expect(parseChangeEnvelope(deleted[0]!.value)?.before).toEqual({ id: '1' });
  });

  it('encodes Avro in the Confluent wire format that reads back as the JSON envelope does', () => {
    const change = {
      op: 'u',
      key: '1',
      before: '{"id":"1"}',
      after: '{"id":"1","v":[1,{"x":null}]}',
    } as const;
    const [avroRecord] = changeRecords(change, source, 9, 42);
    const value = avroRecord!.value as Buffer;
    expect(value[0]).toBe(0);
    expect(value.readUInt32BE(1)).toBe(42);
    const [jsonRecord] = changeRecords(change, source, 9);
    expect(parseChangeEnvelope(value)).toEqual(parseChangeEnvelope(jsonRecord!.value));
    const schema = CHANGE_ENVELOPE_SCHEMA.fields.find((f) => f.name === 'source')!.type as unknown as {
      fields: { name: string }[];
    };
    expect(schema.fields.map((f) => f.name)).toEqual(['connector', ...Object.keys(source)]);
  });

  it('refuses a value that is not an envelope', () => {
    expect(() => parseChangeEnvelope('{"x":1}')).toThrow(/not a changelog envelope/);
  });
});
