import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_SCHEMAS, type AvroRecordSchema, type EventSchemaEntry } from '#core/events/avro-schemas.ts';
import { createEventCodec, decodeEvent, encodeEvent } from '#core/events/codec.ts';
import type { MiroirEvent } from '#core/events/event.ts';
import { isMiroirError } from '#core/errors.ts';
import { anyEvent, asDecoded } from '#test/fixtures/events.arbitraries.ts';
import { SAMPLE_EVENTS } from '#test/fixtures/events.samples.ts';

const registryIds = Object.fromEntries(EVENT_SCHEMAS.map((e, i) => [`${e.type}.v${e.version}`, 1000 + i]));

function sample<T extends MiroirEvent['type']>(type: T): Extract<MiroirEvent, { type: T }> {
  const found = SAMPLE_EVENTS.find((e) => e.type === type);
  if (found === undefined) throw new Error(`no sample ${type}`);
  return found as Extract<MiroirEvent, { type: T }>;
}

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isMiroirError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected an error');
}

describe('event codec', () => {
  it('given any valid event, when encoded and decoded with plain framing, then it round-trips', () => {
    fc.assert(
      fc.property(anyEvent, (event) => {
        expect(decodeEvent(encodeEvent(event))).toEqual(asDecoded(event));
      }),
      { numRuns: 400 },
    );
  });

  it('given any valid event, when encoded with Confluent framing, then it round-trips and starts with magic byte 0', () => {
    const codec = createEventCodec({ schemaIds: registryIds });
    fc.assert(
      fc.property(anyEvent, (event) => {
        const bytes = codec.encode(event);
        expect(bytes[0]).toBe(0);
        expect(bytes.readUInt32BE(1)).toBe(registryIds[`${event.type}.v${event.schemaVersion}`]);
        expect(codec.decode(bytes)).toEqual(asDecoded(event));
      }),
      { numRuns: 200 },
    );
  });

  it('given any valid event and a size hint, when encoded in one pass, then the bytes equal the plain encoding', () => {
    const codec = createEventCodec();
    fc.assert(
      fc.property(anyEvent, fc.integer({ min: 1, max: 4096 }), (event, hint) => {
        expect(codec.encode(event, hint).equals(codec.encode(event))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('given a codec with registry ids, when it decodes a plain-framed record, then it still reads it', () => {
    const codec = createEventCodec({ schemaIds: registryIds });
    const event = sample('DocumentsUpserted');
    expect(codec.decode(encodeEvent(event))).toEqual(event);
  });

  it('given a plain-framed record, when its header is read, then it is the event name and the schema version', () => {
    const bytes = encodeEvent(sample('NodeJoined'));
    expect(bytes[0]).toBe('NodeJoined'.length * 2);
    expect(bytes.subarray(1, 11).toString()).toBe('NodeJoined');
    expect(bytes[11]).toBe(2); // zig-zag 1
  });

  it('given a decoded document event, when its bodies are read, then they are the client JSON bytes untouched', () => {
    const event = sample('DocumentsUpserted');
    const decoded = decodeEvent(encodeEvent(event));
    if (decoded.type !== 'DocumentsUpserted') throw new Error('wrong type');
    expect(decoded.documents.map((d) => d.toString('utf8'))).toEqual(
      event.documents.map((d) => d.toString('utf8')),
    );
  });

  describe('bad input', () => {
    it('given an empty buffer, when decoded, then it fails with a clear error', () => {
      expect(thrown(() => decodeEvent(Buffer.alloc(0)))).toEqual({
        code: 'internal',
        message: 'Cannot decode event: empty buffer.',
      });
    });

    it('given an unknown event name tag, when decoded, then the schema is reported unknown', () => {
      const bytes = Buffer.concat([Buffer.from([2 * 5]), Buffer.from('Bogus'), Buffer.from([2])]);
      expect(thrown(() => decodeEvent(bytes)).message).toBe('Cannot decode event: unknown schema Bogus.v1.');
    });

    it('given a known name with an unknown version, when decoded, then the schema is reported unknown', () => {
      const bytes = encodeEvent(sample('NodeRemoved'));
      bytes[1 + 'NodeRemoved'.length] = 2 * 9;
      expect(thrown(() => decodeEvent(bytes)).message).toBe(
        'Cannot decode event: unknown schema NodeRemoved.v9.',
      );
    });

    it('given a truncated record, when decoded, then it fails instead of returning a partial event', () => {
      const bytes = encodeEvent(sample('TaskEnqueued'));
      expect(thrown(() => decodeEvent(bytes.subarray(0, bytes.length - 3))).message).toMatch(
        /^Cannot decode event: TaskEnqueued/,
      );
    });

    it('given trailing bytes, when decoded, then they are reported', () => {
      const bytes = Buffer.concat([encodeEvent(sample('AliasRemoved')), Buffer.from([0, 0])]);
      expect(thrown(() => decodeEvent(bytes)).message).toBe(
        'Cannot decode event: 2 trailing bytes after AliasRemoved.',
      );
    });

    it('given a Confluent record with an unknown schema id, when decoded, then the id is reported', () => {
      const bytes = Buffer.from([0, 0, 0, 0x30, 0x39, 1, 2]);
      expect(thrown(() => decodeEvent(bytes)).message).toBe(
        'Cannot decode event: unknown schema registry id 12345.',
      );
    });

    it('given a body whose type field disagrees with its header, when decoded, then it is rejected', () => {
      const forged = encodeEvent({
        ...sample('NodeDraining'),
        type: 'NodeRemoved',
      } as unknown as MiroirEvent);
      const header = encodeEvent(sample('NodeDraining')).subarray(0, 1 + 'NodeDraining'.length + 1);
      const body = forged.subarray(1 + 'NodeRemoved'.length + 1);
      expect(thrown(() => decodeEvent(Buffer.concat([header, body]))).message).toBe(
        'Cannot decode event: body says NodeRemoved but the header says NodeDraining.',
      );
    });

    it('given an event missing a required field, when encoded, then it fails naming the event and schema', () => {
      const broken = { ...sample('NodeJoined'), url: undefined } as unknown as MiroirEvent;
      const error = thrown(() => encodeEvent(broken));
      expect(error.code).toBe('internal');
      expect(error.message).toMatch(/^Cannot encode event: NodeJoined does not match its schema v1/);
    });

    it('given an event of an unknown schema version, when encoded, then it fails', () => {
      expect(thrown(() => encodeEvent({ ...sample('NodeRemoved'), schemaVersion: 7 })).message).toBe(
        'Cannot encode event: no schema for NodeRemoved.v7.',
      );
    });

    it('given registry ids missing one schema, when that event is encoded, then it fails instead of falling back', () => {
      const codec = createEventCodec({ schemaIds: { 'NodeJoined.v1': 1 } });
      expect(thrown(() => codec.encode(sample('NodeRemoved'))).message).toBe(
        'Cannot encode event: no schema registry id for NodeRemoved.v1.',
      );
    });

    it('given two schemas with the same registry id, when the codec is built, then it refuses', () => {
      expect(
        thrown(() => createEventCodec({ schemaIds: { 'NodeJoined.v1': 5, 'NodeRemoved.v1': 5 } })).message,
      ).toBe('Cannot encode event: schema id 5 is given to two schemas.');
    });
  });

  describe('schema evolution', () => {
    // A synthetic v2 of NodeFailed that adds a field with a default: records written with v1
    // must still decode, resolved into the newest version.
    const v1 = EVENT_SCHEMAS.find((e) => e.type === 'NodeFailed') as EventSchemaEntry;
    const v2Schema: AvroRecordSchema = {
      ...v1.schema,
      fields: [...v1.schema.fields, { name: 'detectedBy', type: ['null', 'string'], default: null }],
    };
    const catalog: EventSchemaEntry[] = [
      ...EVENT_SCHEMAS,
      { type: 'NodeFailed', version: 2, schema: v2Schema },
    ];

    it('given a record written with v1, when read by a codec whose newest NodeFailed is v2, then it resolves with the default', () => {
      const codec = createEventCodec({ catalog });
      const old = sample('NodeFailed');
      const decoded = codec.decode(encodeEvent(old)) as unknown as Record<string, unknown>;
      expect(decoded).toEqual({ ...old, detectedBy: null });
      expect(codec.latestVersion('NodeFailed')).toBe(2);
    });

    it('given a v2 record, when encoded and decoded by the v2 codec, then it round-trips', () => {
      const codec = createEventCodec({ catalog });
      const event = {
        ...sample('NodeFailed'),
        schemaVersion: 2,
        detectedBy: 'prober-1',
      } as unknown as MiroirEvent;
      expect(codec.decode(codec.encode(event))).toEqual(event);
    });
  });
});
