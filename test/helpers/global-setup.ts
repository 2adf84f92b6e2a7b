// vitest globalSetup of the `int` project: one real Kafka broker and one redis-server per run,
// shared by every test file, unless KAFKA_BROKERS / REDIS_URL point at running ones. If either
// cannot be started or reached, the run fails here: integration tests never skip.
import type { TestProject } from 'vitest/node';
import { createRedis } from '#adapters/redis.ts';
import { startKafka, waitUntilAnswering, type KafkaHandle } from '../../scripts/kafka.ts';
import { startRedis, type RedisHandle } from '../../scripts/redis.ts';
import type {} from './services.ts';

const say = (line: string): void => console.log(`[int setup] ${line}`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let kafka: KafkaHandle | undefined;
  let redis: RedisHandle | undefined;
  const teardown = async (): Promise<void> => {
    await Promise.all([kafka?.stop(), redis?.stop()]);
  };
  // allSettled, not all: when one fails, wait for the other so teardown stops whatever did start.
  const [brokers, redisUrl] = await Promise.allSettled([
    (async () => {
      const given = process.env.KAFKA_BROKERS;
      if (given) {
        if (!(await waitUntilAnswering(given, 15_000)))
          throw new Error(`KAFKA_BROKERS=${given} does not answer`);
        say(`using Kafka at ${given} (KAFKA_BROKERS)`);
        return given;
      }
      kafka = await startKafka({ log: say });
      return kafka.brokers;
    })(),
    (async () => {
      const given = process.env.REDIS_URL;
      if (given) {
        const conn = createRedis(given);
        try {
          await conn.client.ping();
        } catch (err) {
          throw new Error(
            `REDIS_URL=${given} does not answer PING: ${err instanceof Error ? err.message : 'unknown error'}`,
          );
        } finally {
          await conn.close();
        }
        say(`using Redis at ${given} (REDIS_URL)`);
        return given;
      }
      redis = await startRedis({ log: say });
      return redis.url;
    })(),
  ]);
  if (brokers.status === 'rejected' || redisUrl.status === 'rejected') {
    await teardown();
    const reasons = [brokers, redisUrl].flatMap((r) =>
      r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : [],
    );
    throw new Error(`integration services unavailable:\n${reasons.join('\n')}`);
  }
  project.provide('kafkaBrokers', brokers.value);
  project.provide('redisUrl', redisUrl.value);
  return teardown;
}
