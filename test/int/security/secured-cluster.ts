// A Miroir cluster in front of secured nodes, for the credential and log audits: devnodes started
// with master keys, each behind a recording proxy (every request Miroir sends to a node is kept,
// headers included), and `miroir serve` as a child process configured only through MIROIR_*
// variables (node keys in MIROIR_NODES__<i>__API_KEY), whose whole stdout and stderr is kept.
// Every answer the test gets from Miroir is kept too, headers and body.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevnode, type RunningDevnode } from '#devnode/server.ts';
import { kafkaBrokers, uniqueName } from '#test/helpers/services.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface NodeRequest {
  node: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface RecordedAnswer {
  method: string;
  path: string;
  status: number;
  headers: string;
  body: string;
}

export interface SecuredCluster {
  readonly url: string;
  readonly nodeKeys: readonly string[];
  /** Every request a node received from Miroir. */
  readonly nodeRequests: NodeRequest[];
  /** Every answer Miroir gave through `call`. */
  readonly answers: RecordedAnswer[];
  /** Miroir's whole stdout and stderr so far. */
  output(): string;
  /** One HTTP call to Miroir, recorded; JSON bodies are serialized, strings sent as they are. */
  call(
    method: string,
    path: string,
    opts?: { body?: unknown; contentType?: string; headers?: Record<string, string> },
  ): Promise<RecordedAnswer>;
  /** Polls a task until it is finished; returns its final JSON. */
  waitForTask(taskUid: number, headers?: Record<string, string>): Promise<Record<string, unknown>>;
  stopNode(index: number): Promise<void>;
  close(): Promise<void>;
}

/** A pass-through proxy in front of a node that records what it forwards. */
async function recordingProxy(
  node: string,
  target: string,
  log: NodeRequest[],
): Promise<{ url: string; server: Server }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    log.push({ node, method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    // A stopped node looks like one: the connection drops, no answer.
    forward.on('error', () => res.socket?.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, server };
}

export async function startSecuredCluster(opts: {
  level: 'info' | 'trace';
  nodeKeys: readonly string[];
}): Promise<SecuredCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'miroir-secured-'));
  const nodeRequests: NodeRequest[] = [];
  const answers: RecordedAnswer[] = [];
  const devnodes: Array<RunningDevnode | null> = [];
  const proxies: Server[] = [];
  const nodes: Array<{ id: string; url: string; group: string }> = [];
  for (const [i, masterKey] of opts.nodeKeys.entries()) {
    const devnode = await startDevnode({ port: 0, dataDir: join(dir, `n${i + 1}`), masterKey });
    devnodes.push(devnode);
    const proxy = await recordingProxy(`n${i + 1}`, devnode.url, nodeRequests);
    proxies.push(proxy.server);
    nodes.push({ id: `n${i + 1}`, url: proxy.url, group: 'g1' });
  }

  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && !name.startsWith('MIROIR_')) env[name] = value;
  Object.assign(env, {
    MIROIR_KAFKA__BROKERS: kafkaBrokers(),
    MIROIR_KAFKA__TOPIC_PREFIX: `${uniqueName('secured')}.`,
    MIROIR_NODES: JSON.stringify(nodes),
    MIROIR_CLUSTER__SHARDS: '2',
    MIROIR_CLUSTER__REPLICATION_FACTOR: '1',
    MIROIR_INDEXER__LINGER_MS: '20',
    MIROIR_INDEXER__RETRY_INITIAL_MS: '50',
    MIROIR_INDEXER__RETRY_MAX_MS: '500',
    MIROIR_QUERY__PER_SHARD_TIMEOUT_MS: '2000',
    MIROIR_HTTP__HOST: '127.0.0.1',
    MIROIR_LOGGING__LEVEL: opts.level,
    MIROIR_METRICS__ENABLED: 'true',
  });
  opts.nodeKeys.forEach((key, i) => (env[`MIROIR_NODES__${i}__API_KEY`] = key));

  const child: ChildProcess = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'miroir.js'), 'serve', '--port', '0'],
    // Relative default paths (the changelog role's state) land in the temp dir, not the repository.
    { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    for (const devnode of devnodes) await devnode?.close();
    for (const proxy of proxies) {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
    rmSync(dir, { recursive: true, force: true });
  };

  let url: string | undefined;
  const deadline = Date.now() + 90_000;
  while (url === undefined) {
    url = /"msg":"listening on (http:\/\/[^"]+)"/.exec(output)?.[1];
    if (url !== undefined) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await cleanup();
      throw new Error(`miroir serve did not start:\n${output.slice(-5000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const base = url;

  const call: SecuredCluster['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    let body: string | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      headers['content-type'] = o.contentType ?? 'application/json';
    }
    const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const answer: RecordedAnswer = {
      method,
      path,
      status: res.status,
      headers: JSON.stringify([...res.headers.entries()]),
      body: await res.text(),
    };
    answers.push(answer);
    return answer;
  };

  return {
    url: base,
    nodeKeys: opts.nodeKeys,
    nodeRequests,
    answers,
    output: () => output,
    call,
    async waitForTask(taskUid, headers) {
      const until = Date.now() + 60_000;
      for (;;) {
        const task = JSON.parse(
          (await call('GET', `/tasks/${taskUid}`, { ...(headers ? { headers } : {}) })).body,
        ) as Record<string, unknown>;
        if (['succeeded', 'failed', 'canceled'].includes(String(task.status))) return task;
        if (Date.now() > until) throw new Error(`task ${taskUid} still ${String(task.status)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stopNode(index) {
      const devnode = devnodes[index];
      devnodes[index] = null;
      await devnode?.close();
    },
    close: cleanup,
  };
}
