// API keys as Meilisearch keeps them: the record folded from the key events, the key projection
// (rule 6: `{ name, version, initialState, evolve }`, idempotent), the value derivation (hex
// HMAC-SHA256 of the lower-case hyphenated uid, keyed by the master key, as meilisearch-auth's
// `generate_key_as_hexa`), the default keys of a first start, and the view `/keys` answers with.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { KeyEvent } from '#core/events/key-events.ts';

export interface KeyRecord {
  readonly uid: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly actions: readonly string[];
  readonly indexes: readonly string[];
  /** ms since the epoch; null never expires. */
  readonly expiresAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface KeysState {
  /** Offset of the last folded control record; -1 before any. */
  readonly offset: number;
  /** Live keys by uid. */
  readonly keys: Readonly<Record<string, KeyRecord>>;
  /** True once any key event was folded: default keys are created only on a log that never had one. */
  readonly seeded: boolean;
}

export interface KeyLogRecord {
  readonly offset: number;
  readonly event: KeyEvent;
}

export interface KeyProjection {
  readonly name: 'keys';
  readonly version: number;
  readonly initialState: KeysState;
  evolve(state: KeysState, record: KeyLogRecord): KeysState;
}

function applyKeyEvent(state: KeysState, event: KeyEvent): KeysState {
  switch (event.type) {
    case 'KeyCreated': {
      // The first creation of a uid wins: concurrent first starts append the same default keys.
      if (state.keys[event.keyUid] !== undefined) return { ...state, seeded: true };
      const key: KeyRecord = {
        uid: event.keyUid,
        name: event.name,
        description: event.description,
        actions: event.actions,
        indexes: event.indexes,
        expiresAt: event.expiresAt,
        createdAt: event.timestamp,
        updatedAt: event.timestamp,
      };
      return { ...state, seeded: true, keys: { ...state.keys, [key.uid]: key } };
    }
    case 'KeyUpdated': {
      const key = state.keys[event.keyUid];
      if (key === undefined) return { ...state, seeded: true };
      const next = { ...key, name: event.name, description: event.description, updatedAt: event.timestamp };
      return { ...state, seeded: true, keys: { ...state.keys, [key.uid]: next } };
    }
    case 'KeyDeleted': {
      const { [event.keyUid]: _gone, ...keys } = state.keys;
      return { ...state, seeded: true, keys };
    }
  }
}

export function createKeyProjection(): KeyProjection {
  return {
    name: 'keys',
    version: 1,
    initialState: { offset: -1, keys: {}, seeded: false },
    evolve(state, record) {
      // At-least-once delivery: a record at or below the folded offset was already applied.
      if (record.offset <= state.offset) return state;
      return { ...applyKeyEvent(state, record.event), offset: record.offset };
    },
  };
}

/** A key's value: hex HMAC-SHA256 of its lower-case hyphenated uid, keyed by the master key. */
export function deriveKeyValue(uid: string, masterKey: string): string {
  return createHmac('sha256', masterKey).update(uid.toLowerCase()).digest('hex');
}

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Meilisearch 1.50's default keys, created at first start (same names, descriptions and actions).
 * Their uids are fixed per cluster (from the topic prefix) instead of random, so processes that
 * start together append the same keys and the projection keeps one of each.
 */
export const DEFAULT_KEYS = [
  {
    slot: 'chat',
    name: 'Default Chat API Key',
    description: 'Use it to chat and search from the frontend',
    actions: ['chatCompletions', 'search'],
  },
  {
    slot: 'read-only-admin',
    name: 'Default Read-Only Admin API Key',
    description:
      'Use it to read information across the whole database. Caution! Do not expose this key on a public frontend',
    actions: ['*.get', 'keys.get'],
  },
  {
    slot: 'admin',
    name: 'Default Admin API Key',
    description:
      'Use it for anything that is not a search operation. Caution! Do not expose it on a public frontend',
    actions: ['*'],
  },
  {
    slot: 'search',
    name: 'Default Search API Key',
    description: 'Use it to search from the frontend',
    actions: ['search'],
  },
] as const;

/** A version-4-shaped UUID from 16 bytes (the variant and version bits set). */
export function uuidFromBytes(bytes: Uint8Array): string {
  const b = Array.from(bytes.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The fixed uid of a default key of the cluster whose topics start with `topicPrefix`. */
export function defaultKeyUid(topicPrefix: string, slot: string): string {
  return uuidFromBytes(createHmac('sha256', 'miroir-default-key').update(`${topicPrefix}\0${slot}`).digest());
}

/** Meilisearch prints dates as RFC 3339 in UTC, without a fraction when it is zero. */
export function formatKeyDate(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export interface KeyView {
  name: string | null;
  description: string | null;
  key: string;
  uid: string;
  actions: string[];
  indexes: string[];
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `KeyView` as Meilisearch serializes it (field order included). */
export function keyView(key: KeyRecord, masterKey: string | null): KeyView {
  return {
    name: key.name,
    description: key.description,
    key: masterKey === null ? '' : deriveKeyValue(key.uid, masterKey),
    uid: key.uid,
    actions: [...key.actions],
    indexes: [...key.indexes],
    expiresAt: key.expiresAt === null ? null : formatKeyDate(key.expiresAt),
    createdAt: formatKeyDate(key.createdAt),
    updatedAt: formatKeyDate(key.updatedAt),
  };
}

/** Keys newest first, as Meilisearch lists them. */
export function listKeys(state: KeysState): KeyRecord[] {
  return Object.values(state.keys).sort((a, b) => b.createdAt - a.createdAt || (a.uid < b.uid ? -1 : 1));
}

export function isExpired(key: KeyRecord, now: number): boolean {
  return key.expiresAt !== null && now >= key.expiresAt;
}
