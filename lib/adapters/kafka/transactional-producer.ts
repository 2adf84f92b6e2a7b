// The transactional producer behind KafkaClient.transactionalProducer(): a read-process-write
// loop's sends and its consumer offsets commit together or not at all (Kafka transactions,
// `sendOffsets`). Connecting with a transactional id fences any earlier producer with the same
// id and aborts what it left open, so a process killed mid-transaction leaves no visible half.
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { guard, invalid } from './errors.ts';
import { baseOffsetsOf, batchOf, COMPRESSION_TYPES } from './producer.ts';
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
    // Java-compatible murmur2 of the key (kafkajs' v2 default, set to silence its warning): any
    // client finds a key's partition.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await guard('transactional producer connect', () => producer.connect());
  return {
    async transaction(work) {
      const txn = await guard('begin transaction', () => producer.transaction());
      const handle: LogTransaction = {
        async send(messages: readonly OutgoingMessage[]) {
          if (messages.length === 0) return new Map<string, number>();
          const { topicMessages } = batchOf(messages);
          const metadata = await guard('transactional produce', () =>
            txn.sendBatch({ acks: -1, compression: COMPRESSION_TYPES[compression], topicMessages }),
          );
          return baseOffsetsOf(metadata);
        },
        async commitOffsets(groupId, topic, partition, nextOffset, metadata) {
          const offsets = {
            consumerGroupId: groupId,
            topics: [
              {
                topic,
                partitions: [{ partition, offset: String(nextOffset), ...(metadata ? { metadata } : {}) }],
              },
            ],
          };
          await guard('transactional offset commit', () => whileConcurrent(() => txn.sendOffsets(offsets)));
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

/**
 * Retries `fn` while the coordinator still completes the previous transaction
 * (CONCURRENT_TRANSACTIONS: the next one began while the last one's markers were being written).
 * kafkajs retries this for sends and for the producer's init, not for AddOffsetsToTxn; Java's
 * client retries it everywhere.
 */
async function whileConcurrent<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isConcurrentTransactions(err) || attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, Math.min(100, 5 * 2 ** Math.min(attempt, 5))));
    }
  }
}

function isConcurrentTransactions(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 5) return false;
  const e = err as { type?: unknown; originalError?: unknown; cause?: unknown };
  return (
    e.type === 'CONCURRENT_TRANSACTIONS' ||
    isConcurrentTransactions(e.originalError, depth + 1) ||
    isConcurrentTransactions(e.cause, depth + 1)
  );
}
