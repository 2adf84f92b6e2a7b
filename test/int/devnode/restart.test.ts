// Durability: a `miroir devnode` child process is killed with SIGKILL while it indexes; after a
// restart on the same data dir, every task it had reported succeeded has all its documents, and
// the tasks still enqueued run to completion. The kill waits on a condition (some but not all
// tasks succeeded), never on a fixed delay; when indexing outruns the poll, the scenario is
// retried with bigger batches, and the test fails if it never catches the node mid-indexing.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Meilisearch } from 'meilisearch';

const bin = join(import.meta.dirname, '../../../bin/miroir.js');
const BATCHES = 12;
/** Documents per batch of each attempt: bigger batches widen the window in which to kill. */
const ATTEMPTS = [2_000, 8_000, 24_000];

let child: ChildProcess | null = null;
const dirs: string[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function spawnNode(port: number, dir: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [bin, 'devnode', '--port', String(port), '--data', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`devnode exited early with ${code}`)));
  });
  return proc;
}

async function stopChild(signal: NodeJS.Signals): Promise<void> {
  const proc = child;
  child = null;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  await exited;
}

afterEach(async () => {
  await stopChild('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function batchDocs(batch: number, perBatch: number): Record<string, unknown>[] {
  return Array.from({ length: perBatch }, (_, i) => ({
    id: batch * perBatch + i,
    batch,
    text: `document ${i} of batch ${batch} with some words to index: alpha beta gamma delta ${i % 97} epsilon`,
  }));
}

interface Killed {
  port: number;
  dir: string;
  /** Task uids whose 202 arrived before the kill, in batch order. */
  uids: number[];
  succeededBefore: number[];
}

/**
 * Enqueues the batches while polling the task list, and kills the node as soon as some task has
 * succeeded while another acknowledged one has not; null when every task finished first.
 */
async function killDuringIndexing(perBatch: number): Promise<Killed | null> {
  const dir = mkdtempSync(join(tmpdir(), 'devnode-restart-'));
  dirs.push(dir);
  const port = await freePort();
  child = await spawnNode(port, dir);
  const client = new Meilisearch({ host: `http://127.0.0.1:${port}` });
  const idx = client.index('restart');
  const payloads = Array.from({ length: BATCHES }, (_, b) => JSON.stringify(batchDocs(b, perBatch)));
  // The first batch succeeds before the others are sent: the node may batch consecutive document
  // tasks into one run, and tasks enqueued together would then all succeed at the same moment.
  const first = await idx.addDocumentsFromString(payloads[0] as string, 'application/json');
  await client.tasks.waitForTask(first.taskUid, { timeout: 60_000, interval: 20 });
  const uids: number[] = [first.taskUid];
  let stop = false;
  const enqueuing = (async () => {
    for (const payload of payloads.slice(1)) {
      if (stop) return;
      try {
        uids.push((await idx.addDocumentsFromString(payload, 'application/json')).taskUid);
      } catch (err) {
        if (stop) return; // the node was killed mid-request: that batch may or may not exist
        throw err;
      }
    }
  })();
  for (;;) {
    const done = await client.tasks.getTasks({ statuses: ['succeeded'], limit: 1000 });
    const succeeded = new Set(done.results.map((t) => t.uid));
    const known = [...uids];
    if (succeeded.size > 0 && known.some((uid) => !succeeded.has(uid))) {
      // Succeeded only grows: every task of this answer had committed before the kill below.
      stop = true;
      await stopChild('SIGKILL');
      await enqueuing;
      return { port, dir, uids: known, succeededBefore: [...succeeded] };
    }
    if (succeeded.size >= BATCHES) {
      await enqueuing;
      await stopChild('SIGKILL');
      return null;
    }
    await new Promise((r) => setImmediate(r));
  }
}

describe('restart after kill -9', () => {
  it('keeps every succeeded task and runs the enqueued ones', async () => {
    let killed: Killed | null = null;
    let perBatch = 0;
    for (const size of ATTEMPTS) {
      perBatch = size;
      killed = await killDuringIndexing(size);
      if (killed) break;
    }
    if (!killed)
      throw new Error(`indexing always finished before the kill (batches up to ${perBatch} documents)`);
    const { port, dir, uids, succeededBefore } = killed;
    expect(succeededBefore.length).toBeGreaterThan(0);
    expect(succeededBefore.length).toBeLessThan(BATCHES);

    child = await spawnNode(port, dir);
    const client = new Meilisearch({ host: `http://127.0.0.1:${port}` });
    const idx = client.index('restart');
    // Each task reported succeeded before the kill still is, with its whole batch.
    for (const uid of succeededBefore) {
      expect((await client.tasks.getTask(uid)).status).toBe('succeeded');
      const batch = uids.indexOf(uid);
      const first = await idx.getDocument(batch * perBatch);
      const last = await idx.getDocument(batch * perBatch + perBatch - 1);
      expect([first.batch, last.batch]).toEqual([batch, batch]);
    }
    // The acknowledged tasks left behind run after the restart; a batch whose request the kill cut
    // may also have been stored before its 202, and then runs too.
    const finished = await client.tasks.waitForTasks(uids, { timeout: 170_000, interval: 50 });
    expect(finished.every((t) => t.status === 'succeeded')).toBe(true);
    const all = await client.tasks.getTasks({ indexUids: ['restart'], limit: 1000 });
    const stored = await client.tasks.waitForTasks(
      all.results.map((t) => t.uid),
      { timeout: 170_000, interval: 50 },
    );
    expect(stored.every((t) => t.status === 'succeeded')).toBe(true);
    expect(stored.length).toBeGreaterThanOrEqual(uids.length);
    expect((await idx.getStats()).numberOfDocuments).toBe(stored.length * perBatch);
    const lastBatch = uids.length - 1;
    expect((await idx.getDocument(lastBatch * perBatch + perBatch - 1)).batch).toBe(lastBatch);
    expect((await idx.search('epsilon', { limit: 0 })).estimatedTotalHits).toBe(stored.length * perBatch);
    await stopChild('SIGTERM');
  }, 240_000);
});
