// The servers the conformance tests compare: a devnode, a real Meilisearch (when a binary exists)
// and Miroir's local cluster over either, each in the reference state of the fixtures. Miroir is
// assembled by cli/local-cluster.ts, the code `miroir dev` runs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findMeilisearchBinary,
  startMeilisearch,
  type MeilisearchBinary,
} from '#adapters/meilisearch-process.ts';
import { startDevnode } from '#devnode/server.ts';
import { startLocalCluster } from '../../cli/local-cluster.ts';
import { kafkaBrokers, uniqueName } from '../helpers/services.ts';
import { formatSummary, loadNpmIndex, type AgreementSummary, type Outcome } from './run.ts';
import type { Doc } from './fixtures.ts';

export interface TestServer {
  readonly url: string;
  close(): Promise<void>;
}

/** The real Meilisearch binary, or undefined with the reason printed once per caller. */
export function meilisearchBinary(what: string): MeilisearchBinary | undefined {
  const found = findMeilisearchBinary(process.env);
  if (found === undefined)
    console.log(
      `[conformance] skipping ${what}: no Meilisearch binary (set MEILISEARCH_BIN, put meilisearch on the PATH, or provide ../shared/bin/meilisearch)`,
    );
  return found;
}

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `miroir-conformance-${prefix}-`));
}

export async function startLoadedDevnode(docs: readonly Doc[]): Promise<TestServer> {
  const dir = tempDir('devnode');
  const node = await startDevnode({ port: 0, dataDir: dir });
  const server = {
    url: node.url,
    async close() {
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await loadOrClose(server, docs);
  return server;
}

export async function startLoadedMeilisearch(bin: string, docs: readonly Doc[]): Promise<TestServer> {
  const node = await startMeilisearch({ bin });
  await loadOrClose(node, docs);
  return node;
}

/** Miroir over 3 nodes (devnodes, or Meilisearch from `meilisearch`), defaults of `miroir dev`. */
export async function startLoadedMiroir(docs: readonly Doc[], meilisearch?: string): Promise<TestServer> {
  const dataDir = tempDir('miroir');
  const local = await startLocalCluster({
    brokers: kafkaBrokers(),
    nodes: 3,
    dataDir,
    port: 0,
    ...(meilisearch !== undefined ? { meilisearch } : {}),
    overrides: {
      logging: { level: 'warn' },
      metrics: { enabled: false },
      // Topics of their own, so a reused broker's earlier runs are never read.
      kafka: { topicPrefix: `${uniqueName('conformance')}.` },
    },
  }).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  const server = {
    url: local.url,
    async close() {
      await local.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await loadOrClose(server, docs);
  return server;
}

async function loadOrClose(server: TestServer, docs: readonly Doc[]): Promise<void> {
  try {
    await loadNpmIndex(server.url, docs);
  } catch (err) {
    await server.close();
    throw err;
  }
}

/**
 * Prints the summary; the test then asserts its floor. With `CONFORMANCE_REPORT_DIR` set, also
 * writes the summary and every disagreeing request with its differences to
 * `<dir>/<label>.json`, for reading the differences one by one.
 */
export function report(label: string, summary: AgreementSummary, outcomes?: readonly Outcome[]): void {
  console.log(formatSummary(label, summary));
  const dir = process.env.CONFORMANCE_REPORT_DIR;
  if (dir === undefined || dir === '') return;
  mkdirSync(dir, { recursive: true });
  const disagreements = (outcomes ?? [])
    .filter((o) => !o.verdict.agree)
    .map((o) => ({ request: o.request, details: o.verdict.details }));
  const name = label.replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-|-$/g, '');
  writeFileSync(
    join(dir, `${name}.json`),
    `${JSON.stringify({ label, ...summary, disagreements }, null, 1)}\n`,
  );
}
