// The exact text of each document of a payload, so the log keeps the client's bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDocumentBodies, ndjsonDocumentBodies } from '#core/ingest/json-spans.ts';

const texts = (bodies: Buffer[]): string[] => bodies.map((b) => b.toString('utf8'));
/** The documents of a JSON payload given as text, as text. */
const jsonDocumentTexts = (text: string): string[] => texts(jsonDocumentBodies(Buffer.from(text)));
const ndjsonDocumentTexts = (text: string): string[] => texts(ndjsonDocumentBodies(Buffer.from(text)));

describe('jsonDocumentBodies on text payloads', () => {
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

describe('ndjsonDocumentBodies on text payloads', () => {
  it('returns each value of the stream', () => {
    expect(ndjsonDocumentTexts('{"id":1}\n\n  {"id":"a b}"}\r\n{"id":3}{"id":4}')).toEqual([
      '{"id":1}',
      '{"id":"a b}"}',
      '{"id":3}',
      '{"id":4}',
    ]);
  });
});

describe('jsonDocumentBodies / ndjsonDocumentBodies', () => {
  it('returns views into the payload bytes, byte for byte', () => {
    const payload = Buffer.from(
      '[ {"id":1, "s":"a]}\\"b"} ,\n{"id":12345678901234567890,"n":[1,{"x":"}"}]}]',
    );
    const bodies = jsonDocumentBodies(payload);
    expect(texts(bodies)).toEqual([
      '{"id":1, "s":"a]}\\"b"}',
      '{"id":12345678901234567890,"n":[1,{"x":"}"}]}',
    ]);
    // Views, not copies: the request body is not duplicated per document.
    expect(bodies[0]?.buffer).toBe(payload.buffer);
    expect(texts(jsonDocumentBodies(Buffer.from(' {"id": 1.50} ')))).toEqual(['{"id": 1.50}']);
    expect(jsonDocumentBodies(Buffer.from('[]'))).toEqual([]);
    expect(jsonDocumentBodies(Buffer.from(' [ ] '))).toEqual([]);
  });

  it('tells escaped quotes from closing ones after runs of backslashes', () => {
    const doc = '{"a":"x\\\\","b":"y\\\\\\"}","c":"\\\\\\\\"}';
    expect(JSON.parse(doc)).toEqual({ a: 'x\\', b: 'y\\"}', c: '\\\\' });
    expect(texts(jsonDocumentBodies(Buffer.from(`[${doc},{"id":2}]`)))).toEqual([doc, '{"id":2}']);
  });

  it('keeps multi-byte characters whole', () => {
    const doc = '{"id":"é","t":"日本語 ]} \\" 🙂"}';
    expect(texts(jsonDocumentBodies(Buffer.from(`[${doc}, ${doc}]`)))).toEqual([doc, doc]);
  });

  it('splits any array or stream of objects with multi-byte keys into their own texts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue()), { maxLength: 8 }),
        fc.constantFrom(0, 2),
        (docs, indent) => {
          const text = JSON.stringify(docs, null, indent);
          expect(jsonDocumentTexts(text).map((t) => JSON.parse(t) as unknown)).toEqual(JSON.parse(text));
          const lines = docs.map((d) => JSON.stringify(d));
          expect(ndjsonDocumentTexts(lines.join('\n'))).toEqual(lines);
        },
      ),
    );
  });

  it('splits an NDJSON stream with blank lines, CRLF and values on one line', () => {
    expect(
      texts(ndjsonDocumentBodies(Buffer.from('{"id":1}\n\n  {"id":"a b}"}\r\n{"id":3}{"id":4}\n'))),
    ).toEqual(['{"id":1}', '{"id":"a b}"}', '{"id":3}', '{"id":4}']);
  });
});
