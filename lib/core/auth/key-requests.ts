// `/keys` request bodies read as Meilisearch's deserr reads `CreateApiKey` and `PatchApiKey`:
// same codes, same messages, fields checked in the order the client sent them, missing fields
// after. Also the index uid pattern rule (`movies`, `movies*`, `*`).
import { miroirError, type MiroirError } from '#core/errors.ts';
import {
  expectObject,
  kindOf,
  missingFieldError,
  typeError,
  unknownFieldError,
  unknownValueError,
  valueError,
} from '#core/meili/deserr.ts';
import { isValidIndexUid } from '#core/meili/index-uid.ts';
import { ACTIONS, actionScope, isAction } from './actions.ts';

export interface CreateKeyRequest {
  uid: string | null;
  name: string | null;
  description: string | null;
  actions: string[];
  indexes: string[];
  expiresAt: number | null;
}

export interface PatchKeyRequest {
  /** undefined: unchanged; null: cleared. */
  name?: string | null;
  description?: string | null;
}

const CREATE_FIELDS = ['description', 'name', 'uid', 'actions', 'indexes', 'expiresAt'] as const;
const PATCH_FIELDS = ['description', 'name'] as const;

export function isIndexUidPattern(pattern: string): boolean {
  if (pattern === '*') return true;
  const prefix = pattern.endsWith('*') ? pattern.slice(0, -1) : pattern;
  return isValidIndexUid(prefix);
}

/** `movies*` matches every uid starting with `movies`; `*` matches all; anything else is exact. */
export function patternMatches(pattern: string, indexUid: string): boolean {
  return pattern.endsWith('*') ? indexUid.startsWith(pattern.slice(0, -1)) : pattern === indexUid;
}

const HEX = /^[0-9a-fA-F]+$/;

/** A UUID in the forms the uuid crate parses (hyphenated, simple, braced, urn), as lower-case hyphenated. */
export function parseUuid(text: string): string | null {
  let s = text;
  if (s.startsWith('urn:uuid:')) s = s.slice('urn:uuid:'.length);
  else if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  const simple =
    s.length === 36 && s[8] === '-' && s[13] === '-' && s[18] === '-' && s[23] === '-'
      ? s.replace(/-/g, '')
      : s;
  if (simple.length !== 32 || !HEX.test(simple)) return null;
  const h = simple.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The uuid crate's parse error text, for the common failures. */
function uuidErrorText(text: string): string {
  const bad = [...text].findIndex((c) => !/[0-9a-fA-F-]/.test(c));
  if (bad >= 0)
    return `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${text[bad]}\` at ${bad + 1}`;
  if (text.includes('-')) return `invalid group count: expected 5, found ${text.split('-').length}`;
  return `invalid length: expected length 32 for simple format, found ${text.length}`;
}

function dateError(text: string): MiroirError {
  return valueError(
    'invalid_api_key_expires_at',
    '.expiresAt',
    `\`${text}\` is not a valid date. It should follow the RFC 3339 format to represents a date or datetime in the future or specified as a null value. e.g. 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS'.\n`,
  );
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const NAIVE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Meilisearch's `parse_expiration_date`: RFC 3339, a naive date-time or a date (UTC), in the future. */
export function parseExpiration(text: string, now: number): number {
  let ms = Number.NaN;
  const naive = NAIVE.exec(text);
  if (RFC3339.test(text)) ms = Date.parse(text);
  else if (naive !== null) ms = Date.parse(`${naive[1]}T${naive[2]}Z`);
  else if (DATE.test(text)) ms = Date.parse(`${text}T00:00:00Z`);
  if (!Number.isFinite(ms) || ms <= now) throw dateError(text);
  return ms;
}

function optionalString(
  obj: Record<string, unknown>,
  key: string,
  code: 'invalid_api_key_name' | 'invalid_api_key_description',
): string | null {
  const v = obj[key];
  if (v === null) return null;
  if (typeof v !== 'string') throw typeError(code, `.${key}`, ['string'], v);
  return v;
}

function stringList(
  value: unknown,
  path: string,
  code: 'invalid_api_key_actions' | 'invalid_api_key_indexes',
): string[] {
  if (!Array.isArray(value)) throw typeError(code, path, ['array'], value);
  return value.map((item: unknown, i) => {
    if (typeof item !== 'string') throw typeError(code, `${path}[${i}]`, ['string'], item);
    return item;
  });
}

/** `POST /keys` body, checked as Meilisearch checks `CreateApiKey`; `now` judges `expiresAt`. */
export function parseCreateKey(body: unknown, now: number): CreateKeyRequest {
  const obj = expectObject(body, CREATE_FIELDS);
  const request: CreateKeyRequest = {
    uid: null,
    name: null,
    description: null,
    actions: [],
    indexes: [],
    expiresAt: null,
  };
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    switch (key) {
      case 'description':
        request.description = optionalString(obj, key, 'invalid_api_key_description');
        break;
      case 'name':
        request.name = optionalString(obj, key, 'invalid_api_key_name');
        break;
      case 'uid': {
        if (typeof v !== 'string') throw typeError('invalid_api_key_uid', '.uid', ['string'], v);
        const uid = parseUuid(v);
        if (uid === null) throw valueError('invalid_api_key_uid', '.uid', uuidErrorText(v));
        request.uid = uid;
        break;
      }
      case 'actions':
        request.actions = stringList(v, '.actions', 'invalid_api_key_actions').map((name, i) => {
          if (!isAction(name))
            throw unknownValueError('invalid_api_key_actions', name, ACTIONS, `.actions[${i}]`);
          return name;
        });
        break;
      case 'indexes':
        request.indexes = stringList(v, '.indexes', 'invalid_api_key_indexes').map((pattern, i) => {
          if (!isIndexUidPattern(pattern))
            throw valueError(
              'invalid_api_key_indexes',
              `.indexes[${i}]`,
              `\`${pattern}\` is not a valid index uid pattern. Index uid patterns can be an integer or a string containing only alphanumeric characters, hyphens (-), underscores (_), and optionally end with a star (*).`,
            );
          return pattern;
        });
        break;
      case 'expiresAt':
        if (v === null) request.expiresAt = null;
        else if (typeof v !== 'string')
          throw typeError('invalid_api_key_expires_at', '.expiresAt', ['string'], v);
        else request.expiresAt = parseExpiration(v, now);
        break;
    }
  }
  if (obj.actions === undefined) throw missingFieldError('missing_api_key_actions', 'actions');
  if (obj.indexes === undefined) throw missingFieldError('missing_api_key_indexes', 'indexes');
  if (obj.expiresAt === undefined) throw missingFieldError('missing_api_key_expires_at', 'expiresAt');
  // An index-scoped key cannot hold a global-only action (meilisearch-auth's create_key).
  const allIndexes = request.indexes.length === 0 || request.indexes.includes('*');
  if (!allIndexes) {
    const global = request.actions.find((a) => isAction(a) && actionScope(a) === 'deny');
    if (global !== undefined)
      throw miroirError(
        'index_scoped_api_key_with_global_action',
        `cannot create index-scoped API key with global action \`${JSON.stringify(global)}\`\n  - Hint: remove action \`${JSON.stringify(global)}\` from the action list, or remove \`indexes\` to make the key global`,
      );
  }
  return request;
}

const IMMUTABLE = {
  uid: 'immutable_api_key_uid',
  actions: 'immutable_api_key_actions',
  indexes: 'immutable_api_key_indexes',
  expiresAt: 'immutable_api_key_expires_at',
  createdAt: 'immutable_api_key_created_at',
  updatedAt: 'immutable_api_key_updated_at',
} as const;

/** `PATCH /keys/{key}` body: only `name` and `description`; the other key fields are immutable. */
export function parsePatchKey(body: unknown): PatchKeyRequest {
  if (kindOf(body) !== 'object') throw typeError('bad_request', '', ['object'], body);
  const obj = body as Record<string, unknown>;
  const patch: PatchKeyRequest = {};
  for (const key of Object.keys(obj)) {
    if (key === 'name') patch.name = optionalString(obj, key, 'invalid_api_key_name');
    else if (key === 'description')
      patch.description = optionalString(obj, key, 'invalid_api_key_description');
    else if (key in IMMUTABLE)
      throw miroirError(
        IMMUTABLE[key as keyof typeof IMMUTABLE],
        `Immutable field \`${key}\`: expected one of ${PATCH_FIELDS.map((f) => `\`${f}\``).join(', ')}`,
      );
    else throw unknownFieldError(key, PATCH_FIELDS);
  }
  return patch;
}
