// Composition root of the indexer role: configuration -> Kafka producer/admin, node access
// (API keys from config, never from events) -> the applier manager, driven by the topology.
// The topology comes from a feed the process shell provides (`ctx.topology`, the control-topic
// projection); without one the role starts idle and says so.
import { createKafkaClient, kafkaConnectionOf } from '#adapters/kafka.ts';
import type { RoleContext, RoleHandle } from '#adapters/role.ts';
import { defaultEventCodec } from '#core/events/codec.ts';
import { topicNames } from '#core/log/topics.ts';
import { createTopology, type Topology, type TopologySpec } from '#core/topology.ts';
import { ApplierManager, type NodeAccess } from './applier-manager.ts';
import { declareIndexerMetrics } from './metrics.ts';

/** What the indexer needs from the topology projection: the current layout and its changes. */
export interface TopologyFeed {
  state(): Topology | TopologySpec | null;
  /** Calls `listener` after every change; returns an unsubscribe function. */
  onChange(listener: (topology: Topology | TopologySpec) => void): () => void;
}

function asTopology(value: Topology | TopologySpec): Topology {
  return 'tables' in value ? value : createTopology(value);
}

export async function start(ctx: RoleContext & { topology?: TopologyFeed }): Promise<RoleHandle> {
  const { config, logger } = ctx;
  const kafka = createKafkaClient({
    ...kafkaConnectionOf(config.kafka),
    clientId: `${config.kafka.clientId}-indexer`,
    logger,
  });
  const producer = await kafka.producer({ compression: ctx.config.kafka.compression });
  const admin = await kafka.admin();
  const access = new Map<string, NodeAccess>(
    config.nodes.map((node) => [node.id, node.apiKey === undefined ? {} : { apiKey: node.apiKey }]),
  );
  const manager = new ApplierManager({
    kafka,
    producer,
    admin,
    topics: topicNames(config.kafka.topicPrefix),
    codec: defaultEventCodec(),
    logger,
    limits: {
      maxDocs: config.indexer.batchMaxDocs,
      maxBytes: config.indexer.batchMaxBytes,
      lingerMs: config.indexer.lingerMs,
    },
    retry: {
      initialMs: config.indexer.retryInitialMs,
      maxMs: config.indexer.retryMaxMs,
      maxAnsweredAttempts: config.indexer.maxAnsweredAttempts,
    },
    access,
    metrics: declareIndexerMetrics(ctx.metrics),
  });

  const reconcile = (value: Topology | TopologySpec): void => {
    void manager
      .reconcile(asTopology(value))
      .catch((err: unknown) => logger.error({ err }, 'indexer reconcile failed'));
  };
  let unsubscribe: () => void = () => undefined;
  if (ctx.topology === undefined) {
    logger.warn('no topology feed in the role context: the indexer has nothing to apply until one is wired');
  } else {
    unsubscribe = ctx.topology.onChange(reconcile);
    const current = ctx.topology.state();
    if (current !== null) await manager.reconcile(asTopology(current));
  }

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        unsubscribe();
        await manager.close();
        await producer.close();
        await admin.close();
      })();
      return closing;
    },
  };
}
