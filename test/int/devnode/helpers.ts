// Shared setup of the devnode contract tests: one devnode per test file on a temp dir, reached
// only through the official `meilisearch` client, plus the helper that checks an error's shape.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Meilisearch, MeilisearchApiError } from 'meilisearch';
import { startDevnode, type RunningDevnode } from '#devnode/server.ts';

export interface TestNode {
  node: RunningDevnode;
  client: Meilisearch;
  dir: string;
  stop(): Promise<void>;
}

export async function startTestNode(masterKey?: string): Promise<TestNode> {
  const dir = mkdtempSync(join(tmpdir(), 'devnode-test-'));
  const node = await startDevnode({ port: 0, dataDir: dir, masterKey });
  const client = new Meilisearch({
    host: node.url,
    apiKey: masterKey,
    defaultWaitOptions: { interval: 10, timeout: 20_000 },
  });
  return {
    node,
    client,
    dir,
    async stop() {
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Unique index names per test, as the conventions ask. */
let counter = 0;
export function uniqueIndex(prefix: string): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`;
}

/** Asserts the call fails with this Meilisearch error code, status and type. */
export async function expectApiError(
  call: () => Promise<unknown>,
  code: string,
  status: number,
  type = 'invalid_request',
): Promise<string> {
  try {
    await call();
  } catch (err) {
    expect(err).toBeInstanceOf(MeilisearchApiError);
    const e = err as MeilisearchApiError;
    expect({ code: e.cause?.code, type: e.cause?.type, status: e.response.status }).toEqual({
      code,
      type,
      status,
    });
    expect(e.cause?.link).toBe(`https://docs.meilisearch.com/errors#${code}`);
    return e.message;
  }
  throw new Error(`expected the call to fail with ${code}`);
}
