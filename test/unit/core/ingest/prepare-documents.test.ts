// Documents are checked (reserved fields, ids) and routed to shards before anything is appended.
import { beforeAll, describe, expect, it } from 'vitest';
import { isMiroirError } from '#core/errors.ts';
import { prepareDocuments, shardsOfIds } from '#core/ingest/prepare-documents.ts';
import { assertNoReservedAttributes, assertNoReservedFields } from '#core/ingest/reserved-fields.ts';
import { initRouting, shardOf } from '#core/routing/hash.ts';

function errorOf(fn: () => unknown): { code: string; message: string } | undefined {
  try {
    fn();
  } catch (err) {
    if (isMiroirError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  return undefined;
}

describe('prepareDocuments', () => {
  beforeAll(() => initRouting());

  it('gives each document its id text, JSON bytes and shard = shardOf(id, S)', () => {
    const { documents, shards } = prepareDocuments(
      [
        { id: 1, t: 'a' },
        { id: 'b-2', t: 'b' },
      ],
      'id',
      8,
    );
    expect(documents.map((d) => d.id)).toEqual(['1', 'b-2']);
    expect(JSON.parse(documents[0]?.body.toString() ?? '')).toEqual({ id: 1, t: 'a' });
    expect([...shards]).toEqual([shardOf('1', 8), shardOf('b-2', 8)]);
  });

  it("keeps the client's own JSON text as the body when given", () => {
    const { documents } = prepareDocuments([{ id: 1, p: 1.5 }], 'id', 4, ['{"id": 1, "p": 1.50}']);
    expect(documents[0]?.body.toString()).toBe('{"id": 1, "p": 1.50}');
  });

  it('keeps client bytes given as views, without copying them', () => {
    const payload = Buffer.from('[{"id":"a", "n":1.0}]');
    const view = payload.subarray(1, payload.length - 1);
    const { documents } = prepareDocuments([{ id: 'a', n: 1 }], 'id', 4, [view]);
    expect(documents[0]?.body).toBe(view);
  });

  it('reads a top-level key only at the top level, and refuses two matches of a dotted key', () => {
    expect(prepareDocuments([{ id: 'top', a: { id: 'nested' } }], 'id', 4).documents[0]?.id).toBe('top');
    expect(errorOf(() => prepareDocuments([{ a: { id: 'nested' } }], 'id', 4))?.code).toBe(
      'missing_document_id',
    );
    expect(errorOf(() => prepareDocuments([{ 'a.b': 1, a: { b: 2 } }], 'a.b', 4))?.code).toBe(
      'invalid_document_id',
    );
  });

  it('reads nested primary keys', () => {
    expect(prepareDocuments([{ a: { b: 'x' } }], 'a.b', 4).documents[0]?.id).toBe('x');
  });

  it('rejects a reserved field with miroir_reserved_field', () => {
    expect(errorOf(() => prepareDocuments([{ id: 1 }, { id: 2, _miroir_shard: 3 }], 'id', 4))).toEqual({
      code: 'miroir_reserved_field',
      message:
        'Document has the reserved field `_miroir_shard`: fields starting with `_miroir_` are reserved by Miroir.',
    });
    expect(() => assertNoReservedFields({ miroir_shard: 1, _miroirx: 2 })).not.toThrow();
  });

  it('rejects missing and invalid ids with Meilisearch codes and messages', () => {
    expect(errorOf(() => prepareDocuments([{ title: 'x' }], 'id', 4))).toEqual({
      code: 'missing_document_id',
      message: 'Document doesn\'t have a `id` attribute: `{"title":"x"}`.',
    });
    expect(errorOf(() => prepareDocuments([{ id: 'a b' }], 'id', 4))?.code).toBe('invalid_document_id');
    expect(errorOf(() => prepareDocuments([{ id: 1.5 }], 'id', 4))?.code).toBe('invalid_document_id');
  });

  it('routes delete ids the same way as documents', () => {
    expect([...shardsOfIds(['1', 'b-2'], 8)]).toEqual([shardOf('1', 8), shardOf('b-2', 8)]);
  });
});

describe('assertNoReservedAttributes', () => {
  it('rejects settings naming a reserved attribute, in strings and attribute patterns', () => {
    expect(
      errorOf(() => assertNoReservedAttributes({ filterableAttributes: ['genre', '_miroir_shard'] }))?.code,
    ).toBe('miroir_reserved_field');
    expect(
      errorOf(() =>
        assertNoReservedAttributes({ filterableAttributes: [{ attributePatterns: ['_miroir_*'] }] }),
      )?.code,
    ).toBe('miroir_reserved_field');
    expect(errorOf(() => assertNoReservedAttributes({ distinctAttribute: '_miroir_shard' }))?.code).toBe(
      'miroir_reserved_field',
    );
    expect(
      errorOf(() =>
        assertNoReservedAttributes({ filterableAttributes: ['genre'], stopWords: ['_miroir_x'] }),
      ),
    ).toBeUndefined();
  });
});
