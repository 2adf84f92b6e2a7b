// API keys: the value derivation against an independently computed fixture, the key projection
// (given events, when folded, then state; applying a record twice equals once), default keys,
// and the /keys bodies read with Meilisearch's codes and messages.
import { describe, expect, it } from 'vitest';
import { expandActions } from '#core/auth/actions.ts';
import { parseCreateKey, parsePatchKey, parseUuid } from '#core/auth/key-requests.ts';
import {
  createKeyProjection,
  DEFAULT_KEYS,
  defaultKeyUid,
  deriveKeyValue,
  formatKeyDate,
  keyView,
  listKeys,
  type KeysState,
} from '#core/auth/keys.ts';
import type { KeyEvent } from '#core/events/key-events.ts';
import { isMiroirError } from '#core/errors.ts';

// Computed with `printf '%s' UID | openssl dgst -sha256 -hmac MASTER`, not with Miroir's code:
// a key created on Meilisearch with this master key and uid has this value.
const FIXTURE = {
  masterKey: 'masterKey-fixture-0123456789',
  uid: '01b4bc42-eb33-4041-b481-254d00cce834',
  value: '1521b08fba208a38c7e8348ced1e1a458f04d98edb10cdef3f02cf903c0c79ae',
};

const projection = createKeyProjection();
const base = { schemaVersion: 1, indexUid: null, generation: null, taskUid: null } as const;
const created = (keyUid: string, timestamp: number): KeyEvent => ({
  ...base,
  eventId: `c-${keyUid}`,
  type: 'KeyCreated',
  timestamp,
  keyUid,
  name: 'n',
  description: null,
  actions: ['search'],
  indexes: ['movies*'],
  expiresAt: null,
});
const fold = (events: KeyEvent[], from: KeysState = projection.initialState): KeysState =>
  events.reduce((s, event, i) => projection.evolve(s, { offset: from.offset + 1 + i, event }), from);

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isMiroirError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('did not throw');
}

describe('key values', () => {
  it('given the fixture uid and master key, when derived, then the value is Meilisearch’s HMAC-SHA256 hex', () => {
    expect(deriveKeyValue(FIXTURE.uid, FIXTURE.masterKey)).toBe(FIXTURE.value);
    expect(deriveKeyValue(FIXTURE.uid.toUpperCase(), FIXTURE.masterKey)).toBe(FIXTURE.value);
  });

  it('given a key view, when rendered, then it has Meilisearch’s fields in order and the derived key', () => {
    const state = fold([created(FIXTURE.uid, Date.parse('2026-01-02T03:04:05Z'))]);
    const view = keyView(state.keys[FIXTURE.uid]!, FIXTURE.masterKey);
    expect(Object.keys(view)).toEqual([
      'name',
      'description',
      'key',
      'uid',
      'actions',
      'indexes',
      'expiresAt',
      'createdAt',
      'updatedAt',
    ]);
    expect(view).toMatchObject({ key: FIXTURE.value, createdAt: '2026-01-02T03:04:05Z', expiresAt: null });
  });
});

describe('key projection', () => {
  it('given create, update and delete, when folded, then the state follows and marks the log seeded', () => {
    const a = '00000000-0000-4000-8000-00000000000a';
    const b = '00000000-0000-4000-8000-00000000000b';
    const state = fold([
      created(a, 1000),
      created(b, 2000),
      { ...base, eventId: 'u', type: 'KeyUpdated', timestamp: 3000, keyUid: a, name: null, description: 'd' },
      { ...base, eventId: 'd', type: 'KeyDeleted', timestamp: 4000, keyUid: b },
    ]);
    expect(state.seeded).toBe(true);
    expect(Object.keys(state.keys)).toEqual([a]);
    expect(state.keys[a]).toMatchObject({ name: null, description: 'd', createdAt: 1000, updatedAt: 3000 });
  });

  it('given a record applied twice, when folded, then the state equals applying it once', () => {
    const once = fold([created(FIXTURE.uid, 1000)]);
    const twice = projection.evolve(once, { offset: 0, event: created(FIXTURE.uid, 1000) });
    expect(twice).toBe(once);
  });

  it('given two creations of one uid (two processes seeding at once), when folded, then the first wins', () => {
    const state = fold([
      created(FIXTURE.uid, 1000),
      { ...created(FIXTURE.uid, 5000), name: 'second' } as KeyEvent,
    ]);
    expect(state.keys[FIXTURE.uid]).toMatchObject({ name: 'n', createdAt: 1000 });
  });

  it('given keys, when listed, then newest first as Meilisearch lists them', () => {
    const state = fold([
      created('00000000-0000-4000-8000-000000000001', 1000),
      created('00000000-0000-4000-8000-000000000002', 2000),
    ]);
    expect(listKeys(state).map((k) => k.createdAt)).toEqual([2000, 1000]);
  });

  it('given a topic prefix, when default key uids are made, then they are UUIDs fixed per cluster and slot', () => {
    const uids = DEFAULT_KEYS.map((k) => defaultKeyUid('miroir.', k.slot));
    expect(new Set(uids).size).toBe(4);
    for (const uid of uids) expect(parseUuid(uid)).toBe(uid);
    expect(defaultKeyUid('miroir.', 'admin')).toBe(defaultKeyUid('miroir.', 'admin'));
    expect(defaultKeyUid('other.', 'admin')).not.toBe(defaultKeyUid('miroir.', 'admin'));
    expect(DEFAULT_KEYS.map((k) => k.name)).toEqual([
      'Default Chat API Key',
      'Default Read-Only Admin API Key',
      'Default Admin API Key',
      'Default Search API Key',
    ]);
  });
});

describe('actions', () => {
  it('given wildcards, when expanded, then * grants Miroir’s admin actions and *.get leaves keys.get out', () => {
    expect(expandActions(['*']).has('miroir.topology.get')).toBe(true);
    expect(expandActions(['*']).has('keys.get')).toBe(true);
    expect(expandActions(['*.get']).has('keys.get')).toBe(false);
    expect(expandActions(['*.get']).has('search')).toBe(true);
    expect([...expandActions(['miroir.nodes.*'])].sort()).toEqual([
      'miroir.nodes.get',
      'miroir.nodes.update',
    ]);
  });
});

describe('POST /keys body', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const valid = { actions: ['search'], indexes: ['movies'], expiresAt: null };

  it('given a full body, when read, then every field is kept and the uid normalised', () => {
    expect(
      parseCreateKey(
        {
          uid: '01B4BC42EB334041B481254D00CCE834',
          name: 'n',
          description: 'd',
          actions: ['documents.*', 'search'],
          indexes: ['movies*', 'books'],
          expiresAt: '2042-04-02',
        },
        now,
      ),
    ).toEqual({
      uid: FIXTURE.uid,
      name: 'n',
      description: 'd',
      actions: ['documents.*', 'search'],
      indexes: ['movies*', 'books'],
      expiresAt: Date.parse('2042-04-02T00:00:00Z'),
    });
    expect(formatKeyDate(Date.parse('2042-04-02T00:00:00Z'))).toBe('2042-04-02T00:00:00Z');
  });

  it('given bad bodies, when read, then Meilisearch’s codes and messages', () => {
    expect(thrown(() => parseCreateKey({ indexes: ['*'], expiresAt: null }, now))).toEqual({
      code: 'missing_api_key_actions',
      message: 'Missing field `actions`',
    });
    expect(thrown(() => parseCreateKey({ actions: ['search'], expiresAt: null }, now))).toEqual({
      code: 'missing_api_key_indexes',
      message: 'Missing field `indexes`',
    });
    expect(thrown(() => parseCreateKey({ actions: ['search'], indexes: ['*'] }, now))).toEqual({
      code: 'missing_api_key_expires_at',
      message: 'Missing field `expiresAt`',
    });
    expect(thrown(() => parseCreateKey({ ...valid, actions: ['serch'] }, now)).code).toBe(
      'invalid_api_key_actions',
    );
    expect(thrown(() => parseCreateKey({ ...valid, actions: ['serch'] }, now)).message).toMatch(
      /^Unknown value `serch` at `\.actions\[0\]`: did you mean `search`\? expected one of `\*`, `search`, /,
    );
    expect(thrown(() => parseCreateKey({ ...valid, indexes: ['bad index'] }, now))).toEqual({
      code: 'invalid_api_key_indexes',
      message:
        'Invalid value at `.indexes[0]`: `bad index` is not a valid index uid pattern. Index uid patterns can be an integer or a string containing only alphanumeric characters, hyphens (-), underscores (_), and optionally end with a star (*).',
    });
    expect(thrown(() => parseCreateKey({ ...valid, expiresAt: '2020-01-01' }, now))).toEqual({
      code: 'invalid_api_key_expires_at',
      message:
        "Invalid value at `.expiresAt`: `2020-01-01` is not a valid date. It should follow the RFC 3339 format to represents a date or datetime in the future or specified as a null value. e.g. 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS'.\n",
    });
    expect(thrown(() => parseCreateKey({ ...valid, uid: 'nope' }, now)).code).toBe('invalid_api_key_uid');
    expect(thrown(() => parseCreateKey({ ...valid, name: 42 }, now))).toEqual({
      code: 'invalid_api_key_name',
      message: 'Invalid value type at `.name`: expected a string, but found a positive integer: `42`',
    });
    expect(thrown(() => parseCreateKey({ ...valid, key: 'x' }, now)).code).toBe('bad_request');
    expect(thrown(() => parseCreateKey({ ...valid, actions: ['keys.get'] }, now))).toEqual({
      code: 'index_scoped_api_key_with_global_action',
      message:
        'cannot create index-scoped API key with global action `"keys.get"`\n  - Hint: remove action `"keys.get"` from the action list, or remove `indexes` to make the key global',
    });
  });
});

describe('PATCH /keys body', () => {
  it('given name and description, when read, then null clears and absent keeps', () => {
    expect(parsePatchKey({ name: null })).toEqual({ name: null });
    expect(parsePatchKey({ description: 'd' })).toEqual({ description: 'd' });
  });

  it('given an immutable or unknown field, when read, then Meilisearch’s immutable_* or bad_request', () => {
    expect(thrown(() => parsePatchKey({ actions: ['*'] }))).toEqual({
      code: 'immutable_api_key_actions',
      message: 'Immutable field `actions`: expected one of `description`, `name`',
    });
    expect(thrown(() => parsePatchKey({ expiresAt: null })).code).toBe('immutable_api_key_expires_at');
    expect(thrown(() => parsePatchKey({ uid: FIXTURE.uid })).code).toBe('immutable_api_key_uid');
    expect(thrown(() => parsePatchKey({ other: 1 })).code).toBe('bad_request');
  });
});
