// The .avsc files are generated from the schema catalogue and frozen once released. Run with
// MIROIR_UPDATE_EVENT_FIXTURES=1 to write files (and fingerprints) of NEW schema versions; a
// released version's file and fingerprint are never rewritten. Fingerprints hash the schema's
// JSON content (key order included), not its whitespace, so formatters cannot break them.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { EVENT_SCHEMAS, schemaFileName, schemaFileText } from '#core/events/avro-schemas.ts';
import { EVENT_TYPES } from '#core/events/event.ts';

const schemasDir = fileURLToPath(new URL('../../../../schemas/', import.meta.url));
const fingerprintsPath = fileURLToPath(
  new URL('../../../fixtures/events.fingerprints.json', import.meta.url),
);
const update = process.env.MIROIR_UPDATE_EVENT_FIXTURES === '1';

/** SHA-256 of the schema's content: its JSON re-serialized without whitespace. */
const fingerprint = (fileText: string): string =>
  createHash('sha256')
    .update(JSON.stringify(JSON.parse(fileText)))
    .digest('hex');

function readFingerprints(): Record<string, string> {
  return existsSync(fingerprintsPath)
    ? (JSON.parse(readFileSync(fingerprintsPath, 'utf8')) as Record<string, string>)
    : {};
}

const fingerprints = readFingerprints();

if (update) {
  // Writes only what is new: a file with a recorded fingerprint is released and stays as is.
  const options = (await prettier.resolveConfig(schemasDir)) ?? {};
  let added = false;
  for (const entry of EVENT_SCHEMAS) {
    const name = schemaFileName(entry);
    if (fingerprints[name] !== undefined) continue;
    const text = await prettier.format(schemaFileText(entry), { ...options, parser: 'json' });
    writeFileSync(`${schemasDir}${name}`, text);
    fingerprints[name] = fingerprint(text);
    added = true;
  }
  if (added) {
    const sorted = Object.fromEntries(Object.entries(fingerprints).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(fingerprintsPath, `${JSON.stringify(sorted, null, 2)}\n`);
  }
}

describe('event schema files', () => {
  it('given the catalogue, when compared with schemas/, then every version has its file with the same schema', () => {
    for (const entry of EVENT_SCHEMAS) {
      const path = `${schemasDir}${schemaFileName(entry)}`;
      expect(
        existsSync(path),
        `${schemaFileName(entry)} is missing: run with MIROIR_UPDATE_EVENT_FIXTURES=1`,
      ).toBe(true);
      const content = JSON.stringify(JSON.parse(readFileSync(path, 'utf8')));
      expect(content, `${schemaFileName(entry)} differs from the catalogue`).toBe(
        JSON.stringify(entry.schema),
      );
    }
  });

  it('given schemas/, when listed, then no file exists without a catalogue entry (released schemas are never dropped)', () => {
    const expected = new Set(EVENT_SCHEMAS.map(schemaFileName));
    const stray = readdirSync(schemasDir).filter((f) => f.endsWith('.avsc') && !expected.has(f));
    expect(stray).toEqual([]);
  });

  it('given the recorded fingerprints, when each schema file is hashed, then released versions are unchanged', () => {
    const files = readdirSync(schemasDir).filter((f) => f.endsWith('.avsc'));
    for (const file of files) {
      const recorded = fingerprints[file];
      expect(
        recorded,
        `${file} has no recorded fingerprint: run with MIROIR_UPDATE_EVENT_FIXTURES=1`,
      ).toBeDefined();
      expect(
        fingerprint(readFileSync(`${schemasDir}${file}`, 'utf8')),
        `${file} is released and frozen: add a new version instead`,
      ).toBe(recorded);
    }
    for (const file of Object.keys(fingerprints))
      expect(files, `released schema ${file} was deleted`).toContain(file);
  });

  it('given the catalogue, when compiled by avsc, then each schema is a valid record named after its event', () => {
    for (const entry of EVENT_SCHEMAS) {
      const type = avro.Type.forSchema(entry.schema as avro.Schema);
      expect(type.name).toBe(`miroir.events.${entry.type}`);
      expect(entry.version).toBeGreaterThanOrEqual(1);
    }
  });

  it('given the event types, when looked up in the catalogue, then every type has a schema and no version repeats', () => {
    expect(new Set(EVENT_SCHEMAS.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
    const keys = EVENT_SCHEMAS.map((e) => `${e.type}.v${e.version}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('given a schema, when its file name is derived, then it is the kebab-case event name and version', () => {
    expect(schemaFileName({ type: 'DocumentsDeletedByFilter', version: 1 })).toBe(
      'documents-deleted-by-filter.v1.avsc',
    );
    expect(schemaFileName({ type: 'TaskShardApplied', version: 3 })).toBe('task-shard-applied.v3.avsc');
  });
});
