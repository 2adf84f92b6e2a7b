// Producers without HTTP: consumes `<prefix>inbox.<index>` (raw JSON documents keyed by primary
// key, a null value deletes) and routes them into the sharded log with the same validation as
// the HTTP routes; rejected records go to `<prefix>dlq.<index>` with the reason in headers.
// Offsets are committed only after every record of a batch was appended or dead-lettered.
import type { ConsumedBatch, KafkaClient, PartitionConsumer, TopicPartitions } from '#adapters/kafka.ts';
import type { Logger } from '#adapters/logger.ts';
import { planInboxBatch } from '#core/ingest/inbox-batch.ts';
import { dlqTopicSpec, inboxTopicSpec, type TopicPolicy, type TopicSpec } from '#core/log/topic-configs.ts';
import { parseTopic, type TopicNames } from '#core/log/topics.ts';
import type { TopologyState } from '#core/topology-projection.ts';
import { shardsOfIds } from '#core/ingest/prepare-documents.ts';
import type { TopologyRunner } from '#adapters/read-models/topology-runner.ts';
import type { IndexLifecycle } from './index-lifecycle.ts';
import type { LogWriter } from './log-writer.ts';
import type { IngestMetrics } from './metrics.ts';
import type { Writes } from './writes.ts';

export const DLQ_HEADER_CODE = 'miroir-error-code';
export const DLQ_HEADER_MESSAGE = 'miroir-error-message';
export const DLQ_HEADER_SOURCE_TOPIC = 'miroir-source-topic';
export const DLQ_HEADER_SOURCE_PARTITION = 'miroir-source-partition';
export const DLQ_HEADER_SOURCE_OFFSET = 'miroir-source-offset';

export interface InboxRouterDeps {
  readonly kafka: Pick<KafkaClient, 'partitionConsumer'>;
  readonly writer: LogWriter;
  readonly writes: Writes;
  readonly lifecycle: IndexLifecycle;
  readonly topology: TopologyRunner;
  readonly topics: TopicNames;
  readonly policy: TopicPolicy;
  readonly ensureTopic: (spec: TopicSpec) => Promise<boolean>;
  /** Every topic's name: inbox topics found there are not created again. */
  readonly listTopics?: () => Promise<string[]>;
  readonly logger: Logger;
  readonly maxWaitTimeMs?: number;
  /** Delay before following the index list again after a failure (default 1 s). */
  readonly retryMs?: number;
  readonly metrics?: IngestMetrics;
}

export interface InboxRouter {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The inbox partitions of every live index (created with one partition per shard). */
export function inboxWants(state: TopologyState, topics: TopicNames): TopicPartitions[] {
  return Object.values(state.indexes)
    .map((index) => ({
      topic: topics.inbox(index.uid),
      partitions: Array.from({ length: index.shards }, (_, i) => i),
    }))
    .sort((a, b) => (a.topic < b.topic ? -1 : 1));
}

export function createInboxRouter(deps: InboxRouterDeps): InboxRouter {
  const { topics, logger } = deps;
  let consumer: PartitionConsumer | undefined;
  let wanted = '';
  let chain: Promise<void> = Promise.resolve();
  let retryTimer: NodeJS.Timeout | undefined;
  /** Inbox topics known to exist. */
  const ensured = new Set<string>();
  let listed = false;
  let unsubscribe: (() => void) | undefined;
  let stopped = false;
  const dlqReady = new Set<string>();

  const deadLetter = async (
    batch: ConsumedBatch,
    indexUid: string,
    rejects: { offset: number; error: { code: string; message: string } }[],
  ): Promise<void> => {
    if (rejects.length === 0) return;
    for (const r of rejects) deps.metrics?.ingest_inbox_rejected_total.inc({ code: r.error.code });
    const topic = topics.dlq(indexUid);
    if (!dlqReady.has(topic)) {
      await deps.ensureTopic(dlqTopicSpec(topics, indexUid, deps.policy));
      dlqReady.add(topic);
    }
    const byOffset = new Map(batch.messages.map((m) => [m.offset, m]));
    await deps.writer.send(
      rejects.map((r) => {
        const source = byOffset.get(r.offset);
        return {
          topic,
          partition: 0,
          key: source?.key?.toString('utf8') ?? null,
          value: source?.value ?? Buffer.alloc(0),
          headers: {
            [DLQ_HEADER_CODE]: r.error.code,
            [DLQ_HEADER_MESSAGE]: r.error.message,
            [DLQ_HEADER_SOURCE_TOPIC]: batch.topic,
            [DLQ_HEADER_SOURCE_PARTITION]: String(batch.partition),
            [DLQ_HEADER_SOURCE_OFFSET]: String(r.offset),
          },
        };
      }),
    );
  };

  const handle = async (batch: ConsumedBatch): Promise<void> => {
    const last = batch.messages.at(-1);
    if (last === undefined) return;
    const parsed = parseTopic(batch.topic, topics.prefix);
    const uid = parsed?.indexUid;
    let index = uid === undefined ? undefined : deps.lifecycle.find(uid);
    if (uid === undefined || index === undefined) {
      // The index was deleted since: keep its records as evidence instead of dropping them.
      if (uid !== undefined) {
        await deadLetter(
          batch,
          uid,
          batch.messages.map((m) => ({
            offset: m.offset,
            error: { code: 'index_not_found', message: `Index \`${uid}\` not found.` },
          })),
        );
      }
      await consumer?.commit(batch.topic, batch.partition, last.offset + 1);
      return;
    }
    const plan = planInboxBatch(batch.messages, index.primaryKey);
    if (plan.setsPrimaryKey && plan.primaryKey !== null)
      index = await deps.lifecycle.setPrimaryKey(index, plan.primaryKey);
    for (const run of plan.runs) {
      if (run.kind === 'upsert')
        await deps.writes.appendDocuments(
          index,
          run.documents,
          shardsOfIds(
            run.documents.map((d) => d.id),
            index.shards,
          ),
        );
      else await deps.writes.appendDeletes(index, run.ids);
    }
    await deadLetter(batch, index.uid, plan.rejects);
    if (plan.rejects.length > 0)
      logger.warn(
        { index: index.uid, partition: batch.partition, rejected: plan.rejects.length },
        'inbox records dead-lettered',
      );
    await consumer?.commit(batch.topic, batch.partition, last.offset + 1);
  };

  const reconcile = (state: TopologyState): Promise<void> => {
    const run = chain.then(async () => {
      if (stopped) return;
      const wants = inboxWants(state, topics);
      const key = JSON.stringify(wants);
      if (key === wanted) return;
      // The router owns the inbox topics: it creates each new index's own, off the index
      // creation's path (a producer writing at once retries until it exists, a few tens of ms).
      const unknown = Object.values(state.indexes).filter((index) => !ensured.has(topics.inbox(index.uid)));
      // On the first reconcile, one listing instead of a creation attempt per index (a restart
      // knows every topic at once); later, each new index's topic is created (idempotently)
      // without a metadata request for every topic of the cluster.
      if (!listed && unknown.length > 0 && deps.listTopics !== undefined)
        for (const topic of await deps.listTopics()) ensured.add(topic);
      listed = true;
      for (const index of unknown) {
        const topic = topics.inbox(index.uid);
        if (ensured.has(topic)) continue;
        await deps.ensureTopic(inboxTopicSpec(topics, index.uid, index.shards, deps.policy));
        ensured.add(topic);
      }
      wanted = key;
      if (wants.length === 0) {
        await consumer?.stop();
        consumer = undefined;
        return;
      }
      if (consumer === undefined) {
        consumer = deps.kafka.partitionConsumer({
          groupId: `${topics.prefix}ingest.inbox`,
          partitions: wants,
          handler: handle,
          maxWaitTimeMs: deps.maxWaitTimeMs ?? 500,
          onCrash: (err, restart) => logger.error({ err, restart }, 'inbox consumer crashed'),
        });
        await consumer.start();
      } else {
        await consumer.setPartitions(wants);
      }
    });
    chain = run.catch((err: unknown) => {
      wanted = '';
      logger.error({ err }, 'inbox consumer could not follow the index list; retrying');
      // A new index's inbox topic may still be being created: try again shortly.
      retryTimer ??= setTimeout(() => {
        retryTimer = undefined;
        if (!stopped) void reconcile(deps.topology.state()).catch(() => undefined);
      }, deps.retryMs ?? 1000);
      retryTimer.unref();
    });
    return run;
  };

  return {
    async start() {
      unsubscribe = deps.topology.onChange((state) => void reconcile(state).catch(() => undefined));
      await reconcile(deps.topology.state());
    },
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      unsubscribe?.();
      await chain;
      await consumer?.stop();
      consumer = undefined;
    },
  };
}
