// A sharded cluster without Kafka: N devnodes holding documents placed by the routing rules
// (xxh64 shard, rendezvous owners, `_miroir_shard` written, node settings as the indexers push
// them), one reference devnode holding everything, and a query service over the nodes. The search
// and fidelity benches and the query integration tests share it; it lives here, not under test/,
// because benches do not import tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '#adapters/logger.ts';
import { createNodeClient, type NodeClient } from '#adapters/node-client.ts';
import { initRouting, shardOf } from '#core/routing/index.ts';
import { withShardValue } from '#core/routing/shard-field.ts';
import { nodeIndexUidFor } from '#core/topology-projection.ts';
import { startDevnode, type RunningDevnode } from '#devnode/server.ts';
import { initialNodeSettings, nodeSettingsOf } from '../indexers/node-settings.ts';
import { ReplicaSelector } from '../query/covering.ts';
import { buildQueryApp } from '../query/routes.ts';
import { buildQueryService, type QueryService, type QueryServiceDeps } from '../query/service.ts';
import { viewOfTopologyState, type QueryView } from '../query/view.ts';

export type Doc = Record<string, unknown>;

export interface QueryClusterNode {
  readonly id: string;
  readonly dir: string;
  port: number;
  devnode: RunningDevnode | null;
  readonly client: NodeClient;
}

export interface QueryClusterOptions {
  uid: string;
  shards: number;
  rf: number;
  /** Nodes per replica group; default one group of 3 nodes. */
  groups?: Record<string, readonly string[]>;
  primaryKey: string;
  settings: Record<string, unknown>;
  documents: readonly Doc[];
  /** Also build a reference devnode holding every document (default true). */
  reference?: boolean;
  service?: Partial<
    Pick<
      QueryServiceDeps,
      | 'perShardTimeoutMs'
      | 'hedgeDelayMs'
      | 'unavailableShards'
      | 'waitTimeoutMs'
      | 'tasks'
      | 'coalesceSearches'
    >
  >;
  /** Cooldown of a failed node in the replica selector (default 100 ms, so restarts show fast). */
  failureCooldownMs?: number;
  /** Documents per addDocuments call. */
  batchSize?: number;
  /** How devnodes start (default: in this process). */
  devnodes?: DevnodeFactory;
  /** Whether the query service listens on a port (benches); tests use inject. */
  listen?: boolean;
}

export interface QueryCluster {
  readonly uid: string;
  readonly nodeIndexUid: string;
  readonly view: QueryView;
  readonly nodes: Map<string, QueryClusterNode>;
  readonly reference: { devnode: RunningDevnode; client: NodeClient; dir: string } | null;
  readonly service: QueryService;
  readonly app: FastifyInstance;
  /** Base URL of the query service when it listens. */
  readonly url: string | null;
  /** Node requests made through the service, by node id (reset freely). */
  readonly requests: Map<string, number>;
  shardOfDoc(doc: Doc): number;
  /** Shards whose owners (in every group) are all among `nodes`. */
  shardsOnlyOn(nodes: readonly string[]): number[];
  stopNode(id: string): Promise<void>;
  restartNode(id: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts a devnode on `dir` (port 0 picks one); in this process unless a factory says otherwise. */
export type DevnodeFactory = (dir: string, port: number) => Promise<RunningDevnode>;

const inProcess: DevnodeFactory = (dir, port) => startDevnode({ port, dataDir: dir });

const repoRoot = new URL('../', import.meta.url);

/** A devnode in its own process (`miroir devnode`), so benches do not share one event loop. */
export const spawnDevnode: DevnodeFactory = (dir, port) =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['bin/miroir.js', 'devnode', '--port', String(port), '--data', dir],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match === null) return;
      child.stdout.off('data', onData);
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      resolve({
        url: match[1] as string,
        async close() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`devnode exited with ${String(code)} before listening: ${out}`)),
    );
  });

/**
 * The view the query role derives from the topology projection's state once the nodes have
 * joined and the index was created: the same function, so placement is the product's.
 */
function clusterView(
  opts: QueryClusterOptions,
  groups: Record<string, readonly string[]>,
  urls: Record<string, string>,
  nodeIndexUid: string,
): QueryView {
  const nodes = Object.entries(groups).flatMap(([group, ids]) =>
    ids.map((id) => ({ id, group, url: urls[id] ?? '', state: 'active' as const })),
  );
  const index = {
    uid: opts.uid,
    primaryKey: opts.primaryKey,
    shards: opts.shards,
    rf: opts.rf,
    groups: Object.keys(groups),
    generation: 0,
    nodeIndexUid,
    settings: opts.settings,
    settingsVersion: 0,
    createdAt: 0,
    updatedAt: 0,
    unready: {},
  };
  return viewOfTopologyState({
    offset: -1,
    groups: Object.keys(groups),
    nodes,
    indexes: { [opts.uid]: index },
    retiredGenerations: {},
    lastCreation: {},
    aliases: {},
  });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

async function load(
  client: NodeClient,
  uid: string,
  primaryKey: string,
  settings: Record<string, unknown>,
  docs: readonly Doc[],
  batchSize: number,
): Promise<void> {
  const wait = async (task: { taskUid: number }): Promise<void> => {
    const done = await client.waitForTask(task.taskUid, {
      timeoutMs: 300_000,
      intervalMs: 5,
      maxIntervalMs: 100,
    });
    if (done.status !== 'succeeded')
      throw new Error(
        `task ${task.taskUid} on ${client.nodeId} ended ${done.status}: ${JSON.stringify(done.error)}`,
      );
  };
  await wait(await client.createIndex(uid, primaryKey));
  if (Object.keys(settings).length > 0) await wait(await client.updateSettings(uid, settings));
  for (let i = 0; i < docs.length; i += batchSize)
    await wait(await client.addDocuments(uid, docs.slice(i, i + batchSize)));
}

export async function startQueryCluster(opts: QueryClusterOptions): Promise<QueryCluster> {
  await initRouting();
  const groups = opts.groups ?? { g1: ['n1', 'n2', 'n3'] };
  const batchSize = opts.batchSize ?? 5000;
  const startNode = opts.devnodes ?? inProcess;
  const nodes = new Map<string, QueryClusterNode>();
  const ids = Object.values(groups).flat();
  for (const id of ids) {
    const dir = mkdtempSync(join(tmpdir(), `miroir-query-${id}-`));
    const devnode = await startNode(dir, 0);
    nodes.set(id, {
      id,
      dir,
      port: portOf(devnode.url),
      devnode,
      client: createNodeClient({ nodeId: id, url: devnode.url, timeoutMs: 30_000 }),
    });
  }
  const urls = Object.fromEntries(
    [...nodes.values()].map((node) => [node.id, `http://127.0.0.1:${node.port}`]),
  );
  const nodeIndexUid = nodeIndexUidFor(opts.uid, 0);
  const view = clusterView(opts, groups, urls, nodeIndexUid);
  const table = view.topology.tables.get(opts.uid);
  if (table === undefined) throw new Error('no placement table');

  // Place every document on every owner of its shard, in every group, as the indexers would.
  const perNode = new Map<string, Doc[]>(ids.map((id) => [id, []]));
  const shardOfDoc = (doc: Doc): number => shardOf(String(doc[opts.primaryKey]), opts.shards);
  for (const doc of opts.documents) {
    const shard = shardOfDoc(doc);
    for (const placement of table.groups) {
      for (const owner of placement.owners[shard] ?? []) perNode.get(owner)?.push(withShardValue(doc, shard));
    }
  }
  const nodeSettings = { ...initialNodeSettings(), ...nodeSettingsOf(opts.settings) };
  let reference: QueryCluster['reference'] = null;
  const loads: Promise<void>[] = [...nodes.values()].map((node) =>
    load(node.client, nodeIndexUid, opts.primaryKey, nodeSettings, perNode.get(node.id) ?? [], batchSize),
  );
  if (opts.reference !== false) {
    const dir = mkdtempSync(join(tmpdir(), 'miroir-query-ref-'));
    const devnode = await startNode(dir, 0);
    const client = createNodeClient({ nodeId: 'reference', url: devnode.url, timeoutMs: 30_000 });
    reference = { devnode, client, dir };
    loads.push(load(client, opts.uid, opts.primaryKey, opts.settings, opts.documents, batchSize));
  }
  await Promise.all(loads);

  const requests = new Map<string, number>();
  const counted = (client: NodeClient): NodeClient => {
    const count = () => requests.set(client.nodeId, (requests.get(client.nodeId) ?? 0) + 1);
    return {
      ...client,
      // Options pass through: they carry the abort signal of hedges and deadlines.
      search: (uid, body, o) => (count(), client.search(uid, body, o)),
      multiSearch: (body, o) => (count(), client.multiSearch(body, o)),
      facetSearch: (uid, body, o) => (count(), client.facetSearch(uid, body, o)),
      fetchDocuments: (uid, body, o) => (count(), client.fetchDocuments(uid, body, o)),
      getDocument: (uid, id, o) => (count(), client.getDocument(uid, id, o)),
      indexStats: (uid, o) => (count(), client.indexStats(uid, o)),
    };
  };
  const wrapped = new Map([...nodes.values()].map((node) => [node.id, counted(node.client)]));
  const service = await buildQueryService({
    view: () => view,
    node: (id) => wrapped.get(id),
    perShardTimeoutMs: opts.service?.perShardTimeoutMs ?? 5000,
    hedgeDelayMs: opts.service?.hedgeDelayMs ?? 0,
    unavailableShards: opts.service?.unavailableShards ?? 'partial',
    waitTimeoutMs: opts.service?.waitTimeoutMs ?? 2000,
    ...(opts.service?.coalesceSearches !== undefined
      ? { coalesceSearches: opts.service.coalesceSearches }
      : {}),
    ...(opts.service?.tasks !== undefined ? { tasks: opts.service.tasks } : {}),
    selector: new ReplicaSelector({ failureCooldownMs: opts.failureCooldownMs ?? 100 }),
  });
  const app = buildQueryApp({ service, logger: createLogger({ service: 'query', level: 'silent' }) });
  await app.ready();
  const url = opts.listen === true ? await app.listen({ host: '127.0.0.1', port: 0 }) : null;

  return {
    uid: opts.uid,
    nodeIndexUid,
    view,
    nodes,
    reference,
    service,
    app,
    url,
    requests,
    shardOfDoc,
    shardsOnlyOn(lost) {
      const gone = new Set(lost);
      return Array.from({ length: opts.shards }, (_, s) => s).filter((shard) =>
        table.groups.every((placement) => (placement.owners[shard] ?? []).every((owner) => gone.has(owner))),
      );
    },
    async stopNode(id) {
      const node = nodes.get(id);
      if (node?.devnode) {
        await node.devnode.close();
        node.devnode = null;
      }
    },
    async restartNode(id) {
      const node = nodes.get(id);
      if (node && node.devnode === null) node.devnode = await startNode(node.dir, node.port);
    },
    async close() {
      await app.close();
      for (const node of nodes.values()) {
        await node.client.close();
        await node.devnode?.close();
        rmSync(node.dir, { recursive: true, force: true });
      }
      if (reference) {
        await reference.client.close();
        await reference.devnode.close();
        rmSync(reference.dir, { recursive: true, force: true });
      }
    },
  };
}
