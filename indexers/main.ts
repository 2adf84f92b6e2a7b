// Composition root of the indexer role: configuration -> Kafka producer/admin, node access
// (API keys from config, never from events) -> the applier manager, driven by the topology.
// The topology comes from a feed the process shell provides (`ctx.topology`, the control-topic
// projection); without one the role starts idle and says so.
import { createKafkaClient, kafkaConnectionOf } from '#adapters/kafka.ts';
import type { RoleContext, RoleHandle } from '#adapters/role.ts';
import { defaultEventCodec } from '#core/events/codec.ts';
import { topicNames } from '#core/log/topics.ts';
import { followTopology, type TopologyFeed } from '#adapters/read-models/topology-feed.ts';
import { ApplierManager, type NodeAccess } from './applier-manager.ts';
import { declareIndexerMetrics } from './metrics.ts';

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

  const unsubscribe = await followTopology(
    ctx.topology,
    (topology) => manager.reconcile(topology),
    logger,
    'indexer',
  );

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
