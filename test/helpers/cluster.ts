// A whole Miroir cluster for one test: devnodes on temp folders, the roles in this process on a
// free port, the run's Kafka with a topic prefix of its own; plus the indexer role as a child
// process (`bin/miroir.js serve --roles indexer`) that a test can kill -9, and direct node reads.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Meilisearch, type Task } from 'meilisearch';
import { createKafkaClient, type LogAdmin } from '#adapters/kafka.ts';
import { createNodeClient, type NodeClient } from '#adapters/node-client.ts';
import type { ConfigInput, Role } from '#core/config/index.ts';
import { topicNames, type TopicNames } from '#core/log/topics.ts';
import { startLocalCluster, type LocalCluster } from '../../cli/local-cluster.ts';
import { kafkaBrokers, uniqueName } from './services.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export type Doc = Record<string, unknown>;

export interface TestClusterOptions {
  nodes?: number;
  groups?: number;
  shards?: number;
  rf?: number;
  /** Roles run in the test process (default all); leave `indexer` out to run it as a child. */
  roles?: readonly Role[];
  overrides?: Partial<ConfigInput>;
}

export interface TestCluster {
  readonly local: LocalCluster;
  readonly url: string;
  readonly sdk: Meilisearch;
  readonly topics: TopicNames;
  readonly admin: LogAdmin;
  /** Direct client of one devnode (bypassing Miroir). */
  node(id: string): NodeClient;
  /** The name every node gives a client index (from the topology). */
  nodeIndexUid(uid: string): Promise<string>;
  /** Every document a devnode holds for a client index, by primary key (empty when the node has no such index). */
  nodeDocuments(nodeId: string, uid: string, primaryKey?: string): Promise<Map<string, Doc>>;
  /** Owner node ids of each shard, per group, from `/_miroir/topology`. */
  owners(uid: string): Promise<Record<string, string[]>>;
  /** Sum of end offsets of every topic whose name starts with this cluster's prefix. */
  logEnd(): Promise<Record<string, number>>;
  /** Starts the indexer role as a separate process against this cluster's Kafka and nodes. */
  startIndexerProcess(): IndexerProcess;
  /** Another role (or roles, comma-separated) in a child process, with extra MIROIR_* variables. */
  startRoleProcess(roles: string, env?: Record<string, string>): IndexerProcess;
  close(): Promise<void>;
}

export interface IndexerProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
  /** Resolves once the process listens (every role started); rejects if it exits first. */
  readonly ready: Promise<void>;
  /** SIGKILL: no drain, no commit. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | string>;
  output(): string;
}

/** A stable digest of a document set: same ids and same content give the same hash. */
export function contentHash(docs: Iterable<[string, Doc]>): string {
  const sorted = [...docs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const hash = createHash('sha256');
  for (const [id, doc] of sorted) hash.update(`${id}\u0000${canonical(doc)}\n`);
  return hash.digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Waits for each task in turn (long ingests: up to 3 minutes each) and returns them in order. */
export async function waitAll(sdk: Meilisearch, uids: readonly number[]): Promise<Task[]> {
  const tasks: Task[] = [];
  for (const uid of uids) tasks.push(await sdk.tasks.waitForTask(uid, { timeout: 180_000, interval: 100 }));
  return tasks;
}

/** Polls until `check` holds; the error names what was awaited and the last observation. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean | string> | boolean | string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: boolean | string = false;
  for (;;) {
    last = await check();
    if (last === true) return;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${typeof last === 'string' ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const brokers = kafkaBrokers();
  const prefix = `${uniqueName('e2e')}.`;
  const dataDir = mkdtempSync(join(tmpdir(), 'miroir-e2e-'));
  const local = await startLocalCluster({
    brokers,
    nodes: opts.nodes ?? 3,
    groups: opts.groups ?? 1,
    shards: opts.shards ?? 4,
    replicationFactor: opts.rf ?? 2,
    dataDir,
    port: 0,
    // The changelog role only where a test asks for it: it is a second reader of every index.
    roles: opts.roles ?? ['projections', 'indexer', 'query', 'ingest'],
    overrides: {
      logging: { level: 'warn' },
      metrics: { enabled: false },
      indexer: { lingerMs: 20, retryInitialMs: 50, retryMaxMs: 500 },
      ...opts.overrides,
      // No spare document topics unless a test asks: most tests read topics and node indexes by
      // the index's own names, and spares are one more set of consumers per cluster.
      ingest: { spareTopics: 0, ...opts.overrides?.ingest },
      kafka: { ...opts.overrides?.kafka, topicPrefix: prefix },
    },
  });
  const sdk = new Meilisearch({ host: local.url });
  const kafka = createKafkaClient({ brokers, clientId: 'e2e-test' });
  const admin = await kafka.admin();
  const topics = topicNames(prefix);
  const clients = new Map<string, NodeClient>();
  const children: IndexerProcess[] = [];
  const node = (id: string): NodeClient => {
    const found = local.nodes.find((n) => n.id === id);
    if (found === undefined) throw new Error(`no node ${id}`);
    let client = clients.get(id);
    if (client === undefined) {
      client = createNodeClient({ nodeId: id, url: found.url, timeoutMs: 30_000 });
      clients.set(id, client);
    }
    return client;
  };
  const topology = async (): Promise<{
    indexes: Array<{ uid: string; nodeIndexUid: string; owners: Record<string, string[]> }>;
  }> => {
    const res = await fetch(`${local.url}/_miroir/topology`);
    return (await res.json()) as {
      indexes: Array<{ uid: string; nodeIndexUid: string; owners: Record<string, string[]> }>;
    };
  };
  const indexOf = async (uid: string) => {
    const index = (await topology()).indexes.find((i) => i.uid === uid);
    if (index === undefined) throw new Error(`index ${uid} is not in the topology`);
    return index;
  };

  const cluster: TestCluster = {
    local,
    url: local.url,
    sdk,
    topics,
    admin,
    node,
    nodeIndexUid: async (uid) => (await indexOf(uid)).nodeIndexUid,
    owners: async (uid) => (await indexOf(uid)).owners,
    async nodeDocuments(nodeId, uid, primaryKey = 'id') {
      const nodeUid = await cluster.nodeIndexUid(uid);
      const out = new Map<string, Doc>();
      const client = node(nodeId);
      try {
        await client.getIndex(nodeUid);
      } catch {
        return out;
      }
      const pageSize = 10_000;
      for (let offset = 0; ; offset += pageSize) {
        const page = (await client.fetchDocuments(nodeUid, { offset, limit: pageSize })) as {
          results: Doc[];
          total: number;
        };
        for (const doc of page.results) out.set(String(doc[primaryKey]), doc);
        if (page.results.length < pageSize) break;
      }
      return out;
    },
    async logEnd() {
      const names = (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
      const out: Record<string, number> = {};
      for (const name of names)
        out[name] = [...(await admin.fetchEndOffsets(name)).values()].reduce((a, b) => a + b, 0);
      return out;
    },
    startIndexerProcess() {
      return this.startRoleProcess('indexer');
    },
    startRoleProcess(roles: string, extraEnv: Record<string, string> = {}) {
      const config = local.config;
      const env: Record<string, string> = {
        ...(process.env as Record<string, string>),
        MIROIR_KAFKA__BROKERS: config.kafka.brokers.join(','),
        MIROIR_KAFKA__TOPIC_PREFIX: config.kafka.topicPrefix,
        MIROIR_NODES: JSON.stringify(config.nodes.map((n) => ({ id: n.id, url: n.url, group: n.group }))),
        MIROIR_CLUSTER__SHARDS: String(config.cluster.shards),
        MIROIR_CLUSTER__REPLICATION_FACTOR: String(config.cluster.replicationFactor),
        MIROIR_CLUSTER__REPLICA_GROUPS: String(config.cluster.replicaGroups),
        MIROIR_INDEXER__LINGER_MS: String(config.indexer.lingerMs),
        MIROIR_INDEXER__RETRY_INITIAL_MS: String(config.indexer.retryInitialMs),
        MIROIR_INDEXER__RETRY_MAX_MS: String(config.indexer.retryMaxMs),
        MIROIR_HTTP__HOST: '127.0.0.1',
        // info, for the `listening on` line that tells the process has started.
        MIROIR_LOGGING__LEVEL: 'info',
        MIROIR_METRICS__ENABLED: 'false',
        ...extraEnv,
      };
      const child = spawn(
        process.execPath,
        [join(repoRoot, 'bin', 'miroir.js'), 'serve', '--roles', roles, '--port', '0'],
        {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      let markReady: () => void = () => {};
      const ready = new Promise<void>((resolve) => (markReady = resolve));
      const keep = (chunk: Buffer): void => {
        output = (output + chunk.toString('utf8')).slice(-20_000);
        if (output.includes('"msg":"listening on')) markReady();
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      const exited = new Promise<number | string>((resolve) =>
        child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
      );
      const started = Promise.race([
        ready,
        exited.then((code) => {
          throw new Error(`the ${roles} process exited (${code}) before listening:\n${output}`);
        }),
      ]);
      // A process killed before it listened is normal in crash tests: only an awaited `ready` reports it.
      started.catch(() => {});
      const proc: IndexerProcess = {
        child,
        exited,
        ready: started,
        async kill9() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
        output: () => output,
      };
      children.push(proc);
      return proc;
    },
    async close() {
      for (const child of children) await child.kill9();
      await local.close();
      for (const client of clients.values()) await client.close();
      const names = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (names.length > 0) await admin.deleteTopics(names).catch(() => undefined);
      await admin.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return cluster;
}
