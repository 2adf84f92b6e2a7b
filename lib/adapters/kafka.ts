// Miroir's one door to Kafka: a narrow producer / partition-set consumer / admin interface over
// kafkajs, so the rest of the code never imports kafkajs and a client swap touches lib/adapters/kafka/
// only. This entry re-exports the public API; each concern has its own module under kafka/.
// Importing it installs nothing: createKafkaClient installs the kafkajs extensions (LZ4 codec,
// idle-timer fix) explicitly and idempotently on every build (see kafka/extensions.ts).
export type {
  BatchContext,
  BatchHandler,
  CommittedOffset,
  ConsumedBatch,
  ConsumedMessage,
  DeliveredMessage,
  GroupMemberAssignment,
  KafkaClient,
  KafkaClientConfig,
  KafkaLogger,
  KafkaSaslConfig,
  KafkaTlsConfig,
  LogAdmin,
  LogCompression,
  LogProducer,
  LogTransaction,
  RangeReadOptions,
  TransactionalProducer,
  MessageValue,
  OutgoingMessage,
  PartitionConsumer,
  PartitionConsumerOptions,
  PartitionLag,
  TopicDescription,
  TopicPartitions,
  TopicSpec,
} from './kafka/types.ts';
export { toKafkaError } from './kafka/errors.ts';
export { assignWantedPartitions, PARTITION_SET_ASSIGNER, type MemberWants } from './kafka/assignor.ts';
export { DEFAULT_LOG_COMPRESSION } from './kafka/producer.ts';
export { createKafkaClient } from './kafka/client.ts';
export { kafkaConnectionOf } from './kafka/security.ts';
export { installKafkaExtensions } from './kafka/extensions.ts';
export { knownTopics, type KnownTopics } from './kafka/known-topics.ts';
