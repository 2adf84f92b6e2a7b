// Durability: a `miroir devnode` child process is killed with SIGKILL while it indexes; after a
// restart on the same data dir, every task it had reported succeeded has all its documents, and
// the tasks still enqueued run to completion.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Meilisearch } from 'meilisearch';

const bin = join(import.meta.dirname, '../../../bin/miroir.js');
const dir = mkdtempSync(join(tmpdir(), 'devnode-restart-'));
let child: ChildProcess | null = null;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function spawnNode(port: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [bin, 'devnode', '--port', String(port), '--data', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`devnode exited early with ${code}`)));
  });
  return proc;
}

afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('restart after kill -9', () => {
  it('keeps every succeeded task and runs the enqueued ones', async () => {
    const port = await freePort();
    child = await spawnNode(port);
    const client = new Meilisearch({ host: `http://127.0.0.1:${port}` });
    const idx = client.index('restart');
    const batches = 30;
    const perBatch = 2_000;
    const uids: number[] = [];
    for (let b = 0; b < batches; b++) {
      const docs = Array.from({ length: perBatch }, (_, i) => ({ id: b * perBatch + i, batch: b, text: `document ${i} of batch ${b}` }));
      uids.push((await idx.addDocuments(docs)).taskUid);
    }
    // Kill once some (not all) tasks have finished.
    for (;;) {
      const done = await client.tasks.getTasks({ statuses: ['succeeded'], limit: 1000 });
      if (done.total >= 3) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = await client.tasks.getTasks({ statuses: ['succeeded'], limit: 1000 });
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const succeededBefore = before.results.map((t) => t.uid);
    expect(succeededBefore.length).toBeLessThan(batches);

    child = await spawnNode(port);
    // Before anything else runs to completion: each task reported succeeded has its whole batch.
    for (const uid of succeededBefore) {
      expect((await client.tasks.getTask(uid)).status).toBe('succeeded');
      const batch = uids.indexOf(uid);
      const first = await idx.getDocument(batch * perBatch);
      const last = await idx.getDocument(batch * perBatch + perBatch - 1);
      expect([first.batch, last.batch]).toEqual([batch, batch]);
    }
    const finished = await client.tasks.waitForTasks(uids, { timeout: 120_000, interval: 50 });
    expect(finished.every((t) => t.status === 'succeeded')).toBe(true);
    expect((await idx.getStats()).numberOfDocuments).toBe(batches * perBatch);
    const sample = await idx.getDocument(succeededBefore.length * perBatch - 1);
    expect(sample.id).toBe(succeededBefore.length * perBatch - 1);
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = null;
  }, 180_000);
});
