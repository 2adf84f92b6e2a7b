// Composition root of the ingest role: Kafka producer, the process's read models, index
// lifecycle and writes, the Meilisearch write routes on the shared app, and the inbox router.
import { installRoleAuth } from '#adapters/http-auth.ts';
import type { RoleContext, RoleHandle } from '#adapters/role.ts';
import type { IndexRecord } from '#core/topology-projection.ts';
import { initRouting } from '#core/routing/hash.ts';
import { readModelsFor } from '#adapters/read-models/read-models.ts';
import { createInboxRouter } from './inbox.ts';
import { createIndexLifecycle } from './index-lifecycle.ts';
import { createLogWriter } from './log-writer.ts';
import { ingestMetrics } from './metrics.ts';
import { registerWriteRoutes } from './routes/write-routes.ts';
import { createTaskAdmin } from './task-admin.ts';
import { createWrites } from './writes.ts';
import { docsTopicOf } from '#core/log/topics.ts';
import { createSpareTopics } from './spare-topics.ts';

export async function start(ctx: RoleContext): Promise<RoleHandle> {
  const { config, logger } = ctx;
  await initRouting();
  const metrics = ingestMetrics(ctx.metrics);
  const models = await readModelsFor({ config, logger, lifecycle: ctx.lifecycle });
  const producer = await models.kafka.producer({ compression: ctx.config.kafka.compression });
  ctx.lifecycle.register('close-clients', 'ingest producer', () => producer.close());
  const taskProducer = await models.kafka.producer({ compression: ctx.config.kafka.compression });
  ctx.lifecycle.register('close-clients', 'ingest task producer', () => taskProducer.close());
  const writer = createLogWriter(producer, models.topics, models.codec, logger, taskProducer);
  const documentRecords = async (index: IndexRecord): Promise<number> => {
    const ends = await models.admin.fetchEndOffsets(docsTopicOf(models.topics, index));
    return [...ends.values()].reduce((sum, n) => sum + n, 0);
  };
  const spares = createSpareTopics({
    writer,
    topology: models.topology,
    topics: models.topics,
    policy: models.policy,
    shards: config.cluster.shards,
    target: config.ingest.spareTopics,
    ensureTopic: models.ensureTopic,
    endOffsets: (topic) => models.admin.fetchEndOffsets(topic),
    logger: logger.child({ component: 'spare-topics' }),
  });
  const lifecycle = createIndexLifecycle({
    writer,
    topology: models.topology,
    topics: models.topics,
    spares,
    policy: models.policy,
    ensureTopic: models.ensureTopic,
    shards: config.cluster.shards,
    replicationFactor: config.cluster.replicationFactor,
    documentRecords,
    tasks: models.tasks,
    onBackgroundError: (err, taskUid) =>
      logger.error({ err, taskUid }, 'could not record the outcome of an index task'),
  });
  const writes = createWrites({
    writer,
    topology: models.topology,
    lifecycle,
    topics: models.topics,
    autoCreateIndex: config.ingest.autoCreateIndex,
    shards: config.cluster.shards,
    replicationFactor: config.cluster.replicationFactor,
    metrics,
  });
  const taskAdmin = createTaskAdmin({
    writer,
    tasks: models.tasks,
    replicationFactor: config.cluster.replicationFactor,
    onBackgroundError: (err, taskUid) =>
      logger.error({ err, taskUid }, 'could not record the outcome of a task cancelation or deletion'),
  });
  registerWriteRoutes(ctx.app, { writes, lifecycle, taskAdmin });
  installRoleAuth(ctx.app, config.auth.masterKey, () => models.keys.state());
  const inbox = createInboxRouter({
    kafka: models.kafka,
    writer,
    writes,
    lifecycle,
    topology: models.topology,
    topics: models.topics,
    policy: models.policy,
    ensureTopic: models.ensureTopic,
    listTopics: () => models.admin.listTopics(),
    logger: logger.child({ component: 'inbox' }),
    metrics,
  });
  await inbox.start();
  spares.start();
  return {
    close: () => {
      spares.stop();
      return inbox.stop();
    },
  };
}
