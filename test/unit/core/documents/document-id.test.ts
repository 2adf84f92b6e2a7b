import { describe, expect, it } from 'vitest';
import { documentIdOf, validateDocumentId } from '#core/documents/document-id.ts';
import { isMiroirError } from '#core/errors.ts';

const failure = (run: () => unknown): { code: string; message: string } => {
  try {
    run();
  } catch (e) {
    if (isMiroirError(e)) return { code: e.code, message: e.message };
  }
  throw new Error('expected an error');
};

const RULE =
  'is invalid. A document identifier can be of type integer or string, only composed of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and underscores (_), and can not be more than 511 bytes.';

describe('validateDocumentId', () => {
  it('accepts integers and id strings, as text', () => {
    expect(validateDocumentId(1)).toBe('1');
    expect(validateDocumentId(-42)).toBe('-42');
    expect(validateDocumentId('Abc_9-x')).toBe('Abc_9-x');
    expect(validateDocumentId('a'.repeat(511))).toBe('a'.repeat(511));
  });

  it.each([
    ['a b', '"a b"'],
    ['', '""'],
    ['a'.repeat(512), `"${'a'.repeat(512)}"`],
    ['é', '"é"'],
    [1.5, '1.5'],
    [true, 'true'],
    [null, 'null'],
    [[1], '[1]'],
    [{ a: 1 }, '{"a":1}'],
  ])('rejects %j', (value, shown) => {
    expect(failure(() => validateDocumentId(value))).toEqual({
      code: 'invalid_document_id',
      message: `Document identifier \`${shown}\` ${RULE}`,
    });
  });

  it('reports a missing id with the document', () => {
    expect(failure(() => documentIdOf({ title: 'x' }, 'id'))).toEqual({
      code: 'missing_document_id',
      message: 'Document doesn\'t have a `id` attribute: `{"title":"x"}`.',
    });
  });

  it('reads nested primary keys and rejects ambiguous ones', () => {
    expect(documentIdOf({ a: { b: 7 } }, 'a.b')).toBe('7');
    expect(documentIdOf({ 'a.b': 'k' }, 'a.b')).toBe('k');
    expect(failure(() => documentIdOf({ a: { b: 1 }, 'a.b': 2 }, 'a.b')).code).toBe('invalid_document_id');
  });
});
