// Golden table (test/fixtures/filter.golden.json) plus the array form, error-code overrides and depth limits.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FilterExpr } from '#core/filter/ast.ts';
import { MAX_FILTER_DEPTH, formatFilter, parseFilter, type ParseFilterOptions } from '#core/filter/parse.ts';
import { isMiroirError } from '#core/errors.ts';

interface GoldenCase {
  source: 'upstream' | 'local';
  input: string;
  options?: ParseFilterOptions;
  ast?: FilterExpr | null;
  code?: string;
  message?: string;
}

const golden = JSON.parse(
  readFileSync(new URL('../../../fixtures/filter.golden.json', import.meta.url), 'utf8'),
) as { cases: GoldenCase[] };

function errorOf(run: () => unknown): { code: string; message: string; status: number } {
  try {
    run();
  } catch (e) {
    if (isMiroirError(e)) return { code: e.code, message: e.message, status: e.status };
    throw e;
  }
  throw new Error('expected an error');
}

describe('parseFilter golden table', () => {
  const parses = golden.cases.filter((c) => c.ast !== undefined);
  const errors = golden.cases.filter((c) => c.message !== undefined);

  it('has both kinds of cases', () => {
    expect(parses.length).toBeGreaterThan(60);
    expect(errors.length).toBeGreaterThan(60);
  });

  it.each(parses.map((c) => [c.input, c] as const))('parses %j', (_input, c) => {
    const ast = parseFilter(c.input, c.options);
    expect(ast).toEqual(c.ast);
    // Printing and parsing again gives the same tree.
    if (ast) expect(parseFilter(formatFilter(ast), c.options)).toEqual(ast);
  });

  it.each(errors.map((c) => [c.input, c] as const))('rejects %j', (_input, c) => {
    expect(errorOf(() => parseFilter(c.input, c.options))).toEqual({
      code: c.code,
      message: c.message,
      status: 400,
    });
  });
});

describe('parseFilter input forms', () => {
  it('treats empty and blank strings as no filter', () => {
    expect(parseFilter('')).toBeNull();
    expect(parseFilter('   \n\t')).toBeNull();
    expect(parseFilter([])).toBeNull();
    expect(parseFilter(['', ['', '  ']])).toBeNull();
  });

  it('ANDs the outer array and ORs inner arrays', () => {
    expect(parseFilter(['a = 1', ['b = 2', 'c = 3'], ['d = 4'], []])).toEqual({
      type: 'and',
      children: [
        { type: 'compare', attribute: 'a', op: '=', value: '1' },
        {
          type: 'or',
          children: [
            { type: 'compare', attribute: 'b', op: '=', value: '2' },
            { type: 'compare', attribute: 'c', op: '=', value: '3' },
          ],
        },
        { type: 'compare', attribute: 'd', op: '=', value: '4' },
      ],
    });
    expect(parseFilter([['x = 1']])).toEqual({ type: 'compare', attribute: 'x', op: '=', value: '1' });
  });

  it('rejects values of the wrong JSON type with Meilisearch messages', () => {
    const bad = (v: unknown): string => errorOf(() => parseFilter(v as string)).message;
    expect(bad(true)).toBe('Invalid syntax for the filter parameter: `expected String, Array, found: true`.');
    expect(bad({ a: 1 })).toBe(
      'Invalid syntax for the filter parameter: `expected String, Array, found: {"a":1}`.',
    );
    expect(bad(['a = 1', 3])).toBe(
      'Invalid syntax for the filter parameter: `expected String, [String], found: 3`.',
    );
    expect(bad([['a = 1', null]])).toBe(
      'Invalid syntax for the filter parameter: `expected String, found: null`.',
    );
    expect(bad([[['a = 1']]])).toBe(
      'Invalid syntax for the filter parameter: `expected String, found: ["a = 1"]`.',
    );
  });

  it('checks the shape of the whole array before parsing its strings', () => {
    expect(errorOf(() => parseFilter(['a =', 3] as unknown as string[])).message).toContain(
      'expected String, [String], found: 3',
    );
  });

  it('reports errors of an array item against that item', () => {
    expect(errorOf(() => parseFilter(['a = 1', ['b = 2', 'c']])).message).toMatch(/\n1:2 c$/);
  });

  it('uses the error code and index prefix the caller asks for', () => {
    const err = errorOf(() => parseFilter('hello', { code: 'invalid_document_filter', indexUid: 'movies' }));
    expect(err.code).toBe('invalid_document_filter');
    expect(err.message.startsWith('Index `movies`: Was expecting an operation')).toBe(true);
    expect(
      errorOf(() => parseFilter(true as unknown as string, { code: 'invalid_similar_filter' })).code,
    ).toBe('invalid_similar_filter');
  });
});

describe('depth limit', () => {
  it('is Meilisearch’s', () => {
    expect(MAX_FILTER_DEPTH).toBe(150);
  });

  it('accepts 36 nested parentheses and rejects 37', () => {
    expect(parseFilter(`${'('.repeat(36)}x = 1${')'.repeat(36)}`)).toEqual({
      type: 'compare',
      attribute: 'x',
      op: '=',
      value: '1',
    });
    expect(errorOf(() => parseFilter(`${'('.repeat(37)}x = 1${')'.repeat(37)}`)).message).toMatch(
      /^The filter exceeded the maximum depth limit/,
    );
  });

  it('accepts long flat chains (they do not nest)', () => {
    const ors = Array.from({ length: 2000 }, (_, i) => `id = ${i}`).join(' OR ');
    const ast = parseFilter(ors);
    expect(ast?.type === 'or' && ast.children.length).toBe(2000);
  });
});
