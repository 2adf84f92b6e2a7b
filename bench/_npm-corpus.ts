// The shared npm corpus the benches read: `<repo>/../shared/data/npm-packages.jsonl` (186,828
// records; tests use the slice in test/fixtures instead). Found relative to the repository so any
// checkout with the data folder beside it works; a missing file fails with what to put where.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type NpmDoc = Record<string, unknown>;

/** Path of the corpus; throws a clear error when it is not there. */
export function npmCorpusPath(): string {
  const path = join(import.meta.dirname, '..', '..', 'shared', 'data', 'npm-packages.jsonl');
  if (!existsSync(path))
    throw new Error(
      `npm corpus not found at ${path}: the benches read shared/data/npm-packages.jsonl from the folder that holds the repository`,
    );
  return path;
}

/** `count` records spread evenly over the corpus (it is sorted by name, scoped packages first). */
export function loadNpmDocs(count: number): NpmDoc[] {
  const lines = readFileSync(npmCorpusPath(), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const stride = Math.max(1, Math.floor(lines.length / count));
  const docs: NpmDoc[] = [];
  for (let i = 0; i < lines.length && docs.length < count; i += stride)
    docs.push(JSON.parse(lines[i] as string) as NpmDoc);
  return docs;
}
