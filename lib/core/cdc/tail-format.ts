// How `miroir cdc tail` prints a change: `json` is one compact line per change (op, key and the
// document after it, null once deleted), `envelope` the stored Debezium envelope as is. A
// snapshot read prints each live document as op `r`, as Debezium's initial snapshot does.
import type { ChangeEnvelope } from './envelope.ts';

export const TAIL_FORMATS = ['json', 'envelope'] as const;
export type TailFormat = (typeof TAIL_FORMATS)[number];

/** The line for one change record; null for a tombstone (its delete was already printed). */
export function formatChange(
  key: string,
  envelope: ChangeEnvelope | null,
  format: TailFormat,
  snapshot = false,
): string | null {
  if (envelope === null) return null;
  const shown: ChangeEnvelope = snapshot ? { ...envelope, op: 'r', before: null } : envelope;
  if (format === 'envelope') return JSON.stringify(shown);
  return JSON.stringify({ op: shown.op, key, document: shown.after ?? null });
}
