// Keeps the appliers in step with the topology: `reconcile(topology)` works out, for every node
// and every index, the document partitions the node must apply (its shards as an owner, or as a
// still-serving replica while data moves), and starts, re-partitions or stops appliers to match.
// Each (node, index generation) has its own applier and consumer group, so a new index starts
// consuming at once, without a rebalance of the node's other indexes, and a slow batch of one
// index never holds up another. Reconciles run one at a time; a missing topic is retried.
import {
  knownTopics,
  type KafkaClient,
  type KnownTopics,
  type LogAdmin,
  type LogProducer,
} from '#adapters/kafka.ts';
import type { Logger } from '#adapters/logger.ts';
import { createNodeClient, type NodeClient } from '#adapters/node-client.ts';
import type { EventCodec } from '#core/events/codec.ts';
import { dlqTopicSpec } from '#core/log/topic-configs.ts';
import { docsTopicOf, type TopicNames } from '#core/log/topics.ts';
import type { PlacementTable } from '#core/routing/placement-table.ts';
import type { Topology, TopologyIndex } from '#core/topology.ts';
import { spareNodeIndexUid } from '#core/topology-projection.ts';
import { NodeApplier, type ApplierTarget } from './applier.ts';
import { indexerGroupId } from '#core/log/consumer-groups.ts';
import type { IndexerMetrics } from './metrics.ts';
import { createNodeExecutor, type NodeExecutor } from './node-executor.ts';
import type { BatchLimits } from './plan-batch.ts';
import type { RetryPolicy } from './retry.ts';

/** Credentials and connection settings of a node, from configuration (never from events). */
export interface NodeAccess {
  readonly apiKey?: string;
}

export interface ApplierManagerOptions {
  readonly kafka: Pick<KafkaClient, 'partitionConsumer'>;
  readonly producer: LogProducer;
  readonly admin: Pick<LogAdmin, 'listTopics' | 'createTopic' | 'fetchCommits'>;
  readonly topics: TopicNames;
  readonly codec: EventCodec;
  readonly logger: Logger;
  readonly limits: BatchLimits & { readonly lingerMs: number };
  readonly retry: RetryPolicy;
  /** Per node id; nodes without an entry are called without an API key. */
  readonly access?: ReadonlyMap<string, NodeAccess>;
  readonly metrics?: IndexerMetrics;
  /** Node request deadline (default 30 s). */
  readonly nodeTimeoutMs?: number;
  /** Builds node clients (tests may wrap them). */
  readonly nodeClient?: (nodeId: string, url: string, access: NodeAccess | undefined) => NodeClient;
  /** Delay before retrying a reconcile that could not start every applier (default 2 s). */
  readonly reconcileRetryMs?: number;
  readonly maxWaitTimeMs?: number;
}

/** The index a node holds for a client index: `nodeIndexUid` when the topology names one, else the same uid. */
export function nodeIndexUidOf(index: TopologyIndex): string {
  return index.nodeIndexUid ?? index.uid;
}

/** The document partitions (shards) `nodeId` writes to under a placement table. */
function partitionsOf(table: PlacementTable, nodeId: string): number[] {
  const partitions: number[] = [];
  table.writeTargets.forEach((nodes, shard) => {
    if (nodes.includes(nodeId)) partitions.push(shard);
  });
  return partitions;
}

/** Every (index, partitions) a node must apply under `topology`; pure. */
export function targetsOf(topology: Topology, nodeId: string, topics: TopicNames): ApplierTarget[] {
  const node = topology.nodeById.get(nodeId);
  if (node === undefined || node.state === 'removed') return [];
  const targets: ApplierTarget[] = [];
  for (const index of topology.indexes) {
    if (index.state === 'deleting') continue;
    const table = topology.tables.get(index.uid);
    if (table === undefined) continue;
    const partitions = partitionsOf(table, nodeId);
    if (partitions.length === 0) continue;
    targets.push({
      indexUid: index.uid,
      nodeIndexUid: nodeIndexUidOf(index),
      primaryKey: index.primaryKey,
      generation: index.generation,
      topic: docsTopicOf(topics, index),
      partitions,
      replicaGroup: Math.max(0, index.groups.indexOf(node.group)),
    });
  }
  // Spare topics: their groups are joined ahead, so the index that takes one finds its appliers running.
  for (const spare of topology.spares ?? []) {
    const table = topology.spareTables.get(spare.topic);
    if (table === undefined) continue;
    const partitions = partitionsOf(table, nodeId);
    if (partitions.length === 0) continue;
    targets.push({
      indexUid: '',
      // Created and prepared on the node now: the index that takes the spare keeps this node index.
      nodeIndexUid: spareNodeIndexUid(spare.topic),
      primaryKey: null,
      generation: 0,
      topic: spare.topic,
      partitions,
      replicaGroup: 0,
      spare: true,
    });
  }
  return targets;
}

/** One applier and the chain its transitions run on, one after another. */
interface ManagedApplier {
  readonly applier: NodeApplier;
  chain: Promise<void>;
}

interface ManagedNode {
  readonly url: string;
  readonly client: NodeClient;
  readonly executor: NodeExecutor;
  /** One applier per document topic (index generation) the node applies. */
  readonly appliers: Map<string, ManagedApplier>;
}

export class ApplierManager {
  private readonly nodes = new Map<string, ManagedNode>();
  /** Reconciles plan one at a time; the transitions they start run on each applier's own chain. */
  private chain: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private latest: Topology | null = null;
  /** Topics seen to exist: the broker is listed only for a topic never seen. */
  private readonly knownTopics: KnownTopics;

  constructor(private readonly opts: ApplierManagerOptions) {
    this.knownTopics = knownTopics(() => opts.admin.listTopics());
  }

  /** Node ids with a running applier. */
  nodeIds(): string[] {
    return [...this.nodes.keys()];
  }

  /** The applier of one node for one document topic. */
  applierOf(nodeId: string, topic: string): NodeApplier | undefined {
    return this.nodes.get(nodeId)?.appliers.get(topic)?.applier;
  }

  /**
   * Brings appliers in line with `topology`; resolves once every applier this change starts has
   * joined its group. A slow transition (an applier finishing a long batch before it stops) holds
   * up only that applier, never the next reconcile or another index.
   */
  reconcile(topology: Topology): Promise<void> {
    this.latest = topology;
    const planned = this.chain.then(() => this.plan(topology));
    this.chain = planned.then(
      () => undefined,
      () => undefined,
    );
    return planned.then(async (transitions) => {
      const outcomes = await Promise.all(transitions);
      if (outcomes.includes(false)) this.scheduleRetry();
    });
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.latest !== null && !this.closed)
        void this.reconcile(this.latest).catch((err: unknown) =>
          this.opts.logger.error({ err }, 'reconcile failed'),
        );
    }, this.opts.reconcileRetryMs ?? 2000);
    this.retryTimer.unref();
  }

  private managed(nodeId: string, url: string): ManagedNode {
    const existing = this.nodes.get(nodeId);
    if (existing !== undefined && existing.url === url) return existing;
    const access = this.opts.access?.get(nodeId);
    const client =
      this.opts.nodeClient?.(nodeId, url, access) ??
      createNodeClient({
        nodeId,
        url,
        ...(access?.apiKey !== undefined ? { apiKey: access.apiKey } : {}),
        timeoutMs: this.opts.nodeTimeoutMs ?? 30_000,
      });
    const executor = createNodeExecutor({
      client,
      retry: this.opts.retry,
      logger: this.opts.logger.child({ node: nodeId }),
    });
    const node: ManagedNode = { url, client, executor, appliers: new Map() };
    this.nodes.set(nodeId, node);
    return node;
  }

  private newApplier(nodeId: string, node: ManagedNode, topic: string): NodeApplier {
    const groupId = indexerGroupId(this.opts.topics.prefix, nodeId, topic);
    return new NodeApplier({
      nodeId,
      groupId,
      fetchCommits: (t) => this.opts.admin.fetchCommits(groupId, t),
      kafka: this.opts.kafka,
      producer: this.opts.producer,
      executor: node.executor,
      topics: this.opts.topics,
      codec: this.opts.codec,
      logger: this.opts.logger,
      limits: this.opts.limits,
      retry: this.opts.retry,
      ensureDlqTopic: (indexUid) => this.ensureDlqTopic(indexUid),
      ...(this.opts.metrics !== undefined ? { metrics: this.opts.metrics } : {}),
      ...(this.opts.maxWaitTimeMs !== undefined ? { maxWaitTimeMs: this.opts.maxWaitTimeMs } : {}),
    });
  }

  private async ensureDlqTopic(indexUid: string): Promise<void> {
    const spec = dlqTopicSpec(this.opts.topics, indexUid, { brokerReplicationFactor: 1 });
    // Broker default replication; only the retention configs come from the spec.
    const configs = Object.fromEntries(
      spec.configEntries.filter((e) => e.name !== 'min.insync.replicas').map((e) => [e.name, e.value]),
    );
    await this.opts.admin.createTopic({ topic: spec.topic, partitions: spec.numPartitions, configs });
  }

  /** Runs `step` after the applier's earlier transitions; resolves false when it failed (logged). */
  private transition(entry: ManagedApplier, what: string, step: () => Promise<void>): Promise<boolean> {
    const run = entry.chain.then(step);
    entry.chain = run.catch(() => undefined);
    return run.then(
      () => true,
      (err: unknown) => {
        this.opts.logger.error({ err }, `${what}; will retry`);
        return false;
      },
    );
  }

  /**
   * Starts or re-partitions the applier of one target. A new one also creates the node index in
   * the background, so the index's first write finds it ready.
   */
  private follow(nodeId: string, node: ManagedNode, target: ApplierTarget): Promise<boolean> {
    let entry = node.appliers.get(target.topic);
    if (entry === undefined) {
      const created: ManagedApplier = {
        applier: this.newApplier(nodeId, node, target.topic),
        chain: Promise.resolve(),
      };
      entry = created;
      node.appliers.set(target.topic, created);
      const wanted = (): boolean =>
        !this.closed && this.nodes.get(nodeId)?.appliers.get(target.topic) === created;
      node.executor
        .prepare({ nodeIndexUid: target.nodeIndexUid, primaryKey: target.primaryKey }, { isRunning: wanted })
        .catch((err: unknown) => {
          if (wanted())
            this.opts.logger.warn(
              { err, node: nodeId, index: target.indexUid },
              'could not create the node index ahead; its first write will',
            );
        });
    }
    const applier = entry.applier;
    return this.transition(entry, `could not start the applier of node ${nodeId} for ${target.topic}`, () =>
      applier.setTargets([target]),
    );
  }

  private unfollow(node: ManagedNode, topic: string): Promise<boolean> {
    const entry = node.appliers.get(topic);
    if (entry === undefined) return Promise.resolve(true);
    node.appliers.delete(topic);
    return this.transition(entry, `could not stop the applier for ${topic}`, () => entry.applier.stop());
  }

  private async dropNode(nodeId: string): Promise<void> {
    const node = this.nodes.get(nodeId);
    if (node === undefined) return;
    this.nodes.delete(nodeId);
    await Promise.all([...node.appliers.keys()].map((topic) => this.unfollow(node, topic)));
    await node.client.close();
  }

  /** Works out every applier's change and starts it; returns each change's outcome. */
  private async plan(topology: Topology): Promise<Promise<boolean>[]> {
    if (this.closed) return [];
    const targets = new Map(
      topology.nodes
        .filter((node) => node.state !== 'removed')
        .map((node) => [node.id, targetsOf(topology, node.id, this.opts.topics)]),
    );
    // A spare is announced only once its topic exists.
    for (const spare of topology.spares ?? []) this.knownTopics.add(spare.topic);
    const existing = await this.knownTopics.covering([...targets.values()].flat().map((t) => t.topic));
    const transitions: Promise<boolean>[] = [];
    const wanted = new Set<string>();
    for (const node of topology.nodes) {
      const all = targets.get(node.id);
      if (all === undefined) continue;
      const ready = all.filter((t) => existing.has(t.topic));
      if (ready.length < all.length) {
        transitions.push(Promise.resolve(false));
        this.opts.logger.warn(
          { node: node.id, missing: all.filter((t) => !existing.has(t.topic)).map((t) => t.topic) },
          'document topics missing; will retry',
        );
      }
      if (ready.length === 0 && !this.nodes.has(node.id)) continue;
      wanted.add(node.id);
      const current = this.nodes.get(node.id);
      if (current !== undefined && current.url !== node.url) await this.dropNode(node.id);
      const managed = this.managed(node.id, node.url);
      const topics = new Set(ready.map((t) => t.topic));
      for (const target of ready) transitions.push(this.follow(node.id, managed, target));
      for (const topic of [...managed.appliers.keys()])
        if (!topics.has(topic)) transitions.push(this.unfollow(managed, topic));
    }
    for (const nodeId of [...this.nodes.keys()]) if (!wanted.has(nodeId)) await this.dropNode(nodeId);
    return transitions;
  }

  /** Stops every applier (their last commits are done) and closes node clients. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.chain;
    await Promise.all([...this.nodes.keys()].map((nodeId) => this.dropNode(nodeId)));
  }
}
