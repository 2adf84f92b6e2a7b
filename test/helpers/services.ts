// Typed access, inside integration tests, to the Kafka broker and Redis server the global setup
// started (or took from KAFKA_BROKERS / REDIS_URL), plus unique names so tests never collide.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    redisUrl: string;
  }
}

/** `host:port[,host:port]` of the run's Kafka broker. Throws outside the `int` project. */
export function kafkaBrokers(): string {
  return required('kafkaBrokers', inject('kafkaBrokers'));
}

/** `redis://host:port` of the run's Redis server. Throws outside the `int` project. */
export function redisUrl(): string {
  return required('redisUrl', inject('redisUrl'));
}

/**
 * A name no other test (or earlier run against a reused broker) has used: `<prefix>-<time>-<random>`,
 * valid as a Kafka topic, consumer group, Redis key and Meilisearch index uid.
 */
export function uniqueName(prefix: string): string {
  if (!/^[a-zA-Z0-9_-]+$/.test(prefix))
    throw new Error(`uniqueName prefix must match [a-zA-Z0-9_-]+, got ${JSON.stringify(prefix)}`);
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

function required(key: string, value: string | undefined): string {
  // A missing value means the test runs without the global setup: fail, never skip silently.
  if (!value)
    throw new Error(
      `'${key}' was not provided: run integration tests through the vitest 'int' project (test/helpers/global-setup.ts).`,
    );
  return value;
}
