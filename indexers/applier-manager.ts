// Keeps one applier per node in step with the topology: `reconcile(topology)` works out, for
// every node and every index, the document partitions the node must apply (its shards as an
// owner, or as a still-serving replica while data moves), and starts, re-partitions or stops
// appliers to match. Reconciles run one at a time; a topic that does not exist yet is retried.
import type { KafkaClient, LogAdmin, LogProducer } from '#adapters/kafka.ts';
import type { Logger } from '#adapters/logger.ts';
import { createNodeClient, type NodeClient } from '#adapters/node-client.ts';
import type { EventCodec } from '#core/events/codec.ts';
import { dlqTopicSpec } from '#core/log/topic-configs.ts';
import type { TopicNames } from '#core/log/topics.ts';
import type { Topology, TopologyIndex } from '#core/topology.ts';
import { NodeApplier, type ApplierTarget } from './applier.ts';
import { indexerGroupId } from '#core/log/consumer-groups.ts';
import type { IndexerMetrics } from './metrics.ts';
import { createNodeExecutor } from './node-executor.ts';
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

/** Every (index, partitions) a node must apply under `topology`; pure. */
export function targetsOf(topology: Topology, nodeId: string, topics: TopicNames): ApplierTarget[] {
  const node = topology.nodeById.get(nodeId);
  if (node === undefined || node.state === 'removed') return [];
  const targets: ApplierTarget[] = [];
  for (const index of topology.indexes) {
    if (index.state === 'deleting') continue;
    const table = topology.tables.get(index.uid);
    if (table === undefined) continue;
    const partitions: number[] = [];
    table.writeTargets.forEach((nodes, shard) => {
      if (nodes.includes(nodeId)) partitions.push(shard);
    });
    if (partitions.length === 0) continue;
    targets.push({
      indexUid: index.uid,
      nodeIndexUid: nodeIndexUidOf(index),
      primaryKey: index.primaryKey,
      generation: index.generation,
      topic: topics.docs(index.uid, index.generation),
      partitions,
      replicaGroup: Math.max(0, index.groups.indexOf(node.group)),
    });
  }
  return targets;
}

interface ManagedNode {
  readonly url: string;
  readonly client: NodeClient;
  readonly applier: NodeApplier;
}

export class ApplierManager {
  private readonly nodes = new Map<string, ManagedNode>();
  private chain: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private latest: Topology | null = null;

  constructor(private readonly opts: ApplierManagerOptions) {}

  /** Node ids with a running applier. */
  nodeIds(): string[] {
    return [...this.nodes.keys()];
  }

  applierOf(nodeId: string): NodeApplier | undefined {
    return this.nodes.get(nodeId)?.applier;
  }

  /** Brings appliers in line with `topology`; resolves once every applier that can start has joined its group. */
  reconcile(topology: Topology): Promise<void> {
    this.latest = topology;
    const run = this.chain.then(() => this.reconcileNow(topology));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.latest !== null && !this.closed) void this.reconcile(this.latest).catch((err: unknown) => this.opts.logger.error({ err }, 'reconcile failed'));
    }, this.opts.reconcileRetryMs ?? 2000);
    this.retryTimer.unref();
  }

  private managed(nodeId: string, url: string): ManagedNode {
    const existing = this.nodes.get(nodeId);
    if (existing !== undefined && existing.url === url) return existing;
    const access = this.opts.access?.get(nodeId);
    const client =
      this.opts.nodeClient?.(nodeId, url, access) ??
      createNodeClient({ nodeId, url, ...(access?.apiKey !== undefined ? { apiKey: access.apiKey } : {}), timeoutMs: this.opts.nodeTimeoutMs ?? 30_000 });
    const logger = this.opts.logger;
    const groupId = indexerGroupId(this.opts.topics.prefix, nodeId);
    const applier = new NodeApplier({
      nodeId,
      groupId,
      fetchCommits: (topic) => this.opts.admin.fetchCommits(groupId, topic),
      kafka: this.opts.kafka,
      producer: this.opts.producer,
      executor: createNodeExecutor({ client, retry: this.opts.retry, logger: logger.child({ node: nodeId }) }),
      topics: this.opts.topics,
      codec: this.opts.codec,
      logger,
      limits: this.opts.limits,
      retry: this.opts.retry,
      ensureDlqTopic: (indexUid) => this.ensureDlqTopic(indexUid),
      ...(this.opts.metrics !== undefined ? { metrics: this.opts.metrics } : {}),
      ...(this.opts.maxWaitTimeMs !== undefined ? { maxWaitTimeMs: this.opts.maxWaitTimeMs } : {}),
    });
    const node = { url, client, applier };
    this.nodes.set(nodeId, node);
    return node;
  }

  private async ensureDlqTopic(indexUid: string): Promise<void> {
    const spec = dlqTopicSpec(this.opts.topics, indexUid, { brokerReplicationFactor: 1 });
    // Broker default replication; only the retention configs come from the spec.
    const configs = Object.fromEntries(spec.configEntries.filter((e) => e.name !== 'min.insync.replicas').map((e) => [e.name, e.value]));
    await this.opts.admin.createTopic({ topic: spec.topic, partitions: spec.numPartitions, configs });
  }

  private async dropNode(nodeId: string): Promise<void> {
    const node = this.nodes.get(nodeId);
    if (node === undefined) return;
    this.nodes.delete(nodeId);
    await node.applier.stop();
    await node.client.close();
  }

  private async reconcileNow(topology: Topology): Promise<void> {
    if (this.closed) return;
    const existing = new Set(await this.opts.admin.listTopics());
    let incomplete = false;
    const wanted = new Set<string>();
    for (const node of topology.nodes) {
      if (node.state === 'removed') continue;
      const all = targetsOf(topology, node.id, this.opts.topics);
      const ready = all.filter((t) => existing.has(t.topic));
      if (ready.length < all.length) {
        incomplete = true;
        this.opts.logger.warn({ node: node.id, missing: all.filter((t) => !existing.has(t.topic)).map((t) => t.topic) }, 'document topics missing; will retry');
      }
      if (ready.length === 0 && !this.nodes.has(node.id)) continue;
      wanted.add(node.id);
      const current = this.nodes.get(node.id);
      if (current !== undefined && current.url !== node.url) await this.dropNode(node.id);
      try {
        await this.managed(node.id, node.url).applier.setTargets(ready);
      } catch (err) {
        incomplete = true;
        this.opts.logger.error({ err, node: node.id }, 'could not start the applier; will retry');
      }
    }
    for (const nodeId of [...this.nodes.keys()]) if (!wanted.has(nodeId)) await this.dropNode(nodeId);
    if (incomplete) this.scheduleRetry();
  }

  /** Stops every applier (their last commits are done) and closes node clients. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.chain;
    for (const nodeId of [...this.nodes.keys()]) await this.dropNode(nodeId);
  }
}
