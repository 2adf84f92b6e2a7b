// Request validation that reproduces Meilisearch's deserr messages (JSON bodies and query
// strings): unknown fields, wrong value kinds, bad query values. Each reader takes the error
// code of the field, so a bad `limit` in a search answers `invalid_search_limit` as Meilisearch does.
import { miroirError, type ErrorCode, type MiroirError } from '#core/errors.ts';

type Kind = 'null' | 'boolean' | 'integer' | 'negativeInteger' | 'float' | 'string' | 'array' | 'object';

const KIND_ORDER: Kind[] = [
  'null',
  'boolean',
  'integer',
  'negativeInteger',
  'float',
  'string',
  'array',
  'object',
];
const KIND_TEXT: Record<Kind, string> = {
  null: 'null',
  boolean: 'a boolean',
  integer: 'a positive integer',
  negativeInteger: 'a negative integer',
  float: 'a number',
  string: 'a string',
  array: 'an array',
  object: 'an object',
};

export type JsonObject = Record<string, unknown>;

export function kindOf(value: unknown): Kind {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'float';
    return value < 0 ? 'negativeInteger' : 'integer';
  }
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

/** deserr's `value_kinds_description_json`: sorted, deduplicated, numbers folded together. */
export function describeKinds(kinds: Kind[]): string {
  const sorted = KIND_ORDER.filter((k) => kinds.includes(k));
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const k = sorted[i]!;
    const next = sorted[i + 1];
    const after = sorted[i + 2];
    if ((k === 'integer' || k === 'negativeInteger') && next === 'float') {
      parts.push('a number');
      i += 1;
    } else if (k === 'integer' && next === 'negativeInteger' && after === 'float') {
      parts.push('a number');
      i += 2;
    } else if (k === 'integer' && next === 'negativeInteger') {
      parts.push('an integer');
      i += 1;
    } else parts.push(KIND_TEXT[k]);
  }
  if (parts.length === 0) return 'a different value';
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 2) return `${parts[0]} or ${parts[1]}`;
  return `${parts.slice(0, -1).join(', ')}, or ${parts[parts.length - 1]}`;
}

/** serde_json writes whole floats with a `.0`; JSON.stringify does not. */
function jsonText(value: unknown): string {
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value))
    return value.toExponential();
  return JSON.stringify(value);
}

export function describeValue(value: unknown): string {
  const kind = kindOf(value);
  return kind === 'null' ? 'null' : `${KIND_TEXT[kind]}: \`${jsonText(value)}\``;
}

/** Optimal string alignment distance: deserr's did-you-mean uses Damerau-Levenshtein. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

export function didYouMean(received: string, accepted: readonly string[]): string {
  const len = Buffer.byteLength(received);
  if (len <= 3) return '';
  const allowed = len <= 7 ? 1 : len <= 12 ? 2 : len <= 17 ? 3 : len <= 24 ? 4 : 5;
  let best: { name: string; distance: number } | null = null;
  for (const name of accepted) {
    const distance = editDistance(received, name);
    if (distance <= allowed && (best === null || distance < best.distance)) best = { name, distance };
  }
  return best ? `did you mean \`${best.name}\`? ` : '';
}

const quoteList = (names: readonly string[]): string => names.map((n) => `\`${n}\``).join(', ');

function at(path: string, article: string): string {
  return path === '' ? '' : `${article} \`${path}\``;
}

export function unknownFieldError(key: string, accepted: readonly string[], path = ''): MiroirError {
  return miroirError(
    'bad_request',
    `Unknown field \`${key}\`${at(path, ' inside')}: ${didYouMean(key, accepted)}expected one of ${quoteList(accepted)}`,
  );
}

export function unknownValueError(
  code: ErrorCode,
  value: string,
  accepted: readonly string[],
  path: string,
): MiroirError {
  return miroirError(
    code,
    `Unknown value \`${value}\`${at(path, ' at')}: ${didYouMean(value, accepted)}expected one of ${quoteList(accepted)}`,
  );
}

export function typeError(code: ErrorCode, path: string, expected: Kind[], actual: unknown): MiroirError {
  return miroirError(
    code,
    `Invalid value type${at(path, ' at')}: expected ${describeKinds(expected)}, but found ${describeValue(actual)}`,
  );
}

export function valueError(code: ErrorCode, path: string, reason: string): MiroirError {
  return miroirError(code, `Invalid value${at(path, ' at')}: ${reason}`);
}

export function missingFieldError(code: ErrorCode, field: string, path = ''): MiroirError {
  return miroirError(code, `Missing field \`${field}\`${at(path, ' inside')}`);
}

/** The body must be an object whose keys are all known; returns it typed. */
export function expectObject(
  value: unknown,
  accepted: readonly string[],
  code: ErrorCode = 'bad_request',
  path = '',
): JsonObject {
  if (kindOf(value) !== 'object') throw typeError(code, path, ['object'], value);
  const obj = value as JsonObject;
  for (const key of Object.keys(obj))
    if (!accepted.includes(key)) throw unknownFieldError(key, accepted, path);
  return obj;
}

const child = (path: string, key: string): string => `${path}.${key}`;

/** Readers for one field of a JSON object. `undefined` = absent (or null where the field is optional). */
export class JsonFields {
  constructor(
    readonly obj: JsonObject,
    readonly path = '',
  ) {}

  private raw(key: string, optional: boolean, code: ErrorCode, expected: Kind[]): unknown {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    if (v === null) {
      if (optional) return undefined;
      throw typeError(code, child(this.path, key), expected, v);
    }
    return v;
  }

  usize(key: string, code: ErrorCode, optional = false): number | undefined {
    const v = this.raw(key, optional, code, ['integer']);
    if (v === undefined) return undefined;
    if (kindOf(v) !== 'integer') throw typeError(code, child(this.path, key), ['integer'], v);
    return v as number;
  }

  float(key: string, code: ErrorCode, optional = false): number | undefined {
    const v = this.raw(key, optional, code, ['float']);
    if (v === undefined) return undefined;
    if (typeof v !== 'number')
      throw typeError(code, child(this.path, key), ['integer', 'negativeInteger', 'float'], v);
    return v;
  }

  bool(key: string, code: ErrorCode, optional = false): boolean | undefined {
    const v = this.raw(key, optional, code, ['boolean']);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw typeError(code, child(this.path, key), ['boolean'], v);
    return v;
  }

  string(key: string, code: ErrorCode, optional = false): string | undefined {
    const v = this.raw(key, optional, code, ['string']);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw typeError(code, child(this.path, key), ['string'], v);
    return v;
  }

  stringArray(key: string, code: ErrorCode, optional = true): string[] | undefined {
    const v = this.raw(key, optional, code, ['array']);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw typeError(code, child(this.path, key), ['array'], v);
    return v.map((item, i) => {
      if (typeof item !== 'string') throw typeError(code, `${child(this.path, key)}[${i}]`, ['string'], item);
      return item;
    });
  }

  oneOf<T extends string>(
    key: string,
    code: ErrorCode,
    accepted: readonly T[],
    optional = false,
  ): T | undefined {
    const v = this.string(key, code, optional);
    if (v === undefined) return undefined;
    if (!accepted.includes(v as T)) throw unknownValueError(code, v, accepted, child(this.path, key));
    return v as T;
  }
}

// ---- query strings ----

export type QueryParams = Record<string, string | string[] | undefined>;

export function unknownParamError(key: string, accepted: readonly string[]): MiroirError {
  return miroirError(
    'bad_request',
    `Unknown parameter \`${key}\`: ${didYouMean(key, accepted)}expected one of ${quoteList(accepted)}`,
  );
}

export function paramValueError(code: ErrorCode, key: string, reason: string): MiroirError {
  return miroirError(code, `Invalid value in parameter \`${key}\`: ${reason}`);
}

/** Readers for one query string, rejecting unknown parameters up front like deserr's deny_unknown_fields. */
export class QueryFields {
  constructor(
    readonly params: QueryParams,
    accepted: readonly string[],
  ) {
    for (const key of Object.keys(params))
      if (!accepted.includes(key)) throw unknownParamError(key, accepted);
  }

  string(key: string, code: ErrorCode): string | undefined {
    const v = this.params[key];
    if (v === undefined) return undefined;
    if (Array.isArray(v))
      throw miroirError(
        code,
        `Invalid value type for parameter \`${key}\`: expected a string, but found multiple values`,
      );
    return v;
  }

  usize(key: string, code: ErrorCode): number | undefined {
    const v = this.string(key, code);
    if (v === undefined) return undefined;
    if (!/^\+?\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
      throw paramValueError(code, key, `could not parse \`${v}\` as a positive integer`);
    return Number(v);
  }

  bool(key: string, code: ErrorCode): boolean | undefined {
    const v = this.string(key, code);
    if (v === undefined) return undefined;
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw paramValueError(
      code,
      key,
      `could not parse \`${v}\` as a boolean, expected either \`true\` or \`false\``,
    );
  }

  /** Comma-separated list (serde_cs): empty items are dropped. */
  list(key: string, code: ErrorCode): string[] | undefined {
    const v = this.string(key, code);
    if (v === undefined) return undefined;
    return v.split(',').filter((s) => s !== '');
  }

  oneOf<T extends string>(key: string, code: ErrorCode, accepted: readonly T[]): T | undefined {
    const v = this.string(key, code);
    if (v === undefined) return undefined;
    if (!accepted.includes(v as T)) {
      throw miroirError(
        code,
        `Unknown value \`${v}\` for parameter \`${key}\`: ${didYouMean(v, accepted)}expected one of ${quoteList(accepted)}`,
      );
    }
    return v as T;
  }
}
