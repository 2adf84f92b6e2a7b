import { describe, expect, it } from 'vitest';
import { inferPrimaryKey, primaryKeyCandidates } from '#core/documents/primary-key.ts';
import { isMiroirError } from '#core/errors.ts';

const failure = (doc: Record<string, unknown>): { code: string; message: string } => {
  try {
    inferPrimaryKey(doc);
  } catch (e) {
    if (isMiroirError(e)) return { code: e.code, message: e.message };
  }
  throw new Error('expected an error');
};

describe('inferPrimaryKey', () => {
  it('picks the only top-level field ending with id, case-insensitively', () => {
    expect(inferPrimaryKey({ title: 'x', ID: 1 })).toBe('ID');
    expect(inferPrimaryKey({ productId: 1, name: 'x' })).toBe('productId');
    expect(inferPrimaryKey({ uuid: 'a', nested: { id: 1 } })).toBe('uuid');
    expect(primaryKeyCandidates({ paid: true, valid: 1, identity: 2 })).toEqual(['paid', 'valid']);
  });

  it('fails without a candidate', () => {
    expect(failure({ title: 'x', identity: 1 })).toEqual({
      code: 'index_primary_key_no_candidate_found',
      message:
        'The primary key inference failed as the engine did not find any field ending with `id` in its name. Please specify the primary key manually using the `primaryKey` query parameter.',
    });
  });

  it('fails with several candidates, naming the count and the first two in byte order', () => {
    expect(failure({ object_id: 1, id: 2, title: 'x', SpanId: 3 })).toEqual({
      code: 'index_primary_key_multiple_candidates_found',
      message:
        "The primary key inference failed as the engine found 3 fields ending with `id` in their names: 'SpanId' and 'id'. Please specify the primary key manually using the `primaryKey` query parameter.",
    });
  });
});
