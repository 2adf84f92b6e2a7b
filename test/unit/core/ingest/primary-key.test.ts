// Which primary key a document write uses (Meilisearch's rules, checked before appending).
import { describe, expect, it } from 'vitest';
import { choosePrimaryKey } from '#core/ingest/primary-key.ts';
import { isMiroirError } from '#core/errors.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isMiroirError(err) ? err.code : 'not a MiroirError';
  }
  return undefined;
}

describe('choosePrimaryKey', () => {
  it("keeps the index's key; the same parameter is fine", () => {
    expect(choosePrimaryKey('id', undefined, { id: 1 })).toEqual({ primaryKey: 'id', setsIndexKey: false });
    expect(choosePrimaryKey('id', 'id', { id: 1 })).toEqual({ primaryKey: 'id', setsIndexKey: false });
  });

  it('rejects a different parameter on a keyed index with index_primary_key_already_exists', () => {
    expect(() => choosePrimaryKey('id', 'sku', { sku: 1 })).toThrow('Index already has a primary key: `id`.');
    expect(codeOf(() => choosePrimaryKey('id', 'sku', { sku: 1 }))).toBe('index_primary_key_already_exists');
  });

  it('uses the parameter on a keyless index, else infers from the first document', () => {
    expect(choosePrimaryKey(null, 'sku', { id: 1 })).toEqual({ primaryKey: 'sku', setsIndexKey: true });
    expect(choosePrimaryKey(null, undefined, { productId: 1, name: 'x' })).toEqual({
      primaryKey: 'productId',
      setsIndexKey: true,
    });
  });

  it('reports inference failures with their Meilisearch codes', () => {
    expect(codeOf(() => choosePrimaryKey(null, undefined, { name: 'x' }))).toBe(
      'index_primary_key_no_candidate_found',
    );
    expect(codeOf(() => choosePrimaryKey(null, undefined, { id: 1, uid: 2 }))).toBe(
      'index_primary_key_multiple_candidates_found',
    );
  });

  it('sets no key for an empty payload on a keyless index', () => {
    expect(choosePrimaryKey(null, undefined, undefined)).toEqual({ primaryKey: null, setsIndexKey: false });
  });
});
