import { describe, expect, it } from 'vitest';
import { describeKinds, didYouMean, expectObject, JsonFields, QueryFields } from '#core/meili/deserr.ts';
import type { MiroirError } from '#core/errors.ts';

function caught(fn: () => unknown): MiroirError {
  try {
    fn();
  } catch (err) {
    return err as MiroirError;
  }
  throw new Error('expected an error');
}

describe('deserr-compatible messages', () => {
  it('describes value kinds as deserr does', () => {
    expect(describeKinds(['integer'])).toBe('a positive integer');
    expect(describeKinds(['integer', 'boolean'])).toBe('a boolean or a positive integer');
    expect(describeKinds(['integer', 'negativeInteger', 'float'])).toBe('a number');
    expect(describeKinds(['null', 'boolean', 'integer', 'negativeInteger', 'float'])).toBe(
      'null, a boolean, or a number',
    );
  });

  it('suggests a close field name', () => {
    expect(didYouMean('filler', ['q', 'filter', 'sort'])).toBe('did you mean `filter`? ');
    expect(didYouMean('a', ['q', 'filter'])).toBe('');
    expect(didYouMean('attributesToHighloght', ['attributesToHighlight'])).toBe(
      'did you mean `attributesToHighlight`? ',
    );
  });

  it('rejects unknown fields with bad_request', () => {
    const err = caught(() => expectObject({ me: 2, uwu: 'OwO' }, ['me', 'and']));
    expect(err.code).toBe('bad_request');
    expect(err.message).toBe('Unknown field `uwu`: expected one of `me`, `and`');
  });

  it('reports a wrong type with the field code and location', () => {
    const err = caught(() => new JsonFields({ limit: 'doggo' }).usize('limit', 'invalid_search_limit'));
    expect(err.code).toBe('invalid_search_limit');
    expect(err.status).toBe(400);
    expect(err.message).toBe(
      'Invalid value type at `.limit`: expected a positive integer, but found a string: `"doggo"`',
    );
    const neg = caught(() =>
      new JsonFields({ offset: -1 }, '.queries[0]').usize('offset', 'invalid_search_offset'),
    );
    expect(neg.message).toBe(
      'Invalid value type at `.queries[0].offset`: expected a positive integer, but found a negative integer: `-1`',
    );
  });

  it('reports a bad array item at its index', () => {
    const err = caught(() => new JsonFields({ sort: ['a', 3] }).stringArray('sort', 'invalid_search_sort'));
    expect(err.message).toBe(
      'Invalid value type at `.sort[1]`: expected a string, but found a positive integer: `3`',
    );
  });

  it('parses query parameters with Meilisearch messages', () => {
    const q = new QueryFields({ limit: 'doggo', reverse: 'yes' }, ['limit', 'reverse']);
    expect(caught(() => q.usize('limit', 'invalid_task_limit')).message).toBe(
      'Invalid value in parameter `limit`: could not parse `doggo` as a positive integer',
    );
    expect(caught(() => q.bool('reverse', 'invalid_task_reverse')).message).toBe(
      'Invalid value in parameter `reverse`: could not parse `yes` as a boolean, expected either `true` or `false`',
    );
    const unknown = caught(() => new QueryFields({ doggo: '1' }, ['offset', 'limit']));
    expect(unknown.code).toBe('bad_request');
    expect(unknown.message).toBe('Unknown parameter `doggo`: expected one of `offset`, `limit`');
  });
});
