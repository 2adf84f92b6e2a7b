// Real npm package records for tests, from a slice of the shared corpus kept in the repository
// (test/fixtures/npm-packages.slice.jsonl.gz), so tests pass on any clone. The slice is the
// corpus's first 30,000 lines, byte for byte:
//   head -n 30000 ../shared/data/npm-packages.jsonl | gzip -9n > test/fixtures/npm-packages.slice.jsonl.gz
// Fields: id (16 hex chars), name, version, major, downloads, summary, scope.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export type NpmPackage = Record<string, unknown>;

const FIXTURE = new URL('../fixtures/npm-packages.slice.jsonl.gz', import.meta.url);

let records: readonly NpmPackage[] | undefined;

function loadAll(): readonly NpmPackage[] {
  records ??= gunzipSync(readFileSync(FIXTURE))
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as NpmPackage);
  return records;
}

/**
 * Records `from` to `from + count` of the slice, as fresh objects (tests mutate them). Asking past
 * its end throws rather than returning fewer documents than the test counts on.
 */
export function npmPackages(count: number, from = 0): NpmPackage[] {
  const all = loadAll();
  if (from + count > all.length)
    throw new Error(
      `npmPackages(${count}, ${from}) asks past the ${all.length} records of ${FIXTURE.pathname}; use a lower offset or grow the slice`,
    );
  return all.slice(from, from + count).map((record) => structuredClone(record));
}
