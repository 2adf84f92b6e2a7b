// The changelog envelope in Avro, for deployments with a schema registry: Confluent's wire format
// (byte 0, the registry's schema id as a 4-byte big-endian integer, the Avro body) under the
// subject `<topic>-value`. Documents are schemaless, so `before` and `after` travel as JSON text
// (null when absent); everything else is typed. Readers of this module decode either encoding.
import avro from 'avsc';
import type { ChangeEnvelope, ChangeSource } from './envelope.ts';
import type { ChangeOp } from './fold.ts';

export const CHANGE_ENVELOPE_SCHEMA = {
  type: 'record',
  name: 'Envelope',
  namespace: 'miroir.cdc',
  fields: [
    { name: 'before', type: ['null', 'string'], default: null, doc: 'previous after-image, JSON text' },
    { name: 'after', type: ['null', 'string'], default: null, doc: 'document after the change, JSON text' },
    {
      name: 'source',
      type: {
        type: 'record',
        name: 'Source',
        fields: [
          { name: 'connector', type: 'string' },
          { name: 'index', type: 'string' },
          { name: 'generation', type: 'int' },
          { name: 'shard', type: 'int' },
          { name: 'topic', type: 'string' },
          { name: 'partition', type: 'int' },
          { name: 'offset', type: 'long' },
          { name: 'seq', type: 'int' },
          { name: 'taskUid', type: ['null', 'long'], default: null },
          { name: 'settingsVersion', type: 'int' },
          { name: 'eventId', type: 'string' },
          { name: 'ts_ms', type: 'long' },
        ],
      },
    },
    { name: 'op', type: 'string', doc: 'c, u, d or r' },
    { name: 'ts_ms', type: 'long' },
  ],
} as const;

const envelopeType = avro.Type.forSchema(CHANGE_ENVELOPE_SCHEMA as unknown as avro.Schema);

/** Confluent wire format of one envelope, images given as JSON text. */
export function encodeAvroEnvelope(
  schemaId: number,
  before: string | null,
  after: string | null,
  source: ChangeSource,
  op: ChangeOp,
  tsMs: number,
): Buffer {
  const body = envelopeType.toBuffer({
    before,
    after,
    source: { connector: 'miroir', ...source },
    op,
    ts_ms: tsMs,
  });
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, 5);
  return out;
}

/** Decodes an Avro envelope (Confluent framing) into the same shape as the JSON one. */
export function decodeAvroEnvelope(value: Buffer): ChangeEnvelope {
  const decoded = envelopeType.fromBuffer(value.subarray(5)) as {
    before: string | null;
    after: string | null;
    source: ChangeEnvelope['source'];
    op: ChangeOp;
    ts_ms: number;
  };
  return {
    before: decoded.before === null ? null : (JSON.parse(decoded.before) as unknown),
    after: decoded.after === null ? null : (JSON.parse(decoded.after) as unknown),
    source: { ...decoded.source },
    op: decoded.op,
    ts_ms: decoded.ts_ms,
  };
}
