import { describe, expect, it } from 'vitest';
import { parseDocumentsPayload } from '#core/documents/payload.ts';
import { isMiroirError } from '#core/errors.ts';

const failure = (run: () => unknown): { code: string; message: string; status: number } => {
  try {
    run();
  } catch (e) {
    if (isMiroirError(e)) return { code: e.code, message: e.message, status: e.status };
  }
  throw new Error('expected an error');
};

describe('content types', () => {
  it('accepts the three formats with parameters', () => {
    expect(parseDocumentsPayload('{"id":1}', 'application/json; charset=utf-8')).toEqual([{ id: 1 }]);
    expect(parseDocumentsPayload('{"id":1}', 'Application/JSON')).toEqual([{ id: 1 }]);
  });

  it('rejects other and missing types', () => {
    expect(failure(() => parseDocumentsPayload('x', 'text/plain'))).toEqual({
      code: 'invalid_content_type',
      status: 415,
      message:
        'The Content-Type `text/plain` is invalid. Accepted values for the Content-Type header are: `application/json`, `application/x-ndjson`, `text/csv`',
    });
    expect(failure(() => parseDocumentsPayload('x', '')).code).toBe('missing_content_type');
  });

  it('allows a csv delimiter only with text/csv, and only one ASCII character', () => {
    expect(failure(() => parseDocumentsPayload('{}', 'application/json', { csvDelimiter: ';' }))).toEqual({
      code: 'invalid_content_type',
      status: 415,
      message:
        'The Content-Type `application/json` does not support the use of a csv delimiter. The csv delimiter can only be used with the Content-Type `text/csv`.',
    });
    expect(failure(() => parseDocumentsPayload('a', 'text/csv', { csvDelimiter: ';;' })).code).toBe(
      'invalid_document_csv_delimiter',
    );
    expect(failure(() => parseDocumentsPayload('a', 'text/csv', { csvDelimiter: '€' })).code).toBe(
      'invalid_document_csv_delimiter',
    );
  });

  it('reports an empty body as a missing payload of its format', () => {
    expect(failure(() => parseDocumentsPayload('', 'application/json')).message).toBe(
      'A json payload is missing.',
    );
    expect(failure(() => parseDocumentsPayload('', 'application/x-ndjson')).message).toBe(
      'A ndjson payload is missing.',
    );
    expect(failure(() => parseDocumentsPayload('', 'text/csv')).message).toBe('A csv payload is missing.');
  });
});

describe('JSON', () => {
  it('takes one object or an array of objects', () => {
    expect(parseDocumentsPayload('[{"id":1},{"id":"b","x":[1]}]', 'application/json')).toEqual([
      { id: 1 },
      { id: 'b', x: [1] },
    ]);
    expect(parseDocumentsPayload('[]', 'application/json')).toEqual([]);
  });

  it.each(['1', '"x"', 'null', '[1]', '[{"id":1}, null]', '[[{"id":1}]]'])(
    'rejects non-objects: %s',
    (body) => {
      expect(failure(() => parseDocumentsPayload(body, 'application/json'))).toEqual({
        code: 'malformed_payload',
        status: 400,
        message:
          "The `json` payload provided is malformed. `Couldn't serialize document value: data are neither an object nor a list of objects`.",
      });
    },
  );

  it('reports syntax errors with serde-style positions', () => {
    expect(failure(() => parseDocumentsPayload('{"id": 1', 'application/json')).message).toBe(
      "The `json` payload provided is malformed. `Couldn't serialize document value: EOF while parsing an object at line 1 column 8`.",
    );
    expect(failure(() => parseDocumentsPayload('{"id": 1}\n x', 'application/json')).message).toMatch(
      /trailing characters at line 2 column 2`\.$/,
    );
  });

  it('shortens very long parser messages like Meilisearch', () => {
    const message = failure(() =>
      parseDocumentsPayload(`{"${'k'.repeat(300)}": }`, 'application/json'),
    ).message;
    expect(message).toMatch(
      /^The `json` payload provided is malformed\. `Couldn't serialize document value: .+`\.$/,
    );
  });
});

describe('NDJSON', () => {
  it('reads one object per line, skipping blank lines, and objects spanning lines', () => {
    expect(
      parseDocumentsPayload('{"id":1}\n\n{"id":2}\r\n{"id":\n3}{"id":4}\n', 'application/x-ndjson'),
    ).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }]);
    expect(parseDocumentsPayload('\n', 'application/x-ndjson')).toEqual([]);
  });

  it('rejects non-objects and bad lines', () => {
    expect(failure(() => parseDocumentsPayload('{"id":1}\n[1]', 'application/x-ndjson')).message).toBe(
      "The `ndjson` payload provided is malformed. `Couldn't serialize document value: data are neither an object nor a list of objects`.",
    );
    expect(failure(() => parseDocumentsPayload('{"id":1}\n{"id":}', 'application/x-ndjson')).code).toBe(
      'malformed_payload',
    );
  });
});

describe('CSV', () => {
  it('types cells by header, keeps untyped cells as strings and empty cells as null', () => {
    const body =
      'id,title:string,price:number,active:boolean,a:b:number,x:unknown\n1,Dune, 9.5 ,true,3,y\n2,,,,-4,\n';
    expect(parseDocumentsPayload(body, 'text/csv')).toEqual([
      { id: '1', title: 'Dune', price: 9.5, active: true, 'a:b': 3, 'x:unknown': 'y' },
      { id: '2', title: null, price: null, active: null, 'a:b': -4, 'x:unknown': null },
    ]);
  });

  it('honours quotes, a custom delimiter, a BOM and blank lines', () => {
    expect(
      parseDocumentsPayload('\ufeffid;name\n1;"a;b"\n\n2;"say ""hi"""\n', 'text/csv', { csvDelimiter: ';' }),
    ).toEqual([
      { id: '1', name: 'a;b' },
      { id: '2', name: 'say "hi"' },
    ]);
  });

  it('accepts a header without records', () => {
    expect(parseDocumentsPayload('id,name\n', 'text/csv')).toEqual([]);
  });

  it('rejects bad numbers and booleans with the line', () => {
    expect(failure(() => parseDocumentsPayload('id,n:number\n1,2\n2,abc\n', 'text/csv')).message).toBe(
      'The `csv` payload provided is malformed: `Error parsing number "abc" at line 2: invalid float literal`.',
    );
    expect(failure(() => parseDocumentsPayload('id,b:boolean\n1,yes\n', 'text/csv')).message).toBe(
      'The `csv` payload provided is malformed: `Error parsing boolean "yes" at line 1: provided string was not `true` or `false``.',
    );
  });

  it('turns non-finite numbers into null', () => {
    expect(parseDocumentsPayload('id,n:number\n1,NaN\n2,-inf\n', 'text/csv')).toEqual([
      { id: '1', n: null },
      { id: '2', n: null },
    ]);
  });

  it('rejects records whose length differs from the header', () => {
    expect(failure(() => parseDocumentsPayload('a,b\n1,2\n3\n', 'text/csv')).message).toBe(
      'The `csv` payload provided is malformed: `CSV error: record 2 (line: 3, byte: 8): found record with 1 fields, but the previous record has 2 fields`.',
    );
  });
});
