// Meilisearch's filter grammar (crates/filter-parser), ported combinator by combinator so that the
// accepted language, the AST shape and the error messages (with their `col:col input` positions)
// match what a Meilisearch node answers. Precedence: NOT > AND > OR; keywords are case-sensitive.
import { miroirError, type ErrorCode } from '#core/errors.ts';
import type { FilterExpr, FilterInput } from './ast.ts';
import { renderSyntaxError, type ErrorKind, type FilterSyntaxError } from './errors.ts';
import { isKeyword, rustFloat } from './lexical.ts';
import { unescapeValue } from './unescape.ts';

/** Meilisearch's MAX_FILTER_DEPTH: every OR/AND/NOT/primary level counts, a parenthesis costs four. */
export const MAX_FILTER_DEPTH = 150;

export interface ParseFilterOptions {
  /** Error code for syntax errors; `invalid_document_filter`, `invalid_document_delete_filter`... */
  code?: ErrorCode;
  /** When set, messages are prefixed `Index `uid`: ` as Meilisearch does for index-scoped errors. */
  indexUid?: string;
  /**
   * Latitude/longitude ranges and finiteness of geo arguments. Meilisearch checks them when it
   * evaluates the filter (so only when `_geo` is filterable); done at parse time by default.
   */
  checkGeoRanges?: boolean;
}

interface Token {
  value: string;
  start: number;
  end: number;
}

type Result<T> = { ok: true; pos: number; value: T } | { ok: false; err: FilterSyntaxError };

/** nom's `Err::Failure`: a committed error that no alternative may recover from. */
class Failure extends Error {
  constructor(readonly err: FilterSyntaxError) {
    super('filter parse failure');
  }
}

/** nom's `Err::Incomplete`, raised by the value unescaper on a dangling escape. */
class Incomplete extends Error {}

const VALUE_CHAR = /^[\p{Alphabetic}\p{N}_.-]$/u;
const UNICODE_SPACE = /^\p{White_Space}$/u;
const SYNTAX_CHAR = /^[\p{White_Space}()=<>!]$/u;
const DIGIT = /^[0-9]$/;

function codePointLength(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
}

class Parser {
  private readonly valueCache = new Map<number, Result<Token>>();
  /** Source tokens of geo nodes, for the range checks Meilisearch reports with positions. */
  readonly geoTokens = new Map<FilterExpr, Token[]>();

  constructor(private readonly s: string) {}

  private err(error: ErrorKind, start: number, end = this.s.length): { ok: false; err: FilterSyntaxError } {
    return { ok: false, err: { error, start, end } };
  }

  private fail(error: ErrorKind, start: number, end = this.s.length): Failure {
    return new Failure({ error, start, end });
  }

  private charAt(i: number): string {
    if (i >= this.s.length) return '';
    return this.s.slice(i, i + codePointLength(this.s, i));
  }

  private multispace0(i: number): number {
    while (i < this.s.length) {
      const c = this.s[i];
      if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\n') break;
      i++;
    }
    return i;
  }

  private multispace1(i: number): number | null {
    const j = this.multispace0(i);
    return j > i ? j : null;
  }

  private unicodeSpace(i: number): number {
    while (i < this.s.length && UNICODE_SPACE.test(this.charAt(i))) i += codePointLength(this.s, i);
    return i;
  }

  private takeWhile(i: number, pred: RegExp, negate = false): number {
    while (i < this.s.length && pred.test(this.charAt(i)) !== negate) i += codePointLength(this.s, i);
    return i;
  }

  private word(i: number): string {
    return this.s.slice(i, this.takeWhile(i, VALUE_CHAR));
  }

  /** `word_exact`: the whole bare word at `i` must equal `tag`; returns the position after it. */
  private wordExact(i: number, tag: string): number | null {
    const w = this.word(i);
    return w === tag ? i + w.length : null;
  }

  private tag(i: number, tag: string): number | null {
    return this.s.startsWith(tag, i) ? i + tag.length : null;
  }

  // ---- values ----

  parseValue(start: number): Result<Token> {
    const cached = this.valueCache.get(start);
    if (cached) return cached;
    const result = this.parseValueUncached(start);
    this.valueCache.set(start, result);
    return result;
  }

  private parseValueUncached(start: number): Result<Token> {
    const p = this.unicodeSpace(start);
    // Geo functions misused as values get their own diagnostics.
    this.rejectReservedGeo(p);
    let radius: 'nomatch' | 'misused' = 'nomatch';
    try {
      if (this.geoRadius(p).ok) radius = 'misused';
    } catch (e) {
      if (!(e instanceof Failure)) throw e;
      radius = 'misused';
    }
    if (radius === 'misused') throw this.fail({ kind: 'MisusedGeoRadius' }, p);
    let box: 'nomatch' | 'misused' = 'nomatch';
    try {
      if (this.geoBoundingBox(p).ok) box = 'misused';
    } catch (e) {
      if (!(e instanceof Failure)) throw e;
      box = 'misused';
    }
    if (box === 'misused') throw this.fail({ kind: 'MisusedGeoBoundingBox' }, p);

    const quote = this.s[p];
    let token: Token;
    let next: number;
    if (quote === "'" || quote === '"') {
      const q = p + 1;
      let i = q;
      let escaped = false;
      let closed = false;
      while (i < this.s.length) {
        const c = this.s[i];
        if (c === quote) {
          closed = true;
          break;
        }
        if (c === '\\') {
          if (i + 1 >= this.s.length) throw this.fail({ kind: 'MalformedValue' }, q);
          if (this.s[i + 1] === quote) escaped = true;
          i += 2;
          continue;
        }
        i++;
      }
      if (!closed) throw this.fail({ kind: 'MissingClosingDelimiter', char: quote }, p);
      const raw = this.s.slice(q, i);
      token = { value: escaped ? raw.replaceAll(`\\${quote}`, quote) : raw, start: q, end: i };
      next = i + 1;
    } else {
      const end = this.takeWhile(p, VALUE_CHAR);
      const errorWordEnd = this.takeWhile(p, SYNTAX_CHAR, true);
      if (end === p) return this.err({ kind: 'ExpectedValue', reserved: false }, p, errorWordEnd);
      const w = this.s.slice(p, end);
      if (isKeyword(w)) return this.err({ kind: 'ExpectedValue', reserved: true }, p, errorWordEnd);
      token = { value: w, start: p, end };
      next = end;
    }
    const unescaped = unescapeValue(token.value);
    if (!unescaped.ok) {
      if (unescaped.reason === 'incomplete') throw new Incomplete();
      const kind: ErrorKind =
        unescaped.reason === 'parseInt' ? { kind: 'InvalidEscapedNumber' } : { kind: 'MalformedValue' };
      return this.err(kind, token.start, token.end);
    }
    token.value = unescaped.value;
    return { ok: true, pos: this.multispace0(next), value: token };
  }

  /** `_geoPoint(`, `_geoDistance(` and `_geo(` are reserved everywhere a value may appear. */
  private rejectReservedGeo(p: number): void {
    const q = this.multispace0(p);
    if (this.tag(q, '_geoPoint') !== null) throw this.fail({ kind: 'ReservedGeo', name: '_geoPoint' }, p);
    if (this.tag(q, '_geoDistance') !== null)
      throw this.fail({ kind: 'ReservedGeo', name: '_geoDistance' }, p);
    if (this.wordExact(q, '_geo') !== null) throw this.fail({ kind: 'ReservedGeo', name: '_geo' }, p);
  }

  // ---- geo functions ----

  /** nom's `recognize_float`: [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)? */
  private recognizeFloat(i: number): Result<Token> {
    const start = i;
    if (this.s[i] === '+' || this.s[i] === '-') i++;
    if (DIGIT.test(this.s[i] ?? '')) {
      while (DIGIT.test(this.s[i] ?? '')) i++;
      if (this.s[i] === '.') {
        i++;
        while (DIGIT.test(this.s[i] ?? '')) i++;
      }
    } else if (this.s[i] === '.') {
      if (!DIGIT.test(this.s[i + 1] ?? '')) return this.err({ kind: 'Char', char: '.' }, i + 1);
      i++;
      while (DIGIT.test(this.s[i] ?? '')) i++;
    } else {
      return this.err({ kind: 'Char', char: '.' }, i);
    }
    if (this.s[i] === 'e' || this.s[i] === 'E') {
      let j = i + 1;
      if (this.s[j] === '+' || this.s[j] === '-') j++;
      if (!DIGIT.test(this.s[j] ?? '')) throw this.fail({ kind: 'Internal' }, j);
      while (DIGIT.test(this.s[j] ?? '')) j++;
      i = j;
    }
    return { ok: true, pos: i, value: { value: this.s.slice(start, i), start, end: i } };
  }

  /** separated_list1(tag(","), ws(recognize_float)) */
  private floatList(i: number): Result<Token[]> {
    const first = this.recognizeFloat(this.multispace0(i));
    if (!first.ok) return first;
    const out = [first.value];
    let pos = this.multispace0(first.pos);
    for (;;) {
      if (this.s[pos] !== ',') break;
      const el = this.recognizeFloat(this.multispace0(pos + 1));
      if (!el.ok) break;
      out.push(el.value);
      pos = this.multispace0(el.pos);
    }
    return { ok: true, pos, value: out };
  }

  /** separated_list1(tag(","), ws(delimited(char('['), floatList, char(']')))) */
  private pointList(i: number): Result<Token[][]> {
    const point = (at: number): Result<Token[]> => {
      const p = this.multispace0(at);
      if (this.s[p] !== '[') return this.err({ kind: 'Char', char: '[' }, p);
      const list = this.floatList(p + 1);
      if (!list.ok) return list;
      if (this.s[list.pos] !== ']') return this.err({ kind: 'Char', char: ']' }, list.pos);
      return { ok: true, pos: this.multispace0(list.pos + 1), value: list.value };
    };
    const first = point(i);
    if (!first.ok) return first;
    const out = [first.value];
    let pos = first.pos;
    for (;;) {
      if (this.s[pos] !== ',') break;
      const el = point(pos + 1);
      if (!el.ok) break;
      out.push(el.value);
      pos = el.pos;
    }
    return { ok: true, pos, value: out };
  }

  /** Runs a committed sub-parser, turning any error into a Failure of `kind` at the error's place. */
  private committed<T>(kind: ErrorKind, run: () => Result<T>): { pos: number; value: T } {
    let r: Result<T>;
    try {
      r = run();
    } catch (e) {
      if (e instanceof Failure) throw this.fail(kind, e.err.start);
      throw e;
    }
    if (!r.ok) throw this.fail(kind, r.err.start);
    return { pos: r.pos, value: r.value };
  }

  private geoRadius(p: number): Result<FilterExpr> {
    const after = this.wordExact(this.multispace0(p), '_geoRadius');
    if (after === null) return this.err({ kind: 'Internal' }, p);
    const { pos, value: args } = this.committed({ kind: 'GeoRadius' }, () => {
      if (this.s[after] !== '(') return this.err({ kind: 'Char', char: '(' }, after);
      const list = this.floatList(after + 1);
      if (!list.ok) return list;
      if (this.s[list.pos] !== ')') return this.err({ kind: 'Char', char: ')' }, list.pos);
      return { ok: true, pos: list.pos + 1, value: list.value };
    });
    if (args.length < 3 || args.length > 4)
      throw this.fail({ kind: 'GeoRadiusArgumentCount', count: args.length }, pos);
    const [lat, lng, radius, resolution] = args as [Token, Token, Token, Token | undefined];
    const node: FilterExpr = {
      type: 'geoRadius',
      lat: Number(lat.value),
      lng: Number(lng.value),
      radius: Number(radius.value),
    };
    if (resolution) node.resolution = Number(resolution.value);
    this.geoTokens.set(node, args);
    return { ok: true, pos, value: node };
  }

  private geoBoundingBox(p: number): Result<FilterExpr> {
    const after = this.wordExact(this.multispace0(p), '_geoBoundingBox');
    if (after === null) return this.err({ kind: 'Internal' }, p);
    const { pos, value: points } = this.committed({ kind: 'GeoBoundingBox' }, () => {
      if (this.s[after] !== '(') return this.err({ kind: 'Char', char: '(' }, after);
      const list = this.pointList(after + 1);
      if (!list.ok) return list;
      if (this.s[list.pos] !== ')') return this.err({ kind: 'Char', char: ')' }, list.pos);
      return { ok: true, pos: list.pos + 1, value: list.value };
    });
    if (points.length !== 2) throw this.fail({ kind: 'GeoBoundingBox' }, pos);
    this.requirePairs(points, pos);
    const [[tLat, tLng], [bLat, bLng]] = points as [[Token, Token], [Token, Token]];
    const node: FilterExpr = {
      type: 'geoBoundingBox',
      topRight: [Number(tLat.value), Number(tLng.value)],
      bottomLeft: [Number(bLat.value), Number(bLng.value)],
    };
    this.geoTokens.set(node, [tLat, tLng, bLat, bLng]);
    return { ok: true, pos, value: node };
  }

  private geoPolygon(p: number): Result<FilterExpr> {
    const after = this.wordExact(this.multispace0(p), '_geoPolygon');
    if (after === null) return this.err({ kind: 'Internal' }, p);
    const { pos, value: points } = this.committed({ kind: 'GeoPolygon' }, () => {
      if (this.s[after] !== '(') return this.err({ kind: 'Char', char: '(' }, after);
      const list = this.pointList(after + 1);
      if (!list.ok) return list;
      let q = list.pos;
      // A trailing comma before `)` is tolerated.
      const comma = this.multispace0(q);
      if (this.s[comma] === ',') q = this.multispace0(comma + 1);
      if (this.s[q] !== ')') return this.err({ kind: 'Char', char: ')' }, q);
      return { ok: true, pos: q + 1, value: list.value };
    });
    if (points.length < 3) {
      const last = points.at(-1)?.at(-1);
      throw this.fail(
        { kind: 'GeoPolygonNotEnoughPoints', count: points.length },
        last?.start ?? pos,
        last?.end,
      );
    }
    this.requirePairs(points, pos);
    const pairs = points as [Token, Token][];
    const node: FilterExpr = {
      type: 'geoPolygon',
      points: pairs.map(([a, b]) => [Number(a.value), Number(b.value)]),
    };
    this.geoTokens.set(node, pairs.flat());
    return { ok: true, pos, value: node };
  }

  private requirePairs(points: Token[][], pos: number): void {
    const offending = points.find((pt) => pt.length !== 2);
    if (offending) {
      const first = offending[0];
      throw this.fail(
        { kind: 'GeoCoordinatesNotPair', count: offending.length },
        first?.start ?? pos,
        first?.end,
      );
    }
  }

  // ---- conditions ----

  private inBody(p: number): Result<string[]> {
    const at = this.multispace0(p);
    const afterIn = this.wordExact(at, 'IN');
    if (afterIn === null) return this.err({ kind: 'Internal' }, at);
    let q = this.multispace0(afterIn);
    if (this.s[q] !== '[') throw this.fail({ kind: 'InOpeningBracket' }, q);
    q++;
    const values: string[] = [];
    const first = this.parseValue(q);
    if (first.ok) {
      values.push(first.value.value);
      q = first.pos;
      for (;;) {
        const comma = this.multispace0(q);
        if (this.s[comma] !== ',') break;
        const el = this.parseValue(this.multispace0(comma + 1));
        if (!el.ok) break;
        values.push(el.value.value);
        q = el.pos;
      }
      const comma = this.multispace0(q);
      if (this.s[comma] === ',') q = this.multispace0(comma + 1);
    }
    const close = this.multispace0(q);
    if (this.s[close] !== ']') {
      if (q >= this.s.length) throw this.fail({ kind: 'InClosingBracket' }, q);
      let reserved = false;
      try {
        const probe = this.parseValue(q);
        reserved = !probe.ok && probe.err.error.kind === 'ReservedKeyword';
      } catch {
        // Meilisearch only looks at recoverable errors here; anything else reads as "other".
      }
      throw this.fail({ kind: 'InExpectedValue', reserved }, q);
    }
    return { ok: true, pos: this.multispace0(close + 1), value: values };
  }

  private parseIn(p: number): Result<FilterExpr> {
    const fid = this.parseValue(p);
    if (!fid.ok) return fid;
    const body = this.inBody(fid.pos);
    if (!body.ok) return body;
    return { ok: true, pos: body.pos, value: { type: 'in', attribute: fid.value.value, values: body.value } };
  }

  private parseNotIn(p: number): Result<FilterExpr> {
    const fid = this.parseValue(p);
    if (!fid.ok) return fid;
    const afterNot = this.wordExact(fid.pos, 'NOT');
    if (afterNot === null) return this.err({ kind: 'Internal' }, fid.pos);
    const body = this.inBody(afterNot);
    if (!body.ok) return body;
    const inner: FilterExpr = { type: 'in', attribute: fid.value.value, values: body.value };
    return { ok: true, pos: body.pos, value: { type: 'not', child: inner } };
  }

  /** The value after a committed operator: any error becomes a Failure. */
  private cutValue(p: number): { pos: number; value: Token } {
    const v = this.parseValue(p);
    if (!v.ok) throw new Failure(v.err);
    return { pos: v.pos, value: v.value };
  }

  private parseCondition(p: number): Result<FilterExpr> {
    const fid = this.parseValue(p);
    if (!fid.ok) return fid;
    const op = (['<=', '>=', '!=', '<', '>', '='] as const).find((o) => this.s.startsWith(o, fid.pos));
    if (!op) return this.err({ kind: 'Internal' }, fid.pos);
    const v = this.cutValue(fid.pos + op.length);
    const node: FilterExpr = { type: 'compare', attribute: fid.value.value, op, value: v.value.value };
    return { ok: true, pos: v.pos, value: node };
  }

  /** `fid` followed by the keyword sequence `words` (the gaps are one or more ASCII spaces). */
  private keywordSuffix(p: number, words: string[]): Result<{ fid: string; pos: number }> {
    const fid = this.parseValue(p);
    if (!fid.ok) return fid;
    let q: number | null = fid.pos;
    for (const [i, w] of words.entries()) {
      if (i > 0) q = this.multispace1(q);
      if (q === null) return this.err({ kind: 'Internal' }, p);
      q = this.tag(q, w);
      if (q === null) return this.err({ kind: 'Internal' }, p);
    }
    return { ok: true, pos: q, value: { fid: fid.value.value, pos: q } };
  }

  private unary(p: number, words: string[], build: (attribute: string) => FilterExpr): Result<FilterExpr> {
    const r = this.keywordSuffix(p, words);
    if (!r.ok) return r;
    return { ok: true, pos: r.pos, value: build(r.value.fid) };
  }

  private withValue(
    p: number,
    words: string[],
    build: (attribute: string, value: string) => FilterExpr,
  ): Result<FilterExpr> {
    const r = this.keywordSuffix(p, words);
    if (!r.ok) return r;
    const v = this.cutValue(r.pos);
    return { ok: true, pos: v.pos, value: build(r.value.fid, v.value.value) };
  }

  private parseTo(p: number): Result<FilterExpr> {
    const fid = this.parseValue(p);
    if (!fid.ok) return fid;
    const from = this.parseValue(fid.pos);
    if (!from.ok) return from;
    const afterTo = this.tag(from.pos, 'TO');
    if (afterTo === null) return this.err({ kind: 'Internal' }, from.pos);
    const gap = this.multispace1(afterTo);
    if (gap === null) return this.err({ kind: 'Internal' }, afterTo);
    const to = this.cutValue(gap);
    return {
      ok: true,
      pos: to.pos,
      value: { type: 'range', attribute: fid.value.value, from: from.value.value, to: to.value.value },
    };
  }

  /** Foreign-index filters need cross-index joins, which a sharded fleet cannot answer. */
  private parseForeign(p: number): Result<FilterExpr> {
    const at = this.multispace0(p);
    const after = this.wordExact(at, '_foreign');
    if (after === null) return this.err({ kind: 'Internal' }, p);
    throw this.fail(
      { kind: 'External', message: 'Filter condition `_foreign` is not supported for this endpoint.' },
      at,
      after,
    );
  }

  private primary(p: number, depth: number): Result<FilterExpr> {
    if (depth > MAX_FILTER_DEPTH) return this.err({ kind: 'DepthLimitReached' }, p);
    const open = this.multispace0(p);
    if (this.s[open] === '(') {
      const inner = this.or(this.multispace0(open + 1), depth + 1);
      if (!inner.ok) throw new Failure(inner.err);
      const close = this.multispace0(inner.pos);
      if (this.s[close] !== ')') throw this.fail({ kind: 'MissingClosingDelimiter', char: ')' }, p);
      return { ok: true, pos: this.multispace0(close + 1), value: inner.value };
    }
    const branches: ((at: number) => Result<FilterExpr>)[] = [
      (at) => this.geoRadius(at),
      (at) => this.geoBoundingBox(at),
      (at) => this.geoPolygon(at),
      (at) => this.parseIn(at),
      (at) => this.parseNotIn(at),
      (at) => this.parseCondition(at),
      (at) => this.unary(at, ['IS', 'NULL'], (attribute) => ({ type: 'isNull', attribute })),
      (at) =>
        this.unary(at, ['IS', 'NOT', 'NULL'], (attribute) => ({
          type: 'not',
          child: { type: 'isNull', attribute },
        })),
      (at) => this.unary(at, ['IS', 'EMPTY'], (attribute) => ({ type: 'isEmpty', attribute })),
      (at) =>
        this.unary(at, ['IS', 'NOT', 'EMPTY'], (attribute) => ({
          type: 'not',
          child: { type: 'isEmpty', attribute },
        })),
      (at) => this.unary(at, ['EXISTS'], (attribute) => ({ type: 'exists', attribute })),
      (at) =>
        this.unary(at, ['NOT', 'EXISTS'], (attribute) => ({
          type: 'not',
          child: { type: 'exists', attribute },
        })),
      (at) => this.parseTo(at),
      (at) =>
        this.withValue(at, ['CONTAINS'], (attribute, value) => ({ type: 'contains', attribute, value })),
      (at) =>
        this.withValue(at, ['NOT', 'CONTAINS'], (attribute, value) => ({
          type: 'not',
          child: { type: 'contains', attribute, value },
        })),
      (at) =>
        this.withValue(at, ['STARTS WITH'], (attribute, value) => ({ type: 'startsWith', attribute, value })),
      (at) =>
        this.withValue(at, ['NOT', 'STARTS WITH'], (attribute, value) => ({
          type: 'not',
          child: { type: 'startsWith', attribute, value },
        })),
      (at) => this.parseForeign(at),
      (at) => {
        // A reserved keyword where a field name was expected is reported as such, not as a bad operation.
        const r = this.parseCondition(at);
        if (!r.ok && r.err.error.kind === 'ExpectedValue' && r.err.error.reserved) throw new Failure(r.err);
        return r;
      },
    ];
    for (const branch of branches) {
      const r = branch(p);
      if (r.ok) return r;
    }
    return this.err({ kind: 'InvalidPrimary' }, p);
  }

  private not(p: number, depth: number): Result<FilterExpr> {
    if (depth > MAX_FILTER_DEPTH) return this.err({ kind: 'DepthLimitReached' }, p);
    const at = this.multispace0(p);
    const afterNot = this.wordExact(at, 'NOT');
    if (afterNot !== null) {
      const inner = this.not(this.multispace0(afterNot), depth + 1);
      if (!inner.ok) throw new Failure(inner.err);
      const value: FilterExpr =
        inner.value.type === 'not' ? inner.value.child : { type: 'not', child: inner.value };
      return { ok: true, pos: inner.pos, value };
    }
    return this.primary(p, depth + 1);
  }

  private chain(
    p: number,
    depth: number,
    keyword: 'AND' | 'OR',
    next: (at: number, d: number) => Result<FilterExpr>,
  ): Result<FilterExpr> {
    if (depth > MAX_FILTER_DEPTH) return this.err({ kind: 'DepthLimitReached' }, p);
    const first = next(p, depth + 1);
    if (!first.ok) return first;
    const children = [first.value];
    let pos = first.pos;
    for (;;) {
      const at = this.multispace0(pos);
      const after = this.wordExact(at, keyword);
      if (after === null) break;
      const r = next(this.multispace0(after), depth + 1);
      if (!r.ok) throw new Failure(r.err);
      children.push(r.value);
      pos = r.pos;
    }
    if (children.length === 1) return first;
    const value: FilterExpr = keyword === 'AND' ? { type: 'and', children } : { type: 'or', children };
    return { ok: true, pos, value };
  }

  private and(p: number, depth: number): Result<FilterExpr> {
    return this.chain(p, depth, 'AND', (at, d) => this.not(at, d));
  }

  or(p: number, depth: number): Result<FilterExpr> {
    return this.chain(p, depth, 'OR', (at, d) => this.and(at, d));
  }

  /** The whole input as one expression; returns the AST or the error to report. */
  parseAll(): { ok: true; value: FilterExpr } | { ok: false; err: FilterSyntaxError } {
    try {
      const r = this.or(0, 0);
      if (!r.ok) return r;
      if (r.pos < this.s.length) return this.err({ kind: 'ExpectedEof' }, r.pos);
      return { ok: true, value: r.value };
    } catch (e) {
      if (e instanceof Failure) return { ok: false, err: e.err };
      if (e instanceof Incomplete) return this.err({ kind: 'Incomplete' }, 0);
      throw e;
    }
  }
}

// ---- geo range checks (Meilisearch runs them when evaluating; they are pure, so done here) ----

function checkGeo(node: FilterExpr, tokens: Token[]): FilterSyntaxError | null {
  for (const t of tokens) {
    if (!Number.isFinite(Number(t.value)))
      return { error: { kind: 'NonFiniteFloat' }, start: t.start, end: t.end };
  }
  const lat = (t: Token): FilterSyntaxError | null => {
    const v = Number(t.value);
    return v >= -90 && v <= 90
      ? null
      : {
          error: {
            kind: 'External',
            message: `Bad latitude \`${rustFloat(v)}\`. Latitude must be contained between -90 and 90 degrees. `,
          },
          start: t.start,
          end: t.end,
        };
  };
  const lng = (t: Token): FilterSyntaxError | null => {
    const v = Number(t.value);
    return v >= -180 && v <= 180
      ? null
      : {
          error: {
            kind: 'External',
            message: `Bad longitude \`${rustFloat(v)}\`. Longitude must be contained between -180 and 180 degrees. `,
          },
          start: t.start,
          end: t.end,
        };
  };
  if (node.type === 'geoBoundingBox') {
    const [tLat, tLng, bLat, bLng] = tokens as [Token, Token, Token, Token];
    const bad = lat(tLat) ?? lng(tLng) ?? lat(bLat) ?? lng(bLng);
    if (bad) return bad;
    if (node.topRight[0] < node.bottomLeft[0]) {
      return {
        error: {
          kind: 'External',
          message: `The top latitude \`${rustFloat(node.topRight[0])}\` is below the bottom latitude \`${rustFloat(node.bottomLeft[0])}\`.`,
        },
        start: bLng.start,
        end: bLng.end,
      };
    }
    return null;
  }
  // geoRadius: the centre; geoPolygon: every vertex, as [lat, lng] pairs.
  const pairs = node.type === 'geoRadius' ? 1 : tokens.length / 2;
  for (let i = 0; i < pairs; i++) {
    const bad = lat(tokens[2 * i] as Token) ?? lng(tokens[2 * i + 1] as Token);
    if (bad) return bad;
  }
  return null;
}

// ---- public API ----

function throwSyntax(input: string, err: FilterSyntaxError, opts: ParseFilterOptions): never {
  const message = renderSyntaxError(input, err);
  throw miroirError(
    opts.code ?? 'invalid_search_filter',
    opts.indexUid === undefined ? message : `Index \`${opts.indexUid}\`: ${message}`,
  );
}

/** Parses one filter string; `null` when it is empty or only whitespace. */
export function parseFilterString(input: string, opts: ParseFilterOptions = {}): FilterExpr | null {
  if (input.trim() === '') return null;
  const parser = new Parser(input);
  const r = parser.parseAll();
  if (!r.ok) throwSyntax(input, r.err, opts);
  if (opts.checkGeoRanges === false) return r.value;
  for (const [node, tokens] of parser.geoTokens) {
    const bad = checkGeo(node, tokens);
    if (bad) throwSyntax(input, bad, opts);
  }
  return r.value;
}

/** serde_json's compact rendering, which Meilisearch's "found: ..." messages print. */
function jsonText(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

function invalidShape(expected: string[], found: unknown, opts: ParseFilterOptions): never {
  const message = `Invalid syntax for the filter parameter: \`expected ${expected.join(', ')}, found: ${jsonText(found)}\`.`;
  throw miroirError(
    opts.code ?? 'invalid_search_filter',
    opts.indexUid === undefined ? message : `Index \`${opts.indexUid}\`: ${message}`,
  );
}

/**
 * Parses a filter as clients send it: a string, or an array whose items are strings (ANDed) or
 * arrays of strings (ORed). Empty strings and arrays contribute nothing; nothing at all gives null.
 * Accepts `unknown` at runtime because callers hand over raw JSON; bad shapes get Meilisearch's error.
 */
export function parseFilter(input: FilterInput, opts: ParseFilterOptions = {}): FilterExpr | null {
  const raw: unknown = input;
  if (typeof raw === 'string') return parseFilterString(raw, opts);
  if (!Array.isArray(raw)) invalidShape(['String', 'Array'], raw, opts);
  // Meilisearch checks the shape of the whole array before parsing any string in it.
  const groups: (string | string[])[] = [];
  for (const item of raw as unknown[]) {
    if (typeof item === 'string') groups.push(item);
    else if (Array.isArray(item)) {
      for (const inner of item as unknown[])
        if (typeof inner !== 'string') invalidShape(['String'], inner, opts);
      groups.push(item as string[]);
    } else invalidShape(['String', '[String]'], item, opts);
  }
  const ands: FilterExpr[] = [];
  for (const group of groups) {
    if (typeof group === 'string') {
      const expr = parseFilterString(group, opts);
      if (expr) ands.push(expr);
      continue;
    }
    const ors: FilterExpr[] = [];
    for (const inner of group) {
      const expr = parseFilterString(inner, opts);
      if (expr) ors.push(expr);
    }
    if (ors.length === 1) ands.push(ors[0] as FilterExpr);
    else if (ors.length > 1) ands.push({ type: 'or', children: ors });
  }
  if (ands.length === 0) return null;
  if (ands.length === 1) return ands[0] as FilterExpr;
  return { type: 'and', children: ands };
}

export { formatFilter } from './format.ts';
export { isBareWord, isKeyword } from './lexical.ts';
