// A whole Miroir cluster on one machine: N nodes (devnodes, or real Meilisearch processes), each
// with its own data folder, spread over replica groups, and every role in this process on one HTTP
// port, against a given Kafka. `miroir dev`, the end-to-end and the conformance tests build their
// cluster here, so they run the same wiring.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, ROLES, type Config, type ConfigInput, type Role } from '#core/config/index.ts';
import { startMeilisearch } from '#adapters/meilisearch-process.ts';
import { startDevnode, type RunningDevnode } from '#devnode/server.ts';
import { startServer, type RunningServer } from './commands/serve.ts';
import { loadRoleModule } from './role-loader.ts';

export interface LocalClusterOptions {
  /** Kafka bootstrap servers, `host:port[,host:port]`. */
  brokers: string;
  /** Nodes to start (ids n1..nN). */
  nodes: number;
  /**
   * Path of a Meilisearch binary: the nodes are real Meilisearch processes (database in the
   * node's data folder) instead of devnodes. See findMeilisearchBinary.
   */
  meilisearch?: string;
  /** Replica groups (ids g1..gK); nodes are dealt to them in turn. Default 1. */
  groups?: number;
  /** Shards of a new index; default from the configuration. */
  shards?: number;
  /** Copies of each shard per group; default from the configuration. */
  replicationFactor?: number;
  /** Node data goes to `<dataDir>/nodes/<id>`; a restarted cluster finds its documents again. */
  dataDir: string;
  /** HTTP port of the Meilisearch API (0 picks a free one). */
  port: number;
  host?: string;
  /** Roles this process runs; default every role. */
  roles?: readonly Role[];
  /** Configuration under the flags: file text and environment (MIROIR_*), as `miroir serve` reads them. */
  file?: string;
  fileName?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Applied after the file and environment, before the cluster's own keys (nodes, brokers, port). */
  overrides?: Partial<ConfigInput>;
  /** Aborting it stops a startup in progress (see `StartServerOptions.signal`); nothing is left running. */
  signal?: AbortSignal;
}

export interface LocalNode {
  readonly id: string;
  readonly group: string;
  /** What serves the node: the development node, or a real Meilisearch process. */
  readonly kind: 'devnode' | 'meilisearch';
  readonly dir: string;
  /** Fixed for the cluster's life, so a restarted node keeps the URL the topology holds. */
  readonly port: number;
  readonly url: string;
  /** The running node (a devnode or a Meilisearch process; both are a URL and a close); null while stopped. */
  devnode: RunningDevnode | null;
}

export interface LocalCluster {
  /** Base URL of the Meilisearch API, e.g. http://127.0.0.1:7700. */
  readonly url: string;
  readonly config: Config;
  readonly nodes: readonly LocalNode[];
  readonly server: RunningServer;
  /** Stops one node (its data stays); writes to it wait in the log until it is back. */
  stopNode(id: string): Promise<void>;
  /** Starts a stopped node again on its data folder and port. */
  restartNode(id: string): Promise<void>;
  /** Stops the roles (finishing in-flight work), then the nodes. Idempotent. */
  close(): Promise<void>;
}

/** The cluster's node list: ids n1..nN, dealt round-robin over groups g1..gK. */
export function planNodes(count: number, groups: number): Array<{ id: string; group: string }> {
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`the node count must be a positive integer, got ${count}`);
  if (!Number.isInteger(groups) || groups < 1 || groups > count)
    throw new Error(`the group count must be an integer from 1 to the node count (${count}), got ${groups}`);
  return Array.from({ length: count }, (_, i) => ({ id: `n${i + 1}`, group: `g${(i % groups) + 1}` }));
}

/** Validated configuration of a local cluster (throws InvalidConfigError listing every problem). */
export function localClusterConfig(
  opts: LocalClusterOptions,
  nodes: readonly LocalNode[] | ReadonlyArray<{ id: string; group: string; url: string }>,
): Config {
  const groups = opts.groups ?? 1;
  const cluster: NonNullable<ConfigInput['cluster']> = { replicaGroups: groups };
  if (opts.shards !== undefined) cluster.shards = opts.shards;
  if (opts.replicationFactor !== undefined) cluster.replicationFactor = opts.replicationFactor;
  const base: Partial<ConfigInput> = opts.overrides ?? {};
  return loadConfig({
    env: opts.env ?? {},
    ...(opts.file !== undefined ? { file: opts.file } : {}),
    ...(opts.fileName !== undefined ? { fileName: opts.fileName } : {}),
    overrides: {
      ...base,
      roles: [...(opts.roles ?? ROLES)],
      http: { ...base.http, host: opts.host ?? '127.0.0.1', port: opts.port },
      kafka: {
        ...base.kafka,
        brokers: opts.brokers
          .split(',')
          .map((b) => b.trim())
          .filter((b) => b !== ''),
      },
      cluster: { ...base.cluster, ...cluster },
      // The changelog role's state sits with the cluster's other data, so a restart finds it.
      cdc: { ...base.cdc, dataDir: base.cdc?.dataDir ?? join(opts.dataDir, 'changelog') },
      nodes: nodes.map((n) => ({ id: n.id, url: n.url, group: n.group })),
    },
  });
}

/** Starts one node on its data folder; port 0 picks a free one (first start), else the node's own. */
async function startNode(
  meilisearch: string | undefined,
  dir: string,
  port: number,
): Promise<RunningDevnode> {
  if (meilisearch === undefined) return startDevnode({ port, dataDir: dir });
  return startMeilisearch({ bin: meilisearch, dbPath: dir, ...(port !== 0 ? { port } : {}) });
}

async function startNodes(opts: LocalClusterOptions): Promise<LocalNode[]> {
  const plan = planNodes(opts.nodes, opts.groups ?? 1);
  const kind = opts.meilisearch === undefined ? 'devnode' : 'meilisearch';
  const started: LocalNode[] = [];
  try {
    for (const { id, group } of plan) {
      const dir = join(opts.dataDir, 'nodes', id);
      mkdirSync(dir, { recursive: true });
      const devnode = await startNode(opts.meilisearch, dir, 0);
      const port = Number(new URL(devnode.url).port);
      started.push({ id, group, kind, dir, port, url: devnode.url, devnode });
    }
  } catch (err) {
    await Promise.all(started.map(async (n) => n.devnode?.close()));
    throw err;
  }
  return started;
}

/** Starts the devnodes, then every role on one port; rejects (leaving nothing running) when either fails. */
export async function startLocalCluster(opts: LocalClusterOptions): Promise<LocalCluster> {
  // The configuration is checked before any node starts, with placeholder URLs of the same shape.
  const placeholder = planNodes(opts.nodes, opts.groups ?? 1).map((n) => ({
    ...n,
    url: 'http://127.0.0.1:1',
  }));
  localClusterConfig(opts, placeholder);
  const nodes = await startNodes(opts);
  let server: RunningServer;
  let config: Config;
  try {
    config = localClusterConfig(opts, nodes);
    server = await startServer(config, {
      loadRole: loadRoleModule,
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    await Promise.all(nodes.map(async (n) => n.devnode?.close()));
    throw err;
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const nodeOf = (id: string): LocalNode => {
    const node = byId.get(id);
    if (node === undefined) throw new Error(`no node ${id} (have ${[...byId.keys()].join(', ')})`);
    return node;
  };
  // Nodes close after the roles drained and committed: an indexer may still be applying a batch.
  server.lifecycle.register('close-clients', 'nodes', async () => {
    await Promise.all(
      nodes.map(async (n) => {
        const running = n.devnode;
        n.devnode = null;
        await running?.close();
      }),
    );
  });
  return {
    url: server.url,
    config,
    nodes,
    server,
    async stopNode(id) {
      const node = nodeOf(id);
      const running = node.devnode;
      node.devnode = null;
      await running?.close();
    },
    async restartNode(id) {
      const node = nodeOf(id);
      if (node.devnode !== null) return;
      node.devnode = await startNode(opts.meilisearch, node.dir, node.port);
    },
    async close() {
      await server.lifecycle.shutdown('local cluster closed');
    },
  };
}
