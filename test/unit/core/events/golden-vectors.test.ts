// Golden vectors: the encoding of every sample event is pinned (plain and Confluent framing).
// Producers and consumers of different releases share the log, so an encoding change must be a
// deliberate new schema version, never an accident. Regenerate only for NEW samples with
// MIROIR_UPDATE_EVENT_FIXTURES=1.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEventCodec, decodeEvent, encodeEvent } from '#core/events/codec.ts';
import { asDecoded } from '#test/fixtures/events.arbitraries.ts';
import { SAMPLE_EVENTS } from '#test/fixtures/events.samples.ts';

interface Vector {
  eventId: string;
  type: string;
  schemaVersion: number;
  plain: string;
  confluent: string;
}

const vectorsPath = fileURLToPath(new URL('../../../fixtures/events.vectors.json', import.meta.url));
const update = process.env.MIROIR_UPDATE_EVENT_FIXTURES === '1';

// Registry ids as a schema registry would hand them out; only the framing uses them.
const schemaIds = Object.fromEntries(SAMPLE_EVENTS.map((e, i) => [`${e.type}.v${e.schemaVersion}`, 100 + i]));
const registryCodec = createEventCodec({ schemaIds });

function readVectors(): Vector[] {
  return existsSync(vectorsPath) ? (JSON.parse(readFileSync(vectorsPath, 'utf8')) as Vector[]) : [];
}

describe('event golden vectors', () => {
  let vectors = readVectors();
  if (update) {
    const known = new Set(vectors.map((v) => v.eventId));
    const added = SAMPLE_EVENTS.filter((e) => !known.has(e.eventId)).map((e) => ({
      eventId: e.eventId,
      type: e.type,
      schemaVersion: e.schemaVersion,
      plain: encodeEvent(e).toString('hex'),
      confluent: registryCodec.encode(e).toString('hex'),
    }));
    if (added.length > 0) {
      vectors = [...vectors, ...added];
      writeFileSync(vectorsPath, `${JSON.stringify(vectors, null, 2)}\n`);
    }
  }

  it('given every sample event, when looked up in the vectors, then each has a pinned encoding', () => {
    const pinned = new Set(vectors.map((v) => v.eventId));
    for (const event of SAMPLE_EVENTS)
      expect(pinned.has(event.eventId), `${event.eventId} has no vector`).toBe(true);
  });

  for (const event of SAMPLE_EVENTS) {
    it(`given the ${event.type} sample, when encoded, then the bytes equal the pinned vector and decode back`, () => {
      const vector = vectors.find((v) => v.eventId === event.eventId);
      expect(vector).toBeDefined();
      if (vector === undefined) return;
      expect(encodeEvent(event).toString('hex')).toBe(vector.plain);
      expect(registryCodec.encode(event).toString('hex')).toBe(vector.confluent);
      expect(decodeEvent(Buffer.from(vector.plain, 'hex'))).toEqual(asDecoded(event));
      expect(registryCodec.decode(Buffer.from(vector.confluent, 'hex'))).toEqual(asDecoded(event));
    });
  }

  it('given a Confluent vector, when its header is read, then it is magic byte 0 and the big-endian schema id', () => {
    const first = SAMPLE_EVENTS[0];
    const vector = vectors.find((v) => v.eventId === first?.eventId);
    const bytes = Buffer.from(vector?.confluent ?? '', 'hex');
    expect(bytes[0]).toBe(0);
    expect(bytes.readUInt32BE(1)).toBe(schemaIds[`${first?.type}.v1`]);
  });
});
