// Binary codec of events: Avro bodies behind one of two framings, told apart by the first byte.
//  - plain: Avro string (event name) + Avro int (schema version) + body. Its first byte is the
//    zig-zag length of a non-empty name, never 0.
//  - Confluent wire format: magic byte 0 + 4-byte big-endian schema id + body, used when a schema
//    registry id map is given. Decoding accepts both, so a topic can switch framing mid-stream.
// Older schema versions decode into the newest one through Avro schema resolution.
import avro from 'avsc';
import { miroirError } from '../errors.ts';
import { EVENT_SCHEMAS, type EventSchemaEntry } from './avro-schemas.ts';
import type { EventType, MiroirEvent } from './event.ts';

export interface EventCodecOptions {
  /**
   * Schema registry ids by `<EventType>.v<N>` (e.g. `DocumentsUpserted.v1`). When given, events
   * are written with Confluent framing and every encoded schema version needs an id.
   */
  readonly schemaIds?: Readonly<Record<string, number>>;
  /** Schema catalogue; defaults to every released event schema. */
  readonly catalog?: readonly EventSchemaEntry[];
}

export interface EventCodec {
  /**
   * Encodes an event with the schema of its `type` and `schemaVersion`. `sizeHint` (an upper bound
   * of the encoded size, header included) lets large events be written in one pass.
   */
  encode(event: MiroirEvent, sizeHint?: number): Buffer;
  /** Decodes either framing. Byte fields of the result are views into `buf`, not copies. */
  decode(buf: Buffer): MiroirEvent;
  /** Bytes the framing adds before the Avro body of this schema version. */
  headerSize(type: EventType, version: number): number;
  /** Newest schema version of an event type. */
  latestVersion(type: EventType): number;
  /** The compiled Avro type of a schema version (for size estimates and tooling). */
  avroType(type: EventType, version: number): avro.Type;
}

interface CompiledSchema {
  readonly entry: EventSchemaEntry;
  readonly avroType: avro.Type;
  /** Framing bytes written before the body. */
  readonly header: Buffer;
  /** Reads this writer version into the newest version of the type (absent when this is the newest). */
  readonly resolver: AvroResolver | undefined;
  readonly readerType: avro.Type;
}

export const CONFLUENT_MAGIC_BYTE = 0;
const CONFLUENT_HEADER_SIZE = 5;

// avsc declares its Resolver class without exporting it.
type AvroResolver = ReturnType<avro.Type['createResolver']>;

const key = (type: string, version: number): string => `${type}.v${version}`;

function decodeFailed(message: string, cause?: unknown): Error {
  return miroirError('internal', `Cannot decode event: ${message}.`, { retriable: false, cause });
}

function encodeFailed(message: string, cause?: unknown): Error {
  return miroirError('internal', `Cannot encode event: ${message}.`, { retriable: false, cause });
}

/** Avro zig-zag varint of a long, as bytes. */
function writeVarint(n: number, out: number[]): void {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
}

function plainHeader(type: string, version: number): Buffer {
  const name = Buffer.from(type, 'utf8');
  const bytes: number[] = [];
  writeVarint(name.length, bytes);
  bytes.push(...name);
  writeVarint(version, bytes);
  return Buffer.from(bytes);
}

function confluentHeader(id: number): Buffer {
  if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff)
    throw encodeFailed(`schema id ${id} is not a 32-bit unsigned integer`);
  const header = Buffer.alloc(CONFLUENT_HEADER_SIZE);
  header.writeUInt8(CONFLUENT_MAGIC_BYTE, 0);
  header.writeUInt32BE(id, 1);
  return header;
}

/** Reads an Avro zig-zag varint at `pos`; returns the value and the next position. */
function readVarint(buf: Buffer, pos: number): { value: number; next: number } {
  let result = 0;
  let factor = 1;
  for (let i = pos; i < buf.length && i < pos + 10; i += 1) {
    const byte = buf[i] as number;
    result += (byte & 0x7f) * factor;
    if ((byte & 0x80) === 0) {
      const value = result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      return { value, next: i + 1 };
    }
    factor *= 0x80;
  }
  throw decodeFailed('truncated header');
}

export function createEventCodec(options: EventCodecOptions = {}): EventCodec {
  const catalog = options.catalog ?? EVENT_SCHEMAS;
  const schemaIds = options.schemaIds;

  const latest = new Map<string, EventSchemaEntry>();
  for (const entry of catalog) {
    const current = latest.get(entry.type);
    if (current === undefined || current.version < entry.version) latest.set(entry.type, entry);
  }
  const readerTypes = new Map<string, avro.Type>();
  for (const [type, entry] of latest) readerTypes.set(type, avro.Type.forSchema(entry.schema as avro.Schema));

  const byKey = new Map<string, CompiledSchema>();
  const byRegistryId = new Map<number, CompiledSchema>();
  for (const entry of catalog) {
    const readerType = readerTypes.get(entry.type) as avro.Type;
    const isLatest = latest.get(entry.type) === entry;
    const avroType = isLatest ? readerType : avro.Type.forSchema(entry.schema as avro.Schema);
    const id = schemaIds?.[key(entry.type, entry.version)];
    const compiled: CompiledSchema = {
      entry,
      avroType,
      header:
        schemaIds === undefined
          ? plainHeader(entry.type, entry.version)
          : id === undefined
            ? Buffer.alloc(0)
            : confluentHeader(id),
      resolver: isLatest ? undefined : readerType.createResolver(avroType),
      readerType,
    };
    byKey.set(key(entry.type, entry.version), compiled);
    if (id !== undefined) {
      if (byRegistryId.has(id)) throw encodeFailed(`schema id ${id} is given to two schemas`);
      byRegistryId.set(id, compiled);
    }
  }

  function compiledFor(type: string, version: number): CompiledSchema {
    const compiled = byKey.get(key(type, version));
    if (compiled === undefined) throw encodeFailed(`no schema for ${key(type, version)}`);
    if (schemaIds !== undefined && compiled.header.length === 0)
      throw encodeFailed(`no schema registry id for ${key(type, version)}`);
    return compiled;
  }

  function encode(event: MiroirEvent, sizeHint?: number): Buffer {
    const compiled = compiledFor(event.type, event.schemaVersion);
    const { header, avroType } = compiled;
    try {
      if (sizeHint !== undefined && sizeHint > header.length) {
        const buf = Buffer.allocUnsafe(sizeHint);
        header.copy(buf, 0);
        const end = avroType.encode(event, buf, header.length);
        // avsc returns the (negative) count of missing bytes when the buffer is too small.
        if (end > 0) return buf.subarray(0, end);
      }
      return Buffer.concat([header, avroType.toBuffer(event)]);
    } catch (err) {
      throw encodeFailed(
        `${event.type} does not match its schema v${event.schemaVersion} (${(err as Error).message})`,
        err,
      );
    }
  }

  function decode(buf: Buffer): MiroirEvent {
    if (buf.length === 0) throw decodeFailed('empty buffer');
    let compiled: CompiledSchema | undefined;
    let bodyStart: number;
    if (buf[0] === CONFLUENT_MAGIC_BYTE) {
      if (buf.length < CONFLUENT_HEADER_SIZE) throw decodeFailed('truncated Confluent header');
      const id = buf.readUInt32BE(1);
      compiled = byRegistryId.get(id);
      if (compiled === undefined) throw decodeFailed(`unknown schema registry id ${id}`);
      bodyStart = CONFLUENT_HEADER_SIZE;
    } else {
      const nameLength = readVarint(buf, 0);
      const nameEnd = nameLength.next + nameLength.value;
      if (nameLength.value <= 0 || nameEnd > buf.length) throw decodeFailed('bad event name tag');
      const type = buf.toString('utf8', nameLength.next, nameEnd);
      const version = readVarint(buf, nameEnd);
      compiled = byKey.get(key(type, version.value));
      if (compiled === undefined) throw decodeFailed(`unknown schema ${key(type, version.value)}`);
      bodyStart = version.next;
    }
    let decoded: { value: unknown; offset: number };
    try {
      decoded = compiled.readerType.decode(buf, bodyStart, compiled.resolver);
    } catch (err) {
      throw decodeFailed(
        `${compiled.entry.type} v${compiled.entry.version} body is invalid (${(err as Error).message})`,
        err,
      );
    }
    if (decoded.offset < 0) throw decodeFailed(`${compiled.entry.type} body is truncated`);
    if (decoded.offset !== buf.length)
      throw decodeFailed(`${buf.length - decoded.offset} trailing bytes after ${compiled.entry.type}`);
    const event = decoded.value as MiroirEvent;
    if (event.type !== compiled.entry.type)
      throw decodeFailed(`body says ${event.type} but the header says ${compiled.entry.type}`);
    return event;
  }

  return {
    encode,
    decode,
    headerSize: (type, version) => compiledFor(type, version).header.length,
    latestVersion(type) {
      const entry = latest.get(type);
      if (entry === undefined) throw encodeFailed(`no schema for ${type}`);
      return entry.version;
    },
    avroType: (type, version) => compiledFor(type, version).avroType,
  };
}

let plainCodec: EventCodec | undefined;

/** The plain-framing codec over every released schema (built on first use). */
export function defaultEventCodec(): EventCodec {
  plainCodec ??= createEventCodec();
  return plainCodec;
}

/** Encodes with plain framing. Use `createEventCodec({ schemaIds })` for Confluent framing. */
export function encodeEvent(event: MiroirEvent): Buffer {
  return defaultEventCodec().encode(event);
}

/** Decodes plain or Confluent framing (Confluent ids resolve only through a codec built with them). */
export function decodeEvent(buf: Buffer): MiroirEvent {
  return defaultEventCodec().decode(buf);
}
