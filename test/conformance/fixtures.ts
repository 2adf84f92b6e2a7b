// The recorded Meilisearch 1.50 answers and the documents they were recorded on, read from the
// gzipped copies in test/fixtures/conformance/ so the conformance tier runs on any clone.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { ConformanceRequest } from './compare.ts';

const fixtureDir = new URL('../fixtures/conformance/', import.meta.url);

import type { Doc } from '../../bench/_fidelity-replay.ts';

export type { Doc };

export interface TranscriptEntry extends ConformanceRequest {
  status: number;
  response: unknown;
}

export { NPM_INDEX } from '../../bench/_fidelity-replay.ts';

function gunzipLines(name: string): unknown[] {
  const text = gunzipSync(readFileSync(new URL(name, fixtureDir))).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}

/** The 682 recorded requests with Meilisearch 1.50.0's answers, in recording order. */
export function loadTranscripts(): TranscriptEntry[] {
  return gunzipLines('npm-transcripts.jsonl.gz') as TranscriptEntry[];
}

/** The first 30,000 records of the npm corpus, in file order (the order they were indexed in). */
export function loadNpmDocuments(): Doc[] {
  return gunzipLines('npm-packages-30k.jsonl.gz') as Doc[];
}
