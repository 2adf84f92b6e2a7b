// The exact text of each document of a payload, so the log keeps the client's bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDocumentTexts, ndjsonDocumentTexts } from '#core/ingest/json-spans.ts';

describe('jsonDocumentTexts', () => {
  it('returns a single object, or each array element, byte for byte', () => {
    expect(jsonDocumentTexts(' {"id": 1.50} ')).toEqual(['{"id": 1.50}']);
    expect(
      jsonDocumentTexts('[ {"id":1, "s":"a]}\\"b"} ,\n{"id":12345678901234567890,"n":[1,{"x":"}"}]}]'),
    ).toEqual(['{"id":1, "s":"a]}\\"b"}', '{"id":12345678901234567890,"n":[1,{"x":"}"}]}']);
    expect(jsonDocumentTexts('[]')).toEqual([]);
  });

  it('splits any array of objects into texts that parse back to its elements', () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 8 }),
        fc.constantFrom(0, 2),
        (docs, indent) => {
          const text = JSON.stringify(docs, null, indent);
          expect(jsonDocumentTexts(text).map((t) => JSON.parse(t) as unknown)).toEqual(JSON.parse(text));
        },
      ),
    );
  });
});

describe('ndjsonDocumentTexts', () => {
  it('returns each value of the stream', () => {
    expect(ndjsonDocumentTexts('{"id":1}\n\n  {"id":"a b}"}\r\n{"id":3}{"id":4}')).toEqual([
      '{"id":1}',
      '{"id":"a b}"}',
      '{"id":3}',
      '{"id":4}',
    ]);
  });
});
