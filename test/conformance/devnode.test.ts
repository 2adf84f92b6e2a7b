// devnode against Meilisearch 1.50: the recorded transcripts replayed (runs on any clone), then
// generated searches sent to devnode and to a real Meilisearch holding the same index (needs a
// binary). Each prints its agreement and differences by kind, and holds a floor that is raised
// as devnode gets closer (a ratchet: lower it only with a reason).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNpmDocuments, loadTranscripts, type Doc } from './fixtures.ts';
import { generateSearches } from './generate.ts';
import {
  meilisearchBinary,
  report,
  startLoadedDevnode,
  startLoadedMeilisearch,
  type TestServer,
} from './nodes.ts';
import { compareAll, send, summarize } from './run.ts';

const REPLAY_FLOOR = 0.985;
const DIFFERENTIAL_FLOOR = 0.99;
const GENERATED = 1_200;
const SEED = 1_500;

let docs: Doc[];
let devnode: TestServer;

beforeAll(async () => {
  docs = loadNpmDocuments();
  devnode = await startLoadedDevnode(docs);
});
afterAll(async () => {
  await devnode?.close();
});

describe('devnode replays the Meilisearch 1.50 transcripts', () => {
  it(`agrees on at least ${(REPLAY_FLOOR * 100).toFixed(1)}% of the recorded answers`, async () => {
    const transcripts = loadTranscripts();
    const outcomes = await compareAll(devnode.url, transcripts, (_req, i) => {
      const entry = transcripts[i];
      if (entry === undefined) throw new Error(`no transcript ${i}`);
      return { status: entry.status, body: entry.response };
    });
    const summary = summarize(outcomes);
    report('devnode vs recorded Meilisearch 1.50', summary, outcomes);
    expect(summary.total).toBe(transcripts.length);
    expect(summary.ratio).toBeGreaterThanOrEqual(REPLAY_FLOOR);
  });
});

const bin = meilisearchBinary('the devnode/Meilisearch differential test');

describe.skipIf(bin === undefined)('devnode and a real Meilisearch answer generated searches alike', () => {
  let meilisearch: TestServer;
  beforeAll(async () => {
    meilisearch = await startLoadedMeilisearch((bin as { path: string }).path, docs);
  });
  afterAll(async () => {
    await meilisearch?.close();
  });

  it(`agrees on at least ${(DIFFERENTIAL_FLOOR * 100).toFixed(1)}% of ${GENERATED} seeded searches`, async () => {
    const requests = generateSearches(docs, GENERATED, SEED);
    const outcomes = await compareAll(devnode.url, requests, (req) => send(meilisearch.url, req));
    const summary = summarize(outcomes);
    report(`devnode vs Meilisearch, ${GENERATED} generated searches (seed ${SEED})`, summary, outcomes);
    expect(summary.ratio).toBeGreaterThanOrEqual(DIFFERENTIAL_FLOOR);
  });
});
