// Miroir against Meilisearch 1.50: the recorded transcripts replayed through a local cluster of
// 3 devnodes, and of 3 real Meilisearch nodes (needs a binary), built as `miroir dev` builds
// them. Each prints its agreement and differences by kind, and holds a floor (a ratchet).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNpmDocuments, loadTranscripts, type Doc, type TranscriptEntry } from './fixtures.ts';
import { meilisearchBinary, report, startLoadedMiroir, type TestServer } from './nodes.ts';
import { compareAll, summarize } from './run.ts';

const OVER_DEVNODES_FLOOR = 0.92;
const OVER_MEILISEARCH_FLOOR = 0.93;

let transcripts: TranscriptEntry[];
let docs: Doc[];
beforeAll(() => {
  transcripts = loadTranscripts();
  docs = loadNpmDocuments();
});

async function replay(server: TestServer, label: string): Promise<number> {
  const outcomes = await compareAll(server.url, transcripts, (_req, i) => {
    const entry = transcripts[i];
    if (entry === undefined) throw new Error(`no transcript ${i}`);
    return { status: entry.status, body: entry.response };
  });
  const summary = summarize(outcomes);
  report(label, summary, outcomes);
  expect(summary.total).toBe(transcripts.length);
  return summary.ratio;
}

describe('Miroir over 3 devnodes replays the Meilisearch 1.50 transcripts', () => {
  let miroir: TestServer;
  beforeAll(async () => {
    miroir = await startLoadedMiroir(docs);
  });
  afterAll(async () => {
    await miroir?.close();
  });

  it(`agrees on at least ${(OVER_DEVNODES_FLOOR * 100).toFixed(1)}% of the recorded answers`, async () => {
    expect(
      await replay(miroir, 'Miroir over 3 devnodes vs recorded Meilisearch 1.50'),
    ).toBeGreaterThanOrEqual(OVER_DEVNODES_FLOOR);
  });
});

const bin = meilisearchBinary('Miroir over real Meilisearch nodes');

describe.skipIf(bin === undefined)(
  'Miroir over 3 Meilisearch nodes replays the Meilisearch 1.50 transcripts',
  () => {
    let miroir: TestServer;
    beforeAll(async () => {
      miroir = await startLoadedMiroir(docs, (bin as { path: string }).path);
    });
    afterAll(async () => {
      await miroir?.close();
    });

    it(`agrees on at least ${(OVER_MEILISEARCH_FLOOR * 100).toFixed(1)}% of the recorded answers`, async () => {
      expect(
        await replay(miroir, 'Miroir over 3 Meilisearch nodes vs recorded Meilisearch 1.50'),
      ).toBeGreaterThanOrEqual(OVER_MEILISEARCH_FLOOR);
    });
  },
);
