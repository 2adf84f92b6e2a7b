// The changelog's record format: a Debezium-style envelope (`before`, `after`, `source`, `op`,
// `ts_ms`) as JSON, keyed by the primary key as text, with a tombstone after every delete so a
// compacted changelog keeps exactly the live documents. Images are spliced in as the JSON text the
// fold holds, so a document is never parsed and printed again on its way through.
import { decodeAvroEnvelope, encodeAvroEnvelope } from './avro.ts';
import type { ChangeOp, DocumentChange } from './fold.ts';

/** Where a change came from: the document record that caused it, and that record's context. */
export interface ChangeSource {
  /** Client-facing index uid when the record was written. */
  readonly index: string;
  readonly generation: number;
  readonly shard: number;
  readonly topic: string;
  readonly partition: number;
  /** Offset of the document record in its partition. */
  readonly offset: number;
  /** Position of this change among the changes of that record (a batch holds many documents). */
  readonly seq: number;
  readonly taskUid: number | null;
  /** Settings version of the shard at that record (-1 before any settings update). */
  readonly settingsVersion: number;
  readonly eventId: string;
  /** When the record's event was built (ms since the epoch). */
  readonly ts_ms: number;
}

/** A changelog record value, parsed. */
export interface ChangeEnvelope {
  readonly before: unknown;
  readonly after: unknown;
  readonly source: ChangeSource & { readonly connector: string };
  readonly op: ChangeOp;
  readonly ts_ms: number;
}

export interface ChangeRecord {
  readonly key: string;
  /** The envelope (JSON text, or Avro in Confluent's framing), or null for the tombstone after a delete. */
  readonly value: string | Buffer | null;
  readonly headers: Record<string, string>;
}

export const CDC_HEADERS = {
  op: 'miroir-op',
  taskUid: 'miroir-task-uid',
  eventId: 'miroir-event-id',
} as const;

/** The changelog records of one change: the envelope, then a tombstone when it is a delete. */
export function changeRecords(
  change: DocumentChange,
  source: ChangeSource,
  tsMs: number,
  avroSchemaId?: number,
): ChangeRecord[] {
  const { seq, ...rest } = source;
  return recordSource(rest, avroSchemaId).records(change, seq, tsMs);
}

/**
 * The part of the envelope a document record's changes share, printed once: a batch of 500
 * documents then costs one JSON.stringify of its source, not 500.
 */
export function recordSource(
  source: Omit<ChangeSource, 'seq'>,
  avroSchemaId?: number,
): {
  records(change: DocumentChange, seq: number, tsMs: number): ChangeRecord[];
} {
  const { taskUid, settingsVersion, eventId, ts_ms, ...where } = source;
  const head = JSON.stringify({ connector: 'miroir', ...where }).slice(0, -1) + ',"seq":';
  const tail = `,${JSON.stringify({ taskUid, settingsVersion, eventId, ts_ms }).slice(1)}`;
  const headersOf = new Map<string, Record<string, string>>();
  return {
    records(change, seq, tsMs) {
      let headers = headersOf.get(change.op);
      if (headers === undefined)
        headersOf.set(change.op, (headers = changeHeaders(change.op, taskUid, eventId)));
      const value =
        avroSchemaId === undefined
          ? `{"before":${change.before ?? 'null'},"after":${change.after ?? 'null'},` +
            `"source":${head}${seq}${tail},"op":"${change.op}","ts_ms":${tsMs}}`
          : encodeAvroEnvelope(
              avroSchemaId,
              change.before,
              change.after,
              { ...source, seq },
              change.op,
              tsMs,
            );
      const record: ChangeRecord = { key: change.key, value, headers };
      return change.op === 'd' ? [record, { key: change.key, value: null, headers }] : [record];
    },
  };
}

export function changeHeaders(op: ChangeOp, taskUid: number | null, eventId: string): Record<string, string> {
  const headers: Record<string, string> = { [CDC_HEADERS.op]: op, [CDC_HEADERS.eventId]: eventId };
  if (taskUid !== null) headers[CDC_HEADERS.taskUid] = String(taskUid);
  return headers;
}

/** Parses a changelog record value (JSON, or Avro in Confluent's framing); null for a tombstone. Throws on anything else. */
export function parseChangeEnvelope(value: Buffer | string | null): ChangeEnvelope | null {
  if (value === null) return null;
  // JSON text never starts with a NUL byte; Confluent's framing always does.
  if (typeof value !== 'string' && value[0] === 0) return decodeAvroEnvelope(value);
  const parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8')) as unknown;
  if (!isEnvelope(parsed)) throw new Error('not a changelog envelope');
  return parsed;
}

function isEnvelope(value: unknown): value is ChangeEnvelope {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.op === 'string' &&
    'c u d r'.split(' ').includes(v.op) &&
    'before' in v &&
    'after' in v &&
    v.source !== null &&
    typeof v.source === 'object'
  );
}
