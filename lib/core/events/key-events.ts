// Events of the API keys (`/keys`), appended to the `control` topic and folded by every process
// into its key projection. A key's value is never in an event: it is derived from the uid and the
// master key (HMAC-SHA256), so the log holds nothing that grants access by itself.
import type { EventEnvelope } from './envelope.ts';

export interface KeyCreatedEvent extends EventEnvelope<'KeyCreated'> {
  /** The key's uid (a UUID, lower-case hyphenated); its value is derived from it. */
  keyUid: string;
  name: string | null;
  description: string | null;
  /** Actions as the client listed them (wildcards unexpanded). */
  actions: string[];
  /** Index uids and patterns (`*`, `movies*`) the key may act on. */
  indexes: string[];
  /** Expiry in ms since the epoch, or null for a key that never expires. */
  expiresAt: number | null;
}

/** `PATCH /keys/{key}`: the key's name and description after the change (the only mutable fields). */
export interface KeyUpdatedEvent extends EventEnvelope<'KeyUpdated'> {
  keyUid: string;
  name: string | null;
  description: string | null;
}

export interface KeyDeletedEvent extends EventEnvelope<'KeyDeleted'> {
  keyUid: string;
}

export type KeyEvent = KeyCreatedEvent | KeyUpdatedEvent | KeyDeletedEvent;

export const KEY_EVENT_TYPES = [
  'KeyCreated',
  'KeyUpdated',
  'KeyDeleted',
] as const satisfies readonly KeyEvent['type'][];
