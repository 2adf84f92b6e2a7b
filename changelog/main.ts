// Composition root of the changelog role: configuration -> Kafka client and admin, the on-disk
// state directory -> the changelog manager, driven by the topology feed the process shell
// provides (as the indexer's). Each live index generation gets an exactly-once folder that
// writes `<prefix>changelog.<index>`.
import { createKafkaClient, kafkaConnectionOf } from '#adapters/kafka.ts';
import { ensureTopicWith, topicPolicyOf } from '#adapters/read-models/read-models.ts';
import type { RoleContext, RoleHandle } from '#adapters/role.ts';
import { defaultEventCodec } from '#core/events/codec.ts';
import { topicNames } from '#core/log/topics.ts';
import { initRouting } from '#core/routing/hash.ts';
import { followTopology, type TopologyFeed } from '#adapters/read-models/topology-feed.ts';
import { ChangelogManager } from './manager.ts';
import { declareChangelogMetrics } from './metrics.ts';

export async function start(ctx: RoleContext & { topology?: TopologyFeed }): Promise<RoleHandle> {
  const { config, logger } = ctx;
  await initRouting();
  const kafka = createKafkaClient({
    ...kafkaConnectionOf(config.kafka),
    clientId: `${config.kafka.clientId}-changelog`,
    logger,
  });
  const admin = await kafka.admin();
  const manager = new ChangelogManager({
    kafka,
    admin,
    codec: defaultEventCodec(),
    logger,
    topicPrefix: config.kafka.topicPrefix,
    topics: topicNames(config.kafka.topicPrefix),
    policy: topicPolicyOf(config),
    cdcPartitions: config.cdc.partitions,
    dataDir: config.cdc.dataDir,
    compression: config.kafka.compression,
    ensureTopic: ensureTopicWith(admin),
    listTopics: () => admin.listTopics(),
    metrics: declareChangelogMetrics(ctx.metrics),
    ...(config.cdc.schemaRegistryUrl !== undefined
      ? { schemaRegistryUrl: config.cdc.schemaRegistryUrl }
      : {}),
  });
  const unsubscribe = await followTopology(
    ctx.topology,
    (topology) => manager.reconcile(topology),
    logger,
    'changelog role',
  );
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        unsubscribe();
        await manager.close();
        await admin.close();
      })();
      return closing;
    },
  };
}
