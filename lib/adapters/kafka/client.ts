// createKafkaClient(): the one place Miroir builds kafkajs clients. It is also where the kafkajs
// extensions (LZ4 codec, idle-timer fix) get installed, explicitly and idempotently, so no
// import installs anything and no client of ours can exist without them.
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { createAdmin } from './admin.ts';
import { createPartitionConsumer } from './consumer.ts';
import { invalid } from './errors.ts';
import { installKafkaExtensions } from './extensions.ts';
import { createProducer, DEFAULT_LOG_COMPRESSION } from './producer.ts';
import { kafkaJsSecurity } from './security.ts';
import { readRange } from './range-reader.ts';
import { createTransactionalProducer } from './transactional-producer.ts';
import type { KafkaClient, KafkaClientConfig, KafkaLogger } from './types.ts';

export function createKafkaClient(config: KafkaClientConfig): KafkaClient {
  installKafkaExtensions();
  const security = kafkaJsSecurity(config);
  const kafka = new Kafka({
    clientId: config.clientId,
    brokers: brokerList(config.brokers),
    ...security,
    connectionTimeout: config.connectionTimeoutMs ?? 3000,
    requestTimeout: config.requestTimeoutMs ?? 30_000,
    logLevel: config.logger ? logLevel.INFO : logLevel.NOTHING,
    logCreator: logCreator(config.logger),
    ...(config.retries !== undefined ? { retry: { retries: config.retries } } : {}),
  });
  // Polls that must not back off for hundreds of ms between tries (a new topic's leaders, which
  // KRaft elects within milliseconds) go through a client that does not retry by itself.
  const probe = new Kafka({
    clientId: `${config.clientId}-probe`,
    brokers: brokerList(config.brokers),
    ...security,
    connectionTimeout: config.connectionTimeoutMs ?? 3000,
    requestTimeout: config.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  return {
    producer: (opts) =>
      createProducer(kafka, opts?.retries ?? 12, opts?.compression ?? DEFAULT_LOG_COMPRESSION),
    transactionalProducer: (opts) =>
      createTransactionalProducer(kafka, opts.transactionalId, opts.compression ?? DEFAULT_LOG_COMPRESSION),
    readRange: (opts) => readRange(kafka, opts),
    partitionConsumer: (opts) => createPartitionConsumer(kafka, opts, config.logger),
    admin: () => createAdmin(kafka, probe),
  };
}

function logCreator(logger: KafkaLogger | undefined) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      if (!logger) return;
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const obj = { component: 'kafkajs', namespace, ...fields };
      // Per-request error responses are retried (or thrown to our caller, who decides); at ERROR
      // they would flood the log during ordinary events such as a coordinator loading.
      if (namespace === 'Connection' && typeof message === 'string' && message.startsWith('Response ')) {
        logger.debug(obj, message);
        return;
      }
      // We bound the idempotent producer's retries on purpose (see producer.ts): not worth a warning.
      if (typeof message === 'string' && message.startsWith('Limiting retries for the idempotent producer'))
        return;
      if (level === logLevel.ERROR) logger.error(obj, message);
      else if (level === logLevel.WARN) logger.warn(obj, message);
      else if (level === logLevel.INFO) logger.info(obj, message);
      else logger.debug(obj, message);
    };
}

function brokerList(brokers: string | readonly string[]): string[] {
  const list = (typeof brokers === 'string' ? brokers.split(',') : [...brokers])
    .map((b) => b.trim())
    .filter(Boolean);
  if (list.length === 0) throw invalid('No Kafka brokers given: expected `host:port`, comma-separated.');
  for (const b of list)
    if (!/^[^\s:]+:\d{1,5}$/.test(b) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(b))
      throw invalid(`Invalid Kafka broker address ${JSON.stringify(b)}: expected \`host:port\`.`);
  return list;
}
