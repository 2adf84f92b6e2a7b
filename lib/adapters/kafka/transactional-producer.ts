// The transactional producer behind KafkaClient.transactionalProducer(): a read-process-write
// loop's sends and its consumer offsets commit together or not at all (Kafka transactions,
// `sendOffsets`). Connecting with a transactional id fences any earlier producer with the same
// id and aborts what it left open, so a process killed mid-transaction leaves no visible half.
import type { Kafka, Producer } from 'kafkajs';
import { checkPartition, checkTopic, guard, invalid } from './errors.ts';
import { COMPRESSION_TYPES } from './producer.ts';
import type { LogCompression, LogTransaction, OutgoingMessage, TransactionalProducer } from './types.ts';

export async function createTransactionalProducer(
  kafka: Kafka,
  transactionalId: string,
  compression: LogCompression,
): Promise<TransactionalProducer> {
  if (transactionalId.length === 0) throw invalid('A transactional producer needs a non-empty id.');
  const producer: Producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    transactionTimeout: 60_000,
  });
  await guard('transactional producer connect', () => producer.connect());
  return {
    async transaction(work) {
      const txn = await guard('begin transaction', () => producer.transaction());
      const handle: LogTransaction = {
        async send(messages: readonly OutgoingMessage[]) {
          const firsts = new Map<string, number>();
          if (messages.length === 0) return firsts;
          for (const m of messages) {
            checkTopic(m.topic);
            if (m.partition !== undefined) checkPartition(m.partition, `partition for topic '${m.topic}'`);
          }
          const byTopic = new Map<string, OutgoingMessage[]>();
          for (const m of messages) {
            const list = byTopic.get(m.topic);
            if (list === undefined) byTopic.set(m.topic, [m]);
            else list.push(m);
          }
          const metadata = await guard('transactional produce', () =>
            txn.sendBatch({
              acks: -1,
              compression: COMPRESSION_TYPES[compression],
              topicMessages: [...byTopic].map(([topic, list]) => ({
                topic,
                messages: list.map((m) => ({
                  key: m.key ?? null,
                  value: m.value,
                  ...(m.partition !== undefined ? { partition: m.partition } : {}),
                  ...(m.headers ? { headers: m.headers } : {}),
                })),
              })),
            }),
          );
          for (const r of metadata)
            if (r.baseOffset !== undefined)
              firsts.set(`${r.topicName}\0${r.partition}`, Number(r.baseOffset));
          return firsts;
        },
        async commitOffsets(groupId, topic, partition, nextOffset, metadata) {
          await guard('transactional offset commit', () =>
            txn.sendOffsets({
              consumerGroupId: groupId,
              topics: [
                {
                  topic,
                  partitions: [{ partition, offset: String(nextOffset), ...(metadata ? { metadata } : {}) }],
                },
              ],
            }),
          );
        },
      };
      try {
        const result = await work(handle);
        await guard('commit transaction', () => txn.commit());
        return result;
      } catch (err) {
        if (txn.isActive()) await txn.abort().catch(() => {});
        throw err;
      }
    },
    close: () => guard('transactional producer disconnect', () => producer.disconnect()),
  };
}
