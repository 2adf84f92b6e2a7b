// Starts one devnode: opens (or creates) its SQLite store in `dataDir`, rebuilds every index's
// engine from the stored documents, resumes queued tasks, and listens on `host:port`.
import { buildDevnodeApp } from '#devnode/app.ts';
import { DevnodeState } from '#devnode/state.ts';
import { DevnodeStore } from '#devnode/store.ts';
import { TaskQueue } from '#devnode/tasks/queue.ts';

export interface DevnodeOptions {
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  masterKey?: string;
  host?: string;
  payloadLimitBytes?: number;
}

export interface RunningDevnode {
  url: string;
  close(): Promise<void>;
}

export async function startDevnode(opts: DevnodeOptions): Promise<RunningDevnode> {
  const store = new DevnodeStore(opts.dataDir);
  const state = new DevnodeState(store);
  const queue = new TaskQueue(store, state);
  const app = buildDevnodeApp(
    { state, queue, store, masterKey: opts.masterKey ?? null },
    { payloadLimitBytes: opts.payloadLimitBytes },
  );
  const host = opts.host ?? '127.0.0.1';
  try {
    await app.listen({ port: opts.port, host });
  } catch (err) {
    store.close();
    throw err;
  }
  queue.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${port}`,
    close() {
      closing ??= (async () => {
        await app.close();
        await queue.close();
        store.close();
      })();
      return closing;
    },
  };
}
